/**
 * Core mapping: places each neuron population of an SNN graph on the cores of a chip, within every
 * per-core limit of its description (compartments, input axons, output axon slots, synaptic memory).
 *
 * A layer is cut into tiles: a 3-D layer [C, H, W] into channel groups × row bands × column bands, a
 * 1-D layer [N] into contiguous ranges; one tile per core. For each layer the allocator tries splits
 * in increasing tile count and takes the first count with a split inside the compartment, input-axon
 * and synaptic-memory limits (among those, the one with the fewest input axons); then it counts every
 * core's output axon slots (one per source neuron per destination core it reaches, as NengoLoihi's
 * Axon.axon_slots) and splits a layer further while any of its cores exceeds that limit.
 *
 * Counting rules (per tile):
 *   compartments  = neurons of the tile (one compartment per neuron);
 *   input axons   = distinct source neurons feeding the tile (the bounding box of the receptive
 *                   fields; for strides larger than the kernel an upper bound);
 *   synapses      = dense: compartments × fan-in; conv: taps inside the input (padding excluded);
 *                   pool: window taps; add/concat: one per input per neuron;
 *   synapse bits  = NengoLoihi SynapseConfig.bits_per_axon: per input axon, blocks of up to 64
 *                   synapses of (weight bits [+ index bits]) + a 10-bit header, each rounded up to
 *                   64-bit words. Dense layers use the dense format (no index bits); conv, pool, add
 *                   and concat the sparse format with index bits, their synapses spread evenly over
 *                   the tile's input axons (no weight sharing across positions, which NengoLoihi's
 *                   population axons would allow — so convolution memory is an upper bound);
 *                   with convWeights "shared" (NxTF's convolution connections) a conv tile stores its
 *                   distinct kernel weights once plus a 64-bit header word per input axon (an estimate).
 * Reset by subtraction emulated (MapOptions.subtract, src/loihi/quantize.ts "reset"): each neuron of such a
 * layer is two compartments (dendrite and soma) with a self-connection soma → dendrite, so its tile counts
 * 2 compartments, 1 more input axon, 1 more synapse (sparse format, one synapse per axon) and 1 more output
 * axon slot per neuron, and every spike is also a message to its own core (one more destination, 0 hops).
 * Input nodes hold no compartments: their spikes come from the host and are not placed on cores.
 * Recurrent layers (graph.ts RecurrentConnection) are refused by name (geometry.ts refuseRecurrent):
 * their self-projection is not counted here.
 * Cores are numbered in layer order; core i is on chip ⌊i / coresPerChip⌋, tile ⌊(i mod coresPerChip)
 * / coresPerTile⌋ of the tilesX × tilesY mesh, row-major.
 */
import { SpikewasmError } from "../errors.js";
import type { PopulationNode, Shape, SnnGraph } from "../ir/graph.js";
import { type Box, type Geometry, type Range, type Shape3, candidateSplits, full, geometries, maxNeuronFanIn, neededBox, tilesOf, vol } from "./geometry.js";
import type { ChipDescription } from "./loihi.js";

export type { Box } from "./geometry.js";

/** One core's share of a layer. */
export interface CoreUsage {
  core: number;
  chip: number;
  /** mesh tile coordinates on its chip */
  tileX: number;
  tileY: number;
  layer: string;
  box: Box;
  compartments: number;
  inputAxons: number;
  outputAxons: number;
  synapses: number;
  synapseBits: number;
  /** used / limit for each resource, in [0, 1] */
  utilisation: { compartments: number; inputAxons: number; outputAxons: number; synapseMemory: number };
}

/** One layer's placement. */
export interface LayerMapping {
  id: string;
  kind: PopulationNode["kind"];
  shape: Shape;
  neurons: number;
  /** [channel groups, row bands, column bands] (1-D layers: [ranges, 1, 1]) */
  split: [number, number, number];
  cores: number[];
  compartments: number;
  /** input axons summed over the layer's cores (a source neuron feeding two cores counts twice) */
  fanInAxons: number;
  /** largest fan-in of a single neuron */
  maxNeuronFanIn: number;
  synapses: number;
  synapseBytes: number;
  outputAxons: number;
  /** mean number of destination cores per neuron spike (0 for the output layer) */
  meanDestCores: number;
  /** mean east-west / north-south tile hops per routed spike message (estimate, see routeStats) */
  meanHopsX: number;
  meanHopsY: number;
}

