/**
 * The cost of a user's raw Loihi net (the JSON `spikewasm loihi-sim` runs) from its bit-exact trace:
 * the net placed on cores (mapLoihiNet) and its measured activity priced by the neurocore model
 * (src/targets/cost.ts) and a deployment flow (src/targets/loihi-flows.ts), for the whole run.
 *
 * Placement: each block on the fewest cores that hold its compartments (1,024 per core), its input axons
 * (every source row with a non-zero weight into the block; splitting a block does not reduce them) and
 * its synaptic memory (NengoLoihi's dense encoding: per input axon, blocks of 64 eight-bit weights + a
 * 10-bit header in 64-bit words); cores numbered block by block, tiles row-major on the mesh. Spikes
 * leave for every core of every block they have a non-zero weight into; input axons enter from an input
 * core after the blocks' cores (mapping.ts InputPlacement).
 *
 * Activity (exact, from the trace): spikes per block; synaptic events = for every spike of a source
 * (input listed at t, block spike emitted at t), the non-zero weights of its row, counted in the step the
 * spike is sent (as SANA-FE does; spikes of the last step are counted though they arrive after the run);
 * soma updates = compartment-steps where v before the step was non-zero, the current u is non-zero or the
 * bias is non-zero.
 */
import { SpikewasmError } from "../errors.js";
import type { LayerActivityPerInference } from "../targets/cost.js";
import type { ChipDescription } from "../targets/loihi.js";
import { type FlowCost, loihiFlows } from "../targets/loihi-flows.js";
import type { LoihiFlow } from "../targets/loihi-system.js";
import { type CoreUsage, type LayerMapping, type LoihiMapping, bitsPerAxon } from "../targets/mapping.js";
import type { LoihiNet, LoihiResult } from "./simulate.js";

/** Non-zero weights per source row of a connection, and the rows with any (computed once per connection). */
const ROW_STATS = new WeakMap<number[][], { rows: number; perRow: number[]; total: number }>();
function rowStats(weights: number[][]): { rows: number; perRow: number[]; total: number } {
  let st = ROW_STATS.get(weights);
  if (!st) {
    const perRow = weights.map((r) => r.reduce((a, w) => a + (w !== 0 ? 1 : 0), 0));
    st = { rows: perRow.filter((k) => k > 0).length, perRow, total: perRow.reduce((x, y) => x + y, 0) };
    ROW_STATS.set(weights, st);
  }
  return st;
}

