/**
 * Chains of linear NIR nodes between two neuron nodes, composed into one linear layer (used by nirToSnn).
 *
 * Sinabs, snnTorch and Norse export linear nodes one after another with no neuron between them: a
 * SumPool2d feeding a Conv2d, a SumPool2d feeding a Flatten feeding an Affine, a Scale or Affine before a
 * neuron, two convolutions back to back. A spikewasm population has one weighted input, so such a chain
 * (Affine, Linear, Conv2d, SumPool2d, AvgPool2d, Scale, Flatten; at least two of them) becomes one layer
 * computing the same linear map, in float64, rounded once to float32:
 *   conv ∘ conv      (pools are convolutions with a 0/1 or 1/k² channel-diagonal kernel) one strided
 *                    convolution: kernel s₁·(K₂−1)+K₁, stride s₁·s₂, padding s₁·p₂+p₁,
 *                    W[o][c₀][s₁a+i][s₁b+j] = Σ_c₁ W₂[o][c₁][a][b]·W₁[c₁][c₀][i][j], bias b₂ + Σ W₂·b₁;
 *                    a channel-diagonal result (pool ∘ pool) is written as a depthwise conv (groups = C)
 *   dense ∘ conv     (a conv or pool, a Flatten, then an Affine/Linear) one dense layer over the flattened
 *                    source: each row is the Affine's row pushed back through the conv (its adjoint)
 *   dense ∘ dense    W₂·W₁ and W₂·b₁ + b₂
 *   Scale            folded into the neighbouring weights (per element for dense layers; per channel for
 *                    convolutions)
 * Exact means the same linear map on every input, padding included: when the second convolution reads
 * the first one's zero padding, the first one's windows there must lie wholly in its own input's padding
 * and it must have no bias (true for a non-overlapping pool over a size it divides, the Sinabs case), and
 * the composite's output size must equal the chain's. Other chains are refused with the reason, as are
 * composites that would hold more than max(16 × the chain's weights, 2^20) weights: spikewasm passes only
 * spikes between populations, so a graded-value relay between the linear nodes is not available.
 */
import { windowOut } from "../ir/check.js";
import type { Shape } from "../ir/graph.js";
import { count, tensor } from "./primitives.js";
import { type NirPrimitive, f32, i64 } from "./types.js";

/** The linear nodes a chain may hold. */
export const CHAIN_TYPES = new Set(["Affine", "Linear", "Conv2d", "SumPool2d", "AvgPool2d", "Scale", "Flatten"]);

/** A convolution with groups 1 and dilation 1, w [cout][cin][kh][kw] (float64). */
interface Conv {
  kind: "conv";
  cin: number; cout: number; inH: number; inW: number; outH: number; outW: number;
  kh: number; kw: number; sh: number; sw: number; pt: number; pl: number; pb: number; pr: number;
  w: Float64Array;
  bias: Float64Array;
  /** a Flatten followed: its output is read as one vector */
  flat: boolean;
}

/** A dense map, w [out][in] (NIR's orientation). */
interface Dense {
  kind: "dense";
  nIn: number; nOut: number;
  w: Float64Array;
  bias: Float64Array;
}

/** An element-wise scale over `shape`. */
interface Diag {
  kind: "diag";
  shape: Shape;
  s: Float64Array;
}

type Lin = Conv | Dense | Diag;

/** The composed layer: one synthetic NIR node (Conv2d or Affine) and what it replaced. */
export interface Composite {
  /** a Conv2d (on the source's [C, H, W]) or an Affine (on the flattened source) */
  node: NirPrimitive;
  /** true: the Affine reads the source flattened (a flatten node must be emitted first) */
  flattenSource: boolean;
  /** weights of the composite, and of the chain's own nodes */
  weights: number;
  chainWeights: number;
  /** "conv2d" | "dense", for messages */
  kind: "conv2d" | "dense";
}