/**
 * Where input spikes enter the mesh: an input core (as SANA-FE models host input: packets sent from a
 * core of the mesh) on the first free core after the layers' cores. It holds no compartments and is
 * not counted in coresUsed; its packets are priced by cost.ts.
 */
export interface InputPlacement {
  core: number;
  chip: number;
  tileX: number;
  tileY: number;
  /** input neurons (values of the input node) */
  neurons: number;
  /** mean number of destination cores per input spike */
  meanDestCores: number;
  meanHopsX: number;
  meanHopsY: number;
}

/** The result of mapToLoihi. */
export interface LoihiMapping {
  chip: string;
  layers: LayerMapping[];
  input: InputPlacement | null;
  /** how convolution weights were stored (mapToLoihi's option) */
  convWeights?: ConvWeightStorage;
  cores: CoreUsage[];
  coresUsed: number;
  chipsUsed: number;
}

const meet = (a: Range, b: Range): Range => [Math.max(a[0], b[0]), Math.min(a[1], b[1])];
const inter = (a: Box, b: Box): Box => ({ c: meet(a.c, b.c), y: meet(a.y, b.y), x: meet(a.x, b.x) });

/** Bits of synapse memory for one input axon with `n` targets (NengoLoihi bits_per_axon). */
export function bitsPerAxon(chip: ChipDescription, n: number, indexBits: number): number {
  const s = chip.synapse, per = s.synapsesPerBlock.value, word = s.wordBits.value;
  const bw = s.weightBits.value + indexBits;
  let bits = 0;
  for (let i = 0; i < n; i += per) {
    const k = Math.min(per, n - i);
    bits += Math.ceil((k * bw + s.blockHeaderBits.value) / word) * word;
  }
  return bits;
}

function indexBitsFor(chip: ChipDescription, compartments: number): number {
  const need = Math.ceil(Math.log2(compartments + 1));
  return chip.synapse.indexBits.find((b) => b >= need) ?? chip.synapse.indexBits[chip.synapse.indexBits.length - 1];
}

/** Number of kernel taps landing inside [0, size) for output index o. */
function taps(o: number, stride: number, pad: number, k: number, dil: number, size: number): number {
  let n = 0;
  for (let j = 0; j < k; j++) { const i = o * stride - pad + j * dil; if (i >= 0 && i < size) n++; }
  return n;
}
function tapSum(r: Range, stride: number, pad: number, k: number, dil: number, size: number): number {
  let s = 0;
  for (let o = r[0]; o < r[1]; o++) s += taps(o, stride, pad, k, dil, size);
  return s;
}
interface WindowParams { k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number] }
function windowParams(node: PopulationNode): WindowParams | null {
  if (node.kind === "conv2d") {
    const pad = node.padding ?? [0, 0, 0, 0];
    return { k: node.kernel, s: node.stride ?? [1, 1], p: [pad[0], pad[1]], d: node.dilation ?? [1, 1] };
  }
  if (node.kind === "pool") {
    const pad = node.padding ?? [0, 0, 0, 0];
    return { k: node.kernel, s: node.stride ?? node.kernel, p: [pad[0], pad[1]], d: [1, 1] };
  }
  return null;
}

interface TileCost { compartments: number; inputAxons: number; synapses: number; synapseBits: number }

/** How convolution weights are stored: expanded per input axon (NengoLoihi's sparse format) or shared kernels (NxTF). */
export type ConvWeightStorage = "expanded" | "shared";

/** Options of mapToLoihi. */
export interface MapOptions {
  /** convolution weight storage (default "expanded", an upper bound on memory) */
  convWeights?: ConvWeightStorage;
  /** layers whose reset by subtraction is emulated with two compartments and a self-connection (module header) */
  subtract?: ReadonlySet<string>;
}

function tileCost(chip: ChipDescription, g: Geometry, tile: Box, convWeights: ConvWeightStorage, subtract: boolean): TileCost {
  const c = layerTileCost(chip, g, tile, convWeights);
  if (!subtract) return c;
  // the dendrite compartments, and the self-connection: one axon with one synapse per neuron
  const n = c.compartments;
  return { compartments: 2 * n, inputAxons: c.inputAxons + n, synapses: c.synapses + n, synapseBits: c.synapseBits + n * bitsPerAxon(chip, 1, indexBitsFor(chip, 2 * n)) };
}