/** Places every block of a Loihi net on cores within the chip's limits (exit 3 naming the block and limit). */
export function mapLoihiNet(net: LoihiNet, chip: ChipDescription): LoihiMapping {
  const L = chip.limits, perCore = L.compartmentsPerCore.value, perChip = L.coresPerChip.value, perTile = chip.mesh.coresPerTile.value, tx = chip.mesh.tilesX.value;
  const conns = net.connections ?? [];
  const where = (core: number) => {
    const local = core % perChip, tile = Math.floor(local / perTile);
    return { chip: Math.floor(core / perChip), tileX: tile % tx, tileY: Math.floor(tile / tx) };
  };
  let next = 0;
  const placed = net.blocks.map((b) => {
    const into = conns.filter((c) => c.dst === b.name);
    const fanIn = into.reduce((a, c) => a + rowStats(c.weights).rows, 0);
    if (fanIn > L.inputAxonsPerCore.value)
      throw new SpikewasmError(`block '${b.name}': ${fanIn} input axons (source rows with a non-zero weight into it), more than the ${L.inputAxonsPerCore.value} input axons per core of ${chip.name} (limit inputAxonsPerCore); splitting the block does not reduce them`, 3);
    let k = Math.max(1, Math.ceil(b.n / perCore));
    const bits = (cores: number) => fanIn * bitsPerAxon(chip, Math.ceil(b.n / cores), 0);
    while (bits(k) > L.synapticMemoryBitsPerCore.value && k < b.n) k++;
    if (bits(k) > L.synapticMemoryBitsPerCore.value)
      throw new SpikewasmError(`block '${b.name}': ${bits(k)} bits of synaptic memory per core even at one compartment per core, limit synapticMemoryBitsPerCore ${L.synapticMemoryBitsPerCore.value}`, 3);
    const synapses = into.reduce((a, c) => a + rowStats(c.weights).total, 0);
    const base = next;
    next += k;
    return { b, k, base, fanIn, synapses };
  });
  const byName = new Map(placed.map((p) => [p.b.name, p]));
  const cores: CoreUsage[] = [];
  /** mean destination cores and hops per spike of a source (block or input) */
  const routeOf = (src: string, n: number, srcCore: (i: number) => number) => {
    let msgs = 0, hx = 0, hy = 0;
    for (const c of conns.filter((x) => x.src === src)) {
      const d = byName.get(c.dst)!, per = Math.ceil(d.b.n / d.k);
      for (let i = 0; i < n; i++) {
        const a = where(srcCore(i));
        for (let j = 0; j < d.k; j++) {
          const lo = j * per, hi = Math.min(d.b.n, lo + per);
          if (!c.weights[i].slice(lo, hi).some((w) => w !== 0)) continue;
          const t = where(d.base + j);
          msgs++; hx += Math.abs(a.tileX - t.tileX); hy += Math.abs(a.tileY - t.tileY);
        }
      }
    }
    return { meanDestCores: msgs / Math.max(1, n), meanHopsX: msgs > 0 ? hx / msgs : 0, meanHopsY: msgs > 0 ? hy / msgs : 0, outputAxons: msgs };
  };
  const layers: LayerMapping[] = placed.map((p) => {
    const per = Math.ceil(p.b.n / p.k);
    const r = routeOf(p.b.name, p.b.n, (i) => p.base + Math.floor(i / per));
    for (let j = 0; j < p.k; j++) {
      const comps = Math.min(p.b.n, (j + 1) * per) - j * per, sb = p.fanIn * bitsPerAxon(chip, comps, 0);
      cores.push({
        core: p.base + j, ...where(p.base + j), layer: p.b.name, box: { c: [j * per, j * per + comps], y: [0, 1], x: [0, 1] }, compartments: comps,
        inputAxons: p.fanIn, outputAxons: Math.round(r.outputAxons / p.k), synapses: Math.round(p.synapses * comps / p.b.n), synapseBits: sb,
        utilisation: { compartments: comps / L.compartmentsPerCore.value, inputAxons: p.fanIn / L.inputAxonsPerCore.value,
          outputAxons: r.outputAxons / p.k / L.outputAxonsPerCore.value, synapseMemory: sb / L.synapticMemoryBitsPerCore.value },
      });
    }
    return {
      id: p.b.name, kind: "dense", shape: [p.b.n], neurons: p.b.n, split: [p.k, 1, 1], cores: Array.from({ length: p.k }, (_, j) => p.base + j),
      compartments: p.b.n, fanInAxons: p.fanIn * p.k, maxNeuronFanIn: p.fanIn, synapses: p.synapses, synapseBytes: p.k * p.fanIn * bitsPerAxon(chip, per, 0) / 8,
      outputAxons: r.outputAxons, meanDestCores: r.meanDestCores, meanHopsX: r.meanHopsX, meanHopsY: r.meanHopsY,
    };
  });
  const inputs = net.inputs ?? [];
  let input: LoihiMapping["input"] = null;
  if (inputs.length > 0) {
    const at = where(next);
    let n = 0, msgs = 0, hx = 0, hy = 0;
    for (const inp of inputs) {
      const r = routeOf(inp.name, inp.n, () => next);
      n += inp.n; msgs += r.meanDestCores * inp.n; hx += r.meanHopsX * r.outputAxons; hy += r.meanHopsY * r.outputAxons;
    }
    input = { core: next, ...at, neurons: n, meanDestCores: msgs / Math.max(1, n), meanHopsX: msgs > 0 ? hx / msgs : 0, meanHopsY: msgs > 0 ? hy / msgs : 0 };
  }
  return { chip: chip.name, layers, input, cores, coresUsed: next, chipsUsed: Math.ceil(next / perChip) };
}

