/**
 * Average pooling folded into the weighted layer that reads it — conversion option `avgPool: "fold"`.
 *
 * Average pooling is linear, so a convolution (or flatten + dense) reading a non-overlapping average pool
 * equals one reading the pool's input directly with the weights spread over each pooling window:
 *   conv K×K, stride 1, padding p on pool(x) (window and stride k×k, no padding)
 *     = conv (kK)×(kK), stride k, padding k·p on x,  W'[o][i][u·k + a][v·k + b] = W[o][i][u][v] / k²
 *   dense on flatten(pool(x)):  W'[(c, y, x)][j] = W[(c, ⌊y/k⌋, ⌊x/k⌋)][j] / k²
 * (k may differ per axis). The ANN's function is unchanged; in the SNN the pool's relay population (IF
 * neurons of threshold 1 that re-quantise the averaged spikes, src/convert/convert.ts) disappears, so
 * one quantisation stage per pool goes — what matters at few steps. The price: the weighted layer has
 * k² times the fan-in and receives the un-pooled spikes (more synaptic events; the report's activity and
 * every target's cost show it). SpikingJelly's converter, for one, keeps average pooling as a
 * non-spiking linear layer between the neurons, which this reproduces exactly in rate.
 * Folded only where it is exact: avg pool with kernel = stride, no padding, no activation, the input's
 * height and width multiples of the kernel, read by nothing but one conv2d (groups 1, stride 1, dilation
 * 1) or one flatten read only by one dense; every other pool stays a relay population (listed in `kept`).
 */
import type { AnnConv2d, AnnDense, AnnGraph, AnnNode, AnnPool } from "../ir/ann.js";
import { annInputs, annShapes } from "../ir/ann.js";

/** The graph with the foldable average pools folded; `folded` the pools removed, `kept` the others with why. */
export function foldAvgPools(ann: AnnGraph): { ann: AnnGraph; folded: string[]; kept: { id: string; reason: string }[] } {
  const shapes = annShapes(ann);
  const output = ann.output ?? ann.nodes[ann.nodes.length - 1].id;
  const consumers = new Map<string, AnnNode[]>();
  for (const n of ann.nodes) for (const i of annInputs(n)) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const replace = new Map<string, AnnNode>(); // node id -> its folded replacement
  const drop = new Set<string>();
  const folded: string[] = [], kept: { id: string; reason: string }[] = [];
  for (const p of ann.nodes) {
    if (p.kind !== "pool" || p.mode !== "avg") continue;
    const why = reasonNotFoldable(p, shapes.get(p.input)!, output, consumers);
    if (why) { kept.push({ id: p.id, reason: why }); continue; }
    const [c, h, w] = shapes.get(p.input)!;
    const [kh, kw] = p.kernel;
    const user = consumers.get(p.id)![0];
    if (user.kind === "conv2d") {
      replace.set(user.id, foldConv(user, p, c));
    } else {
      const dense = consumers.get(user.id)![0] as AnnDense;
      replace.set(user.id, { kind: "flatten", id: user.id, input: p.input });
      replace.set(dense.id, foldDense(dense, c, h, w, kh, kw));
    }
    drop.add(p.id);
    folded.push(p.id);
  }
  if (!folded.length) return { ann, folded, kept };
  const nodes = ann.nodes.filter((n) => !drop.has(n.id)).map((n) => replace.get(n.id) ?? n);
  return { ann: { ...ann, nodes }, folded, kept };
}

function reasonNotFoldable(p: AnnPool, inShape: number[], output: string, consumers: Map<string, AnnNode[]>): string | null {
  if (p.id === output) return "it is the output";
  if (p.activation !== "none") return "it has an activation";
  if (p.padding.some((x) => x !== 0)) return "it pads";
  if (p.kernel[0] !== p.stride[0] || p.kernel[1] !== p.stride[1]) return "its windows overlap or leave gaps (kernel ≠ stride)";
  if (inShape.length !== 3 || inShape[1] % p.kernel[0] !== 0 || inShape[2] % p.kernel[1] !== 0) return "its input's height or width is not a multiple of the kernel";
  const us = consumers.get(p.id) ?? [];
  if (us.length !== 1) return `${us.length} layers read it`;
  const u = us[0];
  if (u.kind === "conv2d") {
    if (u.groups !== 1 || u.stride.some((s) => s !== 1) || u.dilation.some((d) => d !== 1)) return `'${u.id}' has groups, a stride or a dilation`;
    return null;
  }
  if (u.kind === "flatten") {
    const ds = consumers.get(u.id) ?? [];
    if (ds.length === 1 && ds[0].kind === "dense") return null;
    return `the flatten '${u.id}' is not read by exactly one dense layer`;
  }
  return `'${u.id}' (${u.kind}) is not a conv2d or a flatten + dense`;
}

function foldConv(cv: AnnConv2d, p: AnnPool, cin: number): AnnConv2d {
  const [kh, kw] = p.kernel, [KH, KW] = cv.kernel;
  const NH = KH * kh, NW = KW * kw, inv = 1 / (kh * kw);
  const W = new Float32Array(cv.outChannels * cin * NH * NW);
  for (let o = 0; o < cv.outChannels; o++)
    for (let i = 0; i < cin; i++)
      for (let u = 0; u < KH; u++)
        for (let v = 0; v < KW; v++) {
          const wv = cv.weights[((o * cin + i) * KH + u) * KW + v] * inv;
          for (let a = 0; a < kh; a++)
            for (let b = 0; b < kw; b++) W[((o * cin + i) * NH + u * kh + a) * NW + v * kw + b] = wv;
        }
  const [pt, pl, pb, pr] = cv.padding;
  return { ...cv, input: p.input, kernel: [NH, NW], stride: [kh, kw], padding: [pt * kh, pl * kw, pb * kh, pr * kw], weights: W };
}

function foldDense(d: AnnDense, c: number, h: number, w: number, kh: number, kw: number): AnnDense {
  const ph = h / kh, pw = w / kw, inv = 1 / (kh * kw), U = d.units;
  const W = new Float32Array(c * h * w * U);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const src = ((ch * ph + Math.floor(y / kh)) * pw + Math.floor(x / kw)) * U, dst = ((ch * h + y) * w + x) * U;
        for (let j = 0; j < U; j++) W[dst + j] = d.weights[src + j] * inv;
      }
  return { ...d, weights: W };
}