function layerTileCost(chip: ChipDescription, g: Geometry, tile: Box, convWeights: ConvWeightStorage): TileCost {
  const comps = vol(tile);
  const boxes = g.inputs.map((_, k) => neededBox(g, tile, k, true));
  const inputAxons = boxes.reduce((a, b) => a + vol(b), 0);
  const node = g.node;
  if (node.kind === "dense") {
    const nIn = inputAxons;
    return { compartments: comps, inputAxons, synapses: comps * nIn, synapseBits: nIn * bitsPerAxon(chip, comps, 0) };
  }
  let synapses: number;
  const w = windowParams(node);
  const [, hin, win] = g.inputs[0].inShape3;
  if (node.kind === "conv2d" && w) {
    const cinG = g.inputs[0].inShape3[0] / (node.groups ?? 1);
    synapses = (tile.c[1] - tile.c[0]) * cinG * tapSum(tile.y, w.s[0], w.p[0], w.k[0], w.d[0], hin) * tapSum(tile.x, w.s[1], w.p[1], w.k[1], w.d[1], win);
  } else if (node.kind === "pool" && w) {
    synapses = (tile.c[1] - tile.c[0]) * tapSum(tile.y, w.s[0], w.p[0], w.k[0], 1, hin) * tapSum(tile.x, w.s[1], w.p[1], w.k[1], 1, win);
  } else synapses = inputAxons; // add / concat: one synapse per source neuron
  if (node.kind === "conv2d" && w && convWeights === "shared") {
    // shared kernels (NxTF / NxSDK convolution connections): the tile's distinct weights stored once, plus
    // one 64-bit word of routing header per input axon — an ESTIMATE of that format's memory
    const word = chip.synapse.wordBits.value;
    const kernelBits = (tile.c[1] - tile.c[0]) * (g.inputs[0].inShape3[0] / (node.groups ?? 1)) * w.k[0] * w.k[1] * chip.synapse.weightBits.value;
    return { compartments: comps, inputAxons, synapses, synapseBits: inputAxons * word + Math.ceil(kernelBits / word) * word };
  }
  const perAxon = inputAxons > 0 ? Math.ceil(synapses / inputAxons) : 0;
  return { compartments: comps, inputAxons, synapses, synapseBits: inputAxons * bitsPerAxon(chip, perAxon, indexBitsFor(chip, comps)) };
}

interface Placed { g: Geometry; split: Shape3; tiles: Box[]; costs: TileCost[]; subtract: boolean }

/** Smallest split with more than `minTiles` tiles inside the compartment, input-axon and memory limits. */
function chooseSplit(chip: ChipDescription, g: Geometry, minTiles: number, convWeights: ConvWeightStorage, subtract: boolean): Placed {
  const L = chip.limits, id = g.node.id;
  const fanIn = maxNeuronFanIn(g) + (subtract ? 1 : 0);
  if (fanIn > L.inputAxonsPerCore.value)
    throw new SpikewasmError(`layer '${id}' (${g.node.kind}): one neuron needs ${fanIn} input axons, more than the ${L.inputAxonsPerCore.value} input axons per core of ${chip.name} (limit inputAxonsPerCore); it cannot be placed`, 3);
  let best: Placed | null = null, bestAxons = Infinity, bestCount = Infinity, last: TileCost | null = null;
  for (const split of candidateSplits(g.shape3)) {
    const count = split[0] * split[1] * split[2];
    if (count <= minTiles) continue;
    if (count > bestCount) break;
    const tiles = tilesOf(g.shape3, split);
    const costs = tiles.map((t) => tileCost(chip, g, t, convWeights, subtract));
    const worst = costs.find((c) => c.compartments > L.compartmentsPerCore.value || c.inputAxons > L.inputAxonsPerCore.value || c.synapseBits > L.synapticMemoryBitsPerCore.value);
    if (worst) { last = worst; continue; }
    const axons = costs.reduce((a, c) => a + c.inputAxons, 0);
    if (axons < bestAxons) { best = { g, split, tiles, costs, subtract }; bestAxons = axons; bestCount = count; }
  }
  if (best) return best;
  const w = last!;
  const what = w.synapseBits > L.synapticMemoryBitsPerCore.value
    ? `synapticMemoryBitsPerCore: ${w.synapseBits} bits needed, limit ${L.synapticMemoryBitsPerCore.value}`
    : w.inputAxons > L.inputAxonsPerCore.value ? `inputAxonsPerCore: ${w.inputAxons} needed, limit ${L.inputAxonsPerCore.value}`
      : `compartmentsPerCore: ${w.compartments} needed, limit ${L.compartmentsPerCore.value}`;
  throw new SpikewasmError(`layer '${id}' (${g.node.kind}): no split into ${minTiles > 0 ? `more than ${minTiles} ` : ""}tiles fits one core of ${chip.name} even at one neuron per core (limit ${what})`, 3);
}