/** Exact activity of a simulated net (see the module header) and its input spikes. */
export function netActivity(net: LoihiNet, r: LoihiResult): { layers: LayerActivityPerInference[]; inputSpikes: number; synapticEvents: number } {
  const conns = net.connections ?? [];
  const spikesOf = new Map<string, number[]>(); // spikes per source neuron over the run
  for (const inp of net.inputs ?? []) spikesOf.set(inp.name, inp.spikeTimes.map((ts) => ts.filter((t) => t >= 1 && t <= r.steps).length));
  for (const b of net.blocks) {
    const counts = new Array<number>(b.n).fill(0);
    for (const s of r.blocks[b.name].spikes) for (const i of s) counts[i]++;
    spikesOf.set(b.name, counts);
  }
  let synapticEvents = 0;
  const layers = net.blocks.map((b) => {
    let synops = 0;
    for (const c of conns.filter((x) => x.dst === b.name)) {
      const per = rowStats(c.weights).perRow, sp = spikesOf.get(c.src)!;
      for (let i = 0; i < per.length; i++) synops += sp[i] * per[i];
    }
    synapticEvents += synops;
    const tr = r.blocks[b.name];
    let updates = 0;
    for (let t = 0; t < r.steps; t++)
      for (let i = 0; i < b.n; i++) if ((t > 0 && tr.v[t - 1][i] !== 0) || tr.u[t][i] !== 0 || b.biasMant[i] !== 0) updates++;
    return { id: b.name, spikes: spikesOf.get(b.name)!.reduce((a, x) => a + x, 0), synops, updates };
  });
  const inputSpikes = (net.inputs ?? []).reduce((a, inp) => a + spikesOf.get(inp.name)!.reduce((x, y) => x + y, 0), 0);
  return { layers, inputSpikes, synapticEvents };
}

/** What `loihi-sim --cost` adds to the trace. */
export interface NetCost {
  flow: LoihiFlow;
  constants: string;
  energyJ: number;
  latencyS: number;
  powerW: number;
  cores: number;
  chips: number;
  synapticEvents: number;
  breakdown: FlowCost["breakdown"] & { staticJ: number };
  board: FlowCost["board"];
  flows: Record<LoihiFlow, { energyJ: number; latencyS: number; powerW: number }>;
  blocks: Record<string, { spikes: number; synapticEvents: number; updates: number; cores: number; energyJ: number }>;
  notes: string[];
}

/** The whole run of a simulated Loihi net priced on `chip` in deployment flow `flow`. */
export function loihiNetCost(net: LoihiNet, r: LoihiResult, chip: ChipDescription, flow: LoihiFlow, constants: string): NetCost {
  const mapping = mapLoihiNet(net, chip);
  const act = netActivity(net, r);
  const inputNames = new Set((net.inputs ?? []).map((i) => i.name));
  const inputLayers = net.blocks.filter((b) => (net.connections ?? []).some((c) => c.dst === b.name && inputNames.has(c.src))).map((b) => b.name);
  const fl = loihiFlows(mapping, act.layers, chip, r.steps, { inputSpikesPerInference: act.inputSpikes, inputLayers }, flow);
  const f = fl.flows[flow], onChip = fl.onChip[flow];
  const blocks: NetCost["blocks"] = {};
  for (const l of mapping.layers) {
    const a = act.layers.find((x) => x.id === l.id)!, c = onChip.layers.find((x) => x.id === l.id)!;
    Object.defineProperty(blocks, l.id, { value: { spikes: a.spikes, synapticEvents: a.synops, updates: a.updates!, cores: l.cores.length, energyJ: c.totalJ }, enumerable: true, writable: true, configurable: true });
  }
  const summary = (x: FlowCost) => ({ energyJ: x.energyPerInferenceJ, latencyS: x.latencyS, powerW: x.powerW });
  return {
    flow, constants, energyJ: f.energyPerInferenceJ, latencyS: f.latencyS, powerW: f.powerW, cores: mapping.coresUsed, chips: mapping.chipsUsed,
    synapticEvents: act.synapticEvents, breakdown: f.breakdown, board: f.board,
    flows: { host: summary(fl.flows.host), bias: summary(fl.flows.bias), chip: summary(fl.flows.chip) }, blocks,
    notes: [...fl.notes, "the whole run is priced as one inference; per-block energy is the neurocore part (synaptic events, soma, spike messages)",
      "flow bias treats the blocks fed by the net's inputs as biased: their input synaptic events are dropped"],
  };
}