/** Padding of a Conv2d / pool as [top, left, bottom, right], or the reason it cannot be read. */
export function nirPadding(op: NirPrimitive, k: [number, number], dil: [number, number], stride: [number, number]): [number, number, number, number] | string {
  const pd = op.params.padding;
  if (pd && pd.kind === "strings") {
    if (pd.data[0] === "valid") return [0, 0, 0, 0];
    if (pd.data[0] === "same" && stride[0] === 1 && stride[1] === 1) {
      const th = dil[0] * (k[0] - 1), tw = dil[1] * (k[1] - 1);
      return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
    }
    return `padding ${JSON.stringify(pd.data[0])} with stride [${stride.join(", ")}] is not supported`;
  }
  const p = ints(tensor(op, "padding"), 2);
  if (!p || p.some((x) => x < 0)) return "padding must be 1 or 2 integers >= 0";
  return [p[0], p[1], p[0], p[1]];
}

/** 1 or n integers as n values, else null. */
export function ints(t: ReturnType<typeof tensor>, n: number): number[] | null {
  if (!t) return null;
  const v = Array.from(t.data);
  if (v.length === 1 && Number.isInteger(v[0])) return Array(n).fill(v[0]);
  return v.length === n && v.every(Number.isInteger) ? v : null;
}

/** A Conv2d / SumPool2d / AvgPool2d node on input [C, H, W] as a Conv, or the reason it cannot be. */
function convStage(node: NirPrimitive, [c, h, wd]: number[]): Conv | string {
  let cout: number, kh: number, kw: number, w: Float64Array, bias = new Float64Array(0);
  let stride: number[] | null;
  if (node.type === "Conv2d") {
    const wt = tensor(node, "weight");
    if (!wt || wt.shape.length !== 4) return "weight must be [Cout, Cin/groups, KH, KW]";
    const [co, cinG, h0, w0] = wt.shape;
    const groups = tensor(node, "groups")?.data[0] ?? 1;
    const dil = ints(tensor(node, "dilation"), 2);
    if (!dil || dil[0] !== 1 || dil[1] !== 1) return `dilation [${dil?.join(", ")}] inside a chain of linear nodes (only dilation 1 is composed)`;
    if (cinG * groups !== c || co % groups !== 0) return `weight [${wt.shape.join(", ")}] with groups ${groups} does not fit ${c} input channels`;
    cout = co; kh = h0; kw = w0;
    const coutG = co / groups;
    w = new Float64Array(cout * c * kh * kw); // groups expanded to a full kernel
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / coutG);
      for (let ci = 0; ci < cinG; ci++) for (let k = 0; k < kh * kw; k++) w[(o * c + g * cinG + ci) * kh * kw + k] = wt.data[(o * cinG + ci) * kh * kw + k];
    }
    const b = tensor(node, "bias");
    bias = new Float64Array(cout);
    if (b) for (let o = 0; o < cout; o++) bias[o] = b.data.length === 1 ? b.data[0] : b.data[o];
    stride = ints(tensor(node, "stride"), 2);
  } else {
    const k = ints(tensor(node, "kernel_size"), 2);
    if (!k) return "kernel_size must be 1 or 2 integers";
    [kh, kw] = k;
    cout = c;
    w = new Float64Array(c * c * kh * kw);
    const v = node.type === "SumPool2d" ? 1 : 1 / (kh * kw); // AvgPool2d: NIR/PyTorch count padding in the divisor
    for (let ch = 0; ch < c; ch++) w.fill(v, (ch * c + ch) * kh * kw, (ch * c + ch + 1) * kh * kw);
    bias = new Float64Array(c);
    stride = ints(tensor(node, "stride"), 2) ?? k;
  }
  if (!stride || stride.some((s) => s < 1)) return "stride must be 1 or 2 integers >= 1";
  const pad = nirPadding(node, [kh, kw], [1, 1], stride as [number, number]);
  if (typeof pad === "string") return pad;
  const outH = windowOut(h, pad[0], pad[2], kh, stride[0]), outW = windowOut(wd, pad[1], pad[3], kw, stride[1]);
  if (!(outH >= 1 && outW >= 1)) return `kernel ${kh}×${kw} does not fit the ${h}×${wd} input`;
  return { kind: "conv", cin: c, cout, inH: h, inW: wd, outH, outW, kh, kw, sh: stride[0], sw: stride[1],
    pt: pad[0], pl: pad[1], pb: pad[2], pr: pad[3], w, bias, flat: false };
}