/** Out-axon slots of every tile of every layer, and each (source tile, destination tile) weight. */
function routes(placed: Placed[]): { out: Map<Placed, number[]>; pairs: Map<Placed, { src: number; dst: Placed; dstTile: number; n: number }[]>; inputPairs: { dst: Placed; dstTile: number; n: number }[] } {
  const inputPairs: { dst: Placed; dstTile: number; n: number }[] = [];
  const out = new Map<Placed, number[]>(placed.map((p) => [p, p.tiles.map(() => 0)]));
  const pairs = new Map<Placed, { src: number; dst: Placed; dstTile: number; n: number }[]>(placed.map((p) => [p, []]));
  const byId = new Map(placed.map((p) => [p.g.node.id, p]));
  for (const d of placed) {
    if (d.subtract) // each soma's spike also goes back to its own dendrite, on the same core
      d.tiles.forEach((t, i) => { const n = vol(t); out.get(d)![i] += n; pairs.get(d)!.push({ src: i, dst: d, dstTile: i, n }); });
    d.g.inputs.forEach((inp, k) => {
      const s = byId.get(inp.src);
      if (!s) { // an input node: spikes come from the host through the input core
        d.tiles.forEach((dt, di) => { const n = vol(neededBox(d.g, dt, k, true)); if (n > 0) inputPairs.push({ dst: d, dstTile: di, n }); });
        return;
      }
      d.tiles.forEach((dt, di) => {
        const need = neededBox(d.g, dt, k, true);
        // through a flatten of a 3-D source the needed range is mapped conservatively to the whole source
        const region = inp.inShape3.join() === s.g.shape3.join() ? need : full(s.g.shape3);
        s.tiles.forEach((st, si) => {
          const n = vol(inter(st, region));
          if (n > 0) { out.get(s)![si] += n; pairs.get(s)!.push({ src: si, dst: d, dstTile: di, n }); }
        });
      });
    });
  }
  return { out, pairs, inputPairs };
}

/**
 * Places a graph on Loihi cores within all limits of `chip`. Throws SpikewasmError (exit code 3)
 * naming the layer, the limit and the numbers when a layer cannot be placed.
 */
export function mapToLoihi(graph: SnnGraph, chip: ChipDescription, o: MapOptions = {}): LoihiMapping {
  const L = chip.limits, cw = o.convWeights ?? "expanded", sub = (g: Geometry) => o.subtract?.has(g.node.id) ?? false;
  const placed = geometries(graph, chip.name).map((g) => chooseSplit(chip, g, 0, cw, sub(g)));
  let r = routes(placed);
  for (let iter = 0; ; iter++) {
    const bad = placed.findIndex((p) => r.out.get(p)!.some((n) => n > L.outputAxonsPerCore.value));
    if (bad < 0) break;
    const p = placed[bad];
    const worst = Math.max(...r.out.get(p)!);
    if (iter > 200) throw new SpikewasmError(`layer '${p.g.node.id}' (${p.g.node.kind}): a core needs ${worst} output axons, limit outputAxonsPerCore ${L.outputAxonsPerCore.value}`, 3);
    try {
      placed[bad] = chooseSplit(chip, p.g, p.tiles.length, cw, p.subtract);
    } catch {
      throw new SpikewasmError(`layer '${p.g.node.id}' (${p.g.node.kind}): a core needs ${worst} output axons, more than the limit outputAxonsPerCore ${L.outputAxonsPerCore.value}, and no finer split fits`, 3);
    }
    r = routes(placed);
  }
  return { ...assemble(chip, placed, r), convWeights: cw };
}

