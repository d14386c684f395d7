/**
 * DNN reference inference on the typed ANN graph, in TypeScript: the accuracy baseline of a converted
 * SNN and the source of the activations used for normalisation. NCHW per sample, float32 storage,
 * float64 accumulation inside each dot product. Straightforward loops; correctness over speed
 * (checked against onnxruntime-web in test/ann/infer.test.ts).
 */
import { type Activation, type AnnGraph, type AnnNode, annInputs, annShapes } from "../ir/ann.js";
import { type Shape, shapeSize } from "../ir/graph.js";
import { SpikewasmError } from "../errors.js";

/** Activations of a batch, per node id: Float32Array [B][size] in [C, H, W] order. */
export type Activations = Map<string, Float32Array>;

function activate(a: Activation, x: number): number {
  if (a === "none") return x;
  if (a === "relu") return x > 0 ? x : 0;
  return x < a.clip[0] ? a.clip[0] : x > a.clip[1] ? a.clip[1] : x;
}

/**
 * Runs the graph on `count` samples (`inputs` = count × input size, raw values before the input's
 * preprocessing). Returns every node's output (input: after preprocessing). `post`, when given, sees each
 * node's output right after it is computed and may change it in place: the nodes after it see the change
 * (e.g. local threshold balancing's clipped activations, src/convert/calibrate/ltb.ts).
 */
export function inferAnn(graph: AnnGraph, inputs: Float32Array, count: number, post?: (node: AnnNode, y: Float32Array, shape: Shape) => void): Activations {
  const shapes = annShapes(graph);
  const out: Activations = new Map();
  for (const node of graph.nodes) {
    const outShape = shapes.get(node.id)!;
    const ins = annInputs(node).map((id) => ({ data: out.get(id)!, shape: shapes.get(id)! }));
    const y = forward(node, ins, outShape, inputs, count);
    post?.(node, y, outShape);
    out.set(node.id, y);
  }
  return out;
}

function forward(node: AnnNode, ins: { data: Float32Array; shape: Shape }[], os: Shape, raw: Float32Array, B: number): Float32Array {
  const n = shapeSize(os);
  const y = new Float32Array(B * n);
  switch (node.kind) {
    case "input": {
      if (raw.length !== B * n) throw new SpikewasmError(`inputs hold ${raw.length} values, expected ${B} × ${n}`);
      const p = node.preprocess;
      const hw = os.length === 3 ? os[1] * os[2] : n;
      for (let i = 0; i < B * n; i++) {
        const c = os.length === 3 ? Math.floor((i % n) / hw) : 0;
        y[i] = p ? raw[i] * p.scale[c] + p.shift[c] : raw[i];
      }
      return y;
    }
    case "flatten":
      y.set(ins[0].data);
      return y;
    case "dense": {
      const nIn = shapeSize(ins[0].shape), x = ins[0].data, W = node.weights;
      const acc = new Float64Array(node.units);
      for (let b = 0; b < B; b++) {
        for (let o = 0; o < node.units; o++) acc[o] = node.bias ? node.bias[o] : 0;
        for (let i = 0; i < nIn; i++) {
          const a = x[b * nIn + i];
          if (a === 0) continue;
          const r = i * node.units;
          for (let o = 0; o < node.units; o++) acc[o] += a * W[r + o];
        }
        for (let o = 0; o < node.units; o++) y[b * node.units + o] = activate(node.activation, acc[o]);
      }
      return y;
    }
    case "conv2d":
      return conv(node, ins[0], os, y, B);
    case "pool":
      return pool(node, ins[0], os, y, B);
    case "add":
      for (let i = 0; i < y.length; i++) {
        let s = 0;
        for (const x of ins) s += x.data[i];
        y[i] = activate(node.activation, s);
      }
      return y;
    case "concat": {
      let off = 0;
      for (const x of ins) {
        const m = shapeSize(x.shape);
        for (let b = 0; b < B; b++)
          for (let i = 0; i < m; i++) y[b * n + off + i] = activate(node.activation, x.data[b * m + i]);
        off += m;
      }
      return y;
    }
  }
}

function conv(node: Extract<AnnNode, { kind: "conv2d" }>, x: { data: Float32Array; shape: Shape }, os: Shape, y: Float32Array, B: number): Float32Array {
  const [C, H, W] = x.shape, [OC, OH, OW] = os;
  const [kh, kw] = node.kernel, [sh, sw] = node.stride, [pt, pl] = node.padding, [dh, dw] = node.dilation;
  const cinG = C / node.groups, coutG = OC / node.groups;
  const wt = node.weights, n = OC * OH * OW, inN = C * H * W;
  for (let b = 0; b < B; b++)
    for (let oc = 0; oc < OC; oc++) {
      const g = Math.floor(oc / coutG);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          let s = node.bias ? node.bias[oc] : 0;
          for (let cl = 0; cl < cinG; cl++) {
            const xc = b * inN + (g * cinG + cl) * H * W;
            const wc = (oc * cinG + cl) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - pt + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pl + kx * dw;
                if (ix < 0 || ix >= W) continue;
                s += wt[wc + ky * kw + kx] * x.data[xc + iy * W + ix];
              }
            }
          }
          y[b * n + (oc * OH + oy) * OW + ox] = activate(node.activation, s);
        }
    }
  return y;
}

function pool(node: Extract<AnnNode, { kind: "pool" }>, x: { data: Float32Array; shape: Shape }, os: Shape, y: Float32Array, B: number): Float32Array {
  const [C, H, W] = x.shape, [, OH, OW] = os;
  const [kh, kw] = node.kernel, [sh, sw] = node.stride, [pt, pl] = node.padding;
  const n = C * OH * OW, inN = C * H * W;
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++) {
          let s = node.mode === "max" ? -Infinity : 0, cnt = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx;
              if (ix < 0 || ix >= W) continue;
              const v = x.data[b * inN + (c * H + iy) * W + ix];
              s = node.mode === "max" ? Math.max(s, v) : s + v;
              cnt++;
            }
          }
          if (node.mode === "avg") s /= node.countIncludePad ? kh * kw : cnt;
          y[b * n + (c * OH + oy) * OW + ox] = activate(node.activation, s);
        }
  return y;
}

/** Index of the largest value of each sample's output (ties: the first). */
export function argmax(out: Float32Array, B: number): Int32Array {
  const n = out.length / B;
  const r = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (out[b * n + i] > out[b * n + best]) best = i;
    r[b] = best;
  }
  return r;
}