/** True when every value of a diag over [C, H, W] is constant within each channel. */
function perChannel(d: Diag, c: number): Float64Array | null {
  const per = d.s.length / c;
  const out = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    out[ch] = d.s[ch * per];
    for (let j = 1; j < per; j++) if (d.s[ch * per + j] !== out[ch]) return null;
  }
  return out;
}

/** The conv's input-side adjoint: x += Convᵀ g (g over [cout, outH, outW], x over [cin, inH, inW]). */
function adjoint(a: Conv, g: Float64Array, x: Float64Array): void {
  const { cin, cout, inH, inW, outH, outW, kh, kw, sh, sw, pt, pl, w } = a;
  for (let o = 0; o < cout; o++) {
    for (let y = 0; y < outH; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const gv = g[(o * outH + y) * outW + xx];
        if (gv === 0) continue;
        for (let c = 0; c < cin; c++) {
          for (let i = 0; i < kh; i++) {
            const iy = y * sh - pt + i;
            if (iy < 0 || iy >= inH) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xx * sw - pl + j;
              if (ix < 0 || ix >= inW) continue;
              x[(c * inH + iy) * inW + ix] += w[((o * cin + c) * kh + i) * kw + j] * gv;
            }
          }
        }
      }
    }
  }
}

/** Rows of `rows` (each over the conv's output) pushed back through it: a dense map on its input. */
function denseThroughConv(a: Conv, rows: Float64Array, nOut: number, bias: Float64Array): Dense {
  const nIn = a.cin * a.inH * a.inW, nMid = a.cout * a.outH * a.outW;
  const w = new Float64Array(nOut * nIn);
  const b = Float64Array.from(bias);
  const per = a.outH * a.outW;
  for (let o = 0; o < nOut; o++) {
    const row = rows.subarray(o * nMid, (o + 1) * nMid);
    adjoint(a, row, w.subarray(o * nIn, (o + 1) * nIn));
    for (let k = 0; k < nMid; k++) b[o] += row[k] * a.bias[Math.floor(k / per)];
  }
  return { kind: "dense", nIn, nOut, w, bias: b };
}

/** The conv as a dense map (its output flattened), for a chain that ends on a flattened conv. */
function convToDense(a: Conv): Dense {
  const nMid = a.cout * a.outH * a.outW;
  const eye = new Float64Array(nMid * nMid);
  for (let k = 0; k < nMid; k++) eye[k * nMid + k] = 1;
  return denseThroughConv(a, eye, nMid, new Float64Array(nMid));
}