/** mapToLoihi for a quantised network: its layers with reset by subtraction emulated take two compartments. */
export function mapQuantized(graph: SnnGraph, lg: { report: { reset: { emulated: string[] } } }, chip: ChipDescription, o: MapOptions = {}): LoihiMapping {
  return mapToLoihi(graph, chip, { ...o, subtract: new Set(lg.report.reset.emulated) });
}

function assemble(chip: ChipDescription, placed: Placed[], r: ReturnType<typeof routes>): LoihiMapping {
  const L = chip.limits, perChip = L.coresPerChip.value, perTile = chip.mesh.coresPerTile.value, tx = chip.mesh.tilesX.value;
  const coreIndex = new Map<Placed, number>();
  let next = 0;
  for (const p of placed) { coreIndex.set(p, next); next += p.tiles.length; }
  const where = (core: number) => {
    const local = core % perChip, tile = Math.floor(local / perTile);
    return { chip: Math.floor(core / perChip), tileX: tile % tx, tileY: Math.floor(tile / tx) };
  };
  const cores: CoreUsage[] = [];
  const layers: LayerMapping[] = placed.map((p) => {
    const base = coreIndex.get(p)!, outs = r.out.get(p)!;
    p.tiles.forEach((box, i) => {
      const c = p.costs[i], core = base + i;
      cores.push({
        core, ...where(core), layer: p.g.node.id, box, compartments: c.compartments, inputAxons: c.inputAxons, outputAxons: outs[i],
        synapses: c.synapses, synapseBits: c.synapseBits,
        utilisation: {
          compartments: c.compartments / L.compartmentsPerCore.value, inputAxons: c.inputAxons / L.inputAxonsPerCore.value,
          outputAxons: outs[i] / L.outputAxonsPerCore.value, synapseMemory: c.synapseBits / L.synapticMemoryBitsPerCore.value,
        },
      });
    });
    let w = 0, hx = 0, hy = 0;
    for (const e of r.pairs.get(p)!) {
      const a = where(base + e.src), b = where(coreIndex.get(e.dst)! + e.dstTile);
      w += e.n; hx += e.n * Math.abs(a.tileX - b.tileX); hy += e.n * Math.abs(a.tileY - b.tileY);
    }
    const neurons = p.g.neurons;
    const sum = (f: (c: TileCost) => number) => p.costs.reduce((a, c) => a + f(c), 0);
    return {
      id: p.g.node.id, kind: p.g.node.kind, shape: p.g.shape, neurons, split: p.split,
      cores: p.tiles.map((_, i) => base + i), compartments: sum((c) => c.compartments), fanInAxons: sum((c) => c.inputAxons), maxNeuronFanIn: maxNeuronFanIn(p.g) + (p.subtract ? 1 : 0),
      synapses: sum((c) => c.synapses), synapseBytes: sum((c) => c.synapseBits) / 8, outputAxons: outs.reduce((a, b) => a + b, 0),
      meanDestCores: w / neurons, meanHopsX: w > 0 ? hx / w : 0, meanHopsY: w > 0 ? hy / w : 0,
    };
  });
  let input: InputPlacement | null = null;
  const inputNode = placed.flatMap((p) => p.g.inputs).find((inp) => inp.srcIsInput);
  if (inputNode) {
    const at = where(next);
    let w = 0, hx = 0, hy = 0;
    for (const e of r.inputPairs) {
      const b = where(coreIndex.get(e.dst)! + e.dstTile);
      w += e.n; hx += e.n * Math.abs(at.tileX - b.tileX); hy += e.n * Math.abs(at.tileY - b.tileY);
    }
    const neurons = vol(full(inputNode.shape3));
    input = { core: next, ...at, neurons, meanDestCores: w / neurons, meanHopsX: w > 0 ? hx / w : 0, meanHopsY: w > 0 ? hy / w : 0 };
  }
  return { chip: chip.name, layers, input, cores, coresUsed: next, chipsUsed: Math.ceil(next / perChip) };
}