/** b ∘ a for two convolutions, or the reason it is not exact. */
function convConv(a: Conv, b: Conv): Conv | string {
  // where b reads a's zero padding, a's windows there must lie in a's own input padding (and a has no bias)
  const reads = { top: b.pt > 0, left: b.pl > 0, bottom: (b.outH - 1) * b.sh + b.kh - 1 - b.pt >= a.outH, right: (b.outW - 1) * b.sw + b.kw - 1 - b.pl >= a.outW };
  const inside = { top: a.kh <= a.sh + a.pt, left: a.kw <= a.sw + a.pl, bottom: a.sh * a.outH - a.pt >= a.inH, right: a.sw * a.outW - a.pl >= a.inW };
  for (const side of ["top", "left", "bottom", "right"] as const) {
    if (!reads[side]) continue;
    if (!inside[side]) return `it reads the zero padding of the nodes before it on the ${side}, where their window still covers input (a pool over a size it does not divide?)`;
    if (a.bias.some((x) => x !== 0)) return "it reads the zero padding of the nodes before it, which add a bias";
  }
  const kh = a.sh * (b.kh - 1) + a.kh, kw = a.sw * (b.kw - 1) + a.kw, sh = a.sh * b.sh, sw = a.sw * b.sw;
  const pt = a.sh * b.pt + a.pt, pl = a.sw * b.pl + a.pl;
  const far = (out: number, s: number, k: number, size: number, p0: number, pSym: number): number | null => {
    const need = (out - 1) * s + k - size - p0; // the smallest far-side padding that fits `out` windows
    if (pSym >= need && pSym < need + s) return pSym;
    const p = Math.max(0, need);
    return p < need + s ? p : null;
  };
  const pb = far(b.outH, sh, kh, a.inH, pt, pt), pr = far(b.outW, sw, kw, a.inW, pl, pl);
  if (pb === null || pr === null) return "the composite convolution cannot give the chain's output size";
  const w = new Float64Array(b.cout * a.cin * kh * kw);
  for (let o = 0; o < b.cout; o++) {
    for (let c1 = 0; c1 < b.cin; c1++) {
      for (let p = 0; p < b.kh; p++) {
        for (let q = 0; q < b.kw; q++) {
          const w2 = b.w[((o * b.cin + c1) * b.kh + p) * b.kw + q];
          if (w2 === 0) continue;
          for (let c0 = 0; c0 < a.cin; c0++) {
            for (let i = 0; i < a.kh; i++) {
              const row = ((o * a.cin + c0) * kh + a.sh * p + i) * kw + a.sw * q;
              const src = ((c1 * a.cin + c0) * a.kh + i) * a.kw;
              for (let j = 0; j < a.kw; j++) w[row + j] += w2 * a.w[src + j];
            }
          }
        }
      }
    }
  }
  const bias = Float64Array.from(b.bias);
  for (let o = 0; o < b.cout; o++)
    for (let c1 = 0; c1 < b.cin; c1++) {
      if (a.bias[c1] === 0) continue;
      let sum = 0;
      for (let k = 0; k < b.kh * b.kw; k++) sum += b.w[(o * b.cin + c1) * b.kh * b.kw + k];
      bias[o] += sum * a.bias[c1];
    }
  return { kind: "conv", cin: a.cin, cout: b.cout, inH: a.inH, inW: a.inW, outH: b.outH, outW: b.outW, kh, kw, sh, sw, pt, pl, pb, pr, w, bias, flat: b.flat };
}

/** b ∘ a, or the reason it is not exact (or too large: `limit` weights). */
function compose(a: Lin | null, b: Lin, limit: number): Lin | string {
  if (a === null) return b;
  if (b.kind === "diag") {
    if (a.kind === "diag") return { kind: "diag", shape: b.shape, s: a.s.map((x, i) => x * b.s[i]) };
    if (a.kind === "dense") {
      const w = Float64Array.from(a.w);
      for (let o = 0; o < a.nOut; o++) for (let i = 0; i < a.nIn; i++) w[o * a.nIn + i] *= b.s[o];
      return { ...a, w, bias: a.bias.map((x, o) => x * b.s[o]) };
    }
    const s = perChannel(b, a.cout);
    if (!s) {
      if (!a.flat) return "a Scale whose values vary within a channel, after a convolution or pool";
      const size = a.cout * a.outH * a.outW * a.cin * a.inH * a.inW;
      if (size > limit) return `a Scale whose values vary within a channel after a flattened convolution: the composite dense layer would hold ${size} weights`;
      return compose(convToDense(a), b, limit);
    }
    const per = a.cin * a.kh * a.kw;
    return { ...a, w: a.w.map((x, k) => x * s[Math.floor(k / per)]), bias: a.bias.map((x, o) => x * s[o]) };
  }
  if (a.kind === "diag") {
    if (b.kind === "dense") {
      const w = Float64Array.from(b.w);
      for (let o = 0; o < b.nOut; o++) for (let i = 0; i < b.nIn; i++) w[o * b.nIn + i] *= a.s[i];
      return { ...b, w };
    }
    const s = perChannel(a, b.cin);
    if (!s) return "a Scale whose values vary within a channel, before a convolution or pool";
    const k2 = b.kh * b.kw;
    return { ...b, w: b.w.map((x, k) => x * s[Math.floor(k / k2) % b.cin]) };
  }
  if (a.kind === "conv" && b.kind === "conv") return convConv(a, b);
  if (b.kind === "conv") return "a convolution or pool after a 1-D (Affine, Linear or flattened) node";
  if (a.kind === "conv") {
    const size = b.nOut * a.cin * a.inH * a.inW;
    if (size > limit) return `the composite dense layer would hold ${size} weights`;
    return denseThroughConv(a, b.w, b.nOut, b.bias);
  }
  const size = b.nOut * a.nIn;
  if (size > limit) return `the composite dense layer would hold ${size} weights`;
  const w = new Float64Array(size);
  for (let o = 0; o < b.nOut; o++)
    for (let m = 0; m < b.nIn; m++) {
      const x = b.w[o * b.nIn + m];
      if (x === 0) continue;
      for (let i = 0; i < a.nIn; i++) w[o * a.nIn + i] += x * a.w[m * a.nIn + i];
    }
  const bias = Float64Array.from(b.bias);
  for (let o = 0; o < b.nOut; o++) for (let m = 0; m < b.nIn; m++) bias[o] += b.w[o * b.nIn + m] * a.bias[m];
  return { kind: "dense", nIn: a.nIn, nOut: b.nOut, w, bias };
}

/** Weights a chain node holds (kernel taps for a pool), for the size limit. */
function ownWeights(node: NirPrimitive): number {
  const w = tensor(node, "weight") ?? tensor(node, "scale");
  if (w) return w.data.length;
  const k = tensor(node, "kernel_size");
  return k ? Array.from(k.data).reduce((a, b) => a * b, k.data.length === 1 ? k.data[0] : 1) : 0;
}

/** A Flatten of a whole sample (start 0, or 1 over a batch axis; end −1 or the last axis)? */
function wholeFlatten(node: NirPrimitive, rank: number): boolean {
  const start = tensor(node, "start_dim")?.data[0] ?? 0;
  const end = tensor(node, "end_dim")?.data[0] ?? -1;
  return (start === 0 && (end === -1 || end === rank - 1)) || (start === 1 && (end === -1 || end === rank));
}

/**
 * Composes `chain` (linear nodes in data order, at least one) applied to a source of NIR shape `inShape`
 * into one Conv2d or Affine node. Returns the composite, or the problems (each naming the chain node).
 */
export function composeChain(chain: { name: string; node: NirPrimitive }[], inShape: Shape): Composite | string[] {
  const chainWeights = chain.reduce((a, c) => a + ownWeights(c.node), 0);
  const limit = Math.max(16 * chainWeights, 1 << 20);
  let shape = [...inShape];
  let flattened = false;
  let acc: Lin | null = null;
  for (const { name, node } of chain) {
    const fail = (why: string): string[] => [`'${name}' (${node.type}) in the chain ${chain.map((c) => `'${c.name}'`).join(" → ")}: ${why}`];
    let stage: Lin | null = null;
    if (node.type === "Flatten") {
      if (!wholeFlatten(node, shape.length)) return fail(`a partial flatten of [${shape.join(", ")}]; spikewasm flattens whole samples only`);
      if (acc?.kind === "conv") acc.flat = true;
      if (acc?.kind === "diag") acc = { kind: "diag", shape: [count(shape)], s: acc.s };
      shape = [count(shape)];
      flattened = true;
      continue;
    }
    if (node.type === "Scale") {
      const t = tensor(node, "scale");
      const n = count(shape);
      if (!t || (t.data.length !== 1 && t.data.length !== n)) return fail(`scale has ${t?.data.length ?? 0} values for ${n} inputs`);
      stage = { kind: "diag", shape, s: t.data.length === 1 ? new Float64Array(n).fill(t.data[0]) : Float64Array.from(t.data) };
    } else if (node.type === "Affine" || node.type === "Linear") {
      const w = tensor(node, "weight");
      if (!w || w.shape.length !== 2) return fail("weight must be 2-D [out, in]");
      const [nOut, nIn] = w.shape;
      if (shape.length !== 1) return fail(`input of shape [${shape.join(", ")}]; an ${node.type} takes a 1-D input (add a Flatten)`);
      if (nIn !== shape[0]) return fail(`weight [${nOut}, ${nIn}] does not match its input of ${shape[0]} values`);
      const b = node.type === "Affine" ? tensor(node, "bias") : undefined;
      const bias = new Float64Array(nOut);
      if (b) for (let o = 0; o < nOut; o++) bias[o] = b.data.length === 1 ? b.data[0] : b.data[o];
      stage = { kind: "dense", nIn, nOut, w: Float64Array.from(w.data), bias };
      shape = [nOut];
    } else if (node.type === "Conv2d" || node.type === "SumPool2d" || node.type === "AvgPool2d") {
      if (shape.length !== 3 || flattened) return fail(`input of shape [${shape.join(", ")}]; a ${node.type} takes [C, H, W]`);
      const c = convStage(node, shape);
      if (typeof c === "string") return fail(c);
      stage = c;
      shape = [c.cout, c.outH, c.outW];
    } else return fail(`a ${node.type} cannot be composed into a linear layer`);
    const next = compose(acc, stage, limit);
    if (typeof next === "string") {
      return fail(`${next}${next.includes("weights") ? ` (the chain holds ${chainWeights}; spikewasm passes only spikes between populations, so no graded-value relay can stand in: put a neuron between these nodes)` : ""}`);
    }
    acc = next;
  }
  if (acc === null || acc.kind === "diag") return [`the chain ${chain.map((c) => `'${c.name}'`).join(" → ")} holds no weight node`];
  if (acc.kind === "conv" && acc.flat) {
    const size = (acc.cout * acc.outH * acc.outW) ** 2;
    if (size > limit) return [`the chain ${chain.map((c) => `'${c.name}'`).join(" → ")} ends on a flattened convolution; as a dense layer it would hold ${size} weights`];
    acc = convToDense(acc);
  }
  if (acc.kind === "dense") {
    const node: NirPrimitive = { type: "Affine", params: { weight: f32(Float32Array.from(acc.w), [acc.nOut, acc.nIn]), bias: f32(Float32Array.from(acc.bias), [acc.nOut]) }, groups: {} };
    return { node, flattenSource: inShape.length !== 1, weights: acc.w.length, chainWeights, kind: "dense" };
  }
  const c = acc;
  if (c.pt !== c.pb || c.pl !== c.pr) return [`the chain ${chain.map((x) => `'${x.name}'`).join(" → ")} composes to a convolution with asymmetric padding [${c.pt}, ${c.pl}, ${c.pb}, ${c.pr}], which NIR cannot hold`];
  // channel-diagonal (pool ∘ pool): a depthwise convolution
  const k2 = c.kh * c.kw;
  let diagonal = c.cin === c.cout;
  for (let o = 0; diagonal && o < c.cout; o++) for (let i = 0; diagonal && i < c.cin; i++) if (i !== o) for (let k = 0; k < k2; k++) if (c.w[(o * c.cin + i) * k2 + k] !== 0) { diagonal = false; break; }
  const weight = diagonal
    ? f32(Float32Array.from({ length: c.cout * k2 }, (_, k) => c.w[(Math.floor(k / k2) * (c.cin + 1)) * k2 + (k % k2)]), [c.cout, 1, c.kh, c.kw])
    : f32(Float32Array.from(c.w), [c.cout, c.cin, c.kh, c.kw]);
  const node: NirPrimitive = {
    type: "Conv2d",
    params: { weight, bias: f32(Float32Array.from(c.bias), [c.cout]), stride: i64([c.sh, c.sw]), padding: i64([c.pt, c.pl]), dilation: i64([1, 1]), groups: i64(diagonal ? c.cin : 1) },
    groups: {},
  };
  return { node, flattenSource: false, weights: weight.data.length, chainWeights, kind: "conv2d" };
}
