/**
 * Kernel layouts and index tables derived once per graph by the memory plan (src/sim/plan.ts): the
 * channels-last permutation, dense / recurrent / conv weights in kernel order, conv tap and gather
 * tables, pool window ranges and reciprocals.
 */
import type { Conv2dNode, DenseNode, PoolNode, Shape } from "../ir/graph.js";
import { shapeSize } from "../ir/graph.js";

/** Permutation (channels-last index -> CHW index) of a [C, H, W] shape; identity for 1-D. */
export function chwIndexOfMem(memShape: Shape): (m: number) => number {
  if (memShape.length !== 3) return (m) => m;
  const [c, h, w] = memShape;
  return (m) => {
    const ch = m % c;
    const pos = (m - ch) / c;
    return ch * h * w + pos; // pos = y*W + x
  };
}

/** [C, H, W] index of every memory (channels-last) index as a table, or null for 1-D (identity). */
export function chwPermutation(memShape: Shape): Int32Array | null {
  if (memShape.length !== 3) return null;
  const f = chwIndexOfMem(memShape);
  const n = memShape[0] * memShape[1] * memShape[2];
  const p = new Int32Array(n);
  for (let m = 0; m < n; m++) p[m] = f(m);
  return p;
}

/**
 * A batch of channels-last values ([H·W][C] per sample) in [C, H, W] order: a transpose per sample, channel
 * by channel (sequential writes, strided reads; 1.7x faster than a permutation table's scattered writes).
 */
export function toChwOrder<A extends Float32Array | Int32Array>(mem: A, y: A, C: number, HW: number, B: number): void {
  const n = C * HW;
  for (let b = 0; b < B; b++) {
    const o = b * n;
    for (let c = 0; c < C; c++) {
      const d = o + c * HW;
      for (let p = 0, s = o + c; p < HW; p++, s += C) y[d + p] = mem[s];
    }
  }
}

export function denseWeights(node: DenseNode, srcMemShape: Shape): Float32Array {
  if (srcMemShape.length !== 3) return node.weights;
  const toChw = chwIndexOfMem(srcMemShape);
  const nIn = shapeSize(srcMemShape);
  const out = new Float32Array(node.weights.length);
  for (let m = 0; m < nIn; m++) out.set(node.weights.subarray(toChw(m) * node.units, (toChw(m) + 1) * node.units), m * node.units);
  return out;
}

/**
 * Recurrent weights in memory order: W [n][n] in logical order ([C, H, W] C-major) → Wm[m][k] =
 * W[chw(m)][chw(k)] for a population stored channels-last (memShape [C, H, W]); unchanged for 1-D, so a
 * spike of memory neuron m adds one contiguous row into acc, as denseSpikes expects.
 */
export function recurrentWeights(w: Float32Array, memShape: Shape): Float32Array {
  if (memShape.length !== 3) return w;
  const toChw = chwIndexOfMem(memShape);
  const n = shapeSize(memShape);
  const out = new Float32Array(w.length);
  for (let m = 0; m < n; m++) {
    const row = toChw(m) * n;
    for (let k = 0; k < n; k++) out[m * n + k] = w[row + toChw(k)];
  }
  return out;
}

export function convWeights(node: Conv2dNode, cin: number): Float32Array {
  const g = node.groups ?? 1;
  const [kh, kw] = node.kernel;
  const cinG = cin / g, coutG = node.outChannels / g;
  const out = new Float32Array(node.weights.length);
  for (let oc = 0; oc < node.outChannels; oc++) {
    const grp = Math.floor(oc / coutG), o = oc - grp * coutG;
    for (let cl = 0; cl < cinG; cl++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          const c = grp * cinG + cl;
          out[((c * kh + ky) * kw + kx) * coutG + o] = node.weights[((oc * cinG + cl) * kh + ky) * kw + kx];
        }
  }
  return out;
}

/**
 * A table of (k, index) pairs per row: row r holds [count, k0, x0, k1, x1, ...] for the kernel offsets
 * k = 0..K−1 (ascending) whose `pair(r, k)` is an index (null: no pair), i32[rows][1 + 2K].
 */
function pairTable(rows: number, k: number, pair: (r: number, kk: number) => number | null): Int32Array {
  const row = 1 + 2 * k;
  const t = new Int32Array(rows * row);
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (let kk = 0; kk < k; kk++) {
      const x = pair(r, kk);
      if (x === null) continue;
      t[r * row + 1 + 2 * c] = kk;
      t[r * row + 2 + 2 * c] = x;
      c++;
    }
    t[r * row] = c;
  }
  return t;
}

/**
 * Conv tap table of one axis: for each input index p, the (k, o) pairs with p + pad - k*dil = o*stride,
 * 0 <= o < outN, as i32[N][1 + 2K] = [count, k0, o0, k1, o1, ...] (assembly/conv2d.ts).
 */
export function convTaps(n: number, k: number, stride: number, pad: number, dil: number, outN: number): Int32Array {
  return pairTable(n, k, (p, kk) => {
    const q = p + pad - kk * dil;
    return q < 0 || q % stride !== 0 || q / stride >= outN ? null : q / stride;
  });
}

/**
 * Conv gather table of one axis (assembly/masked.ts), the transpose of convTaps: for each output index
 * o, the (k, p) pairs with p = o*stride - pad + k*dil inside [0, inN), k ascending, as
 * i32[outN][1 + 2K] = [count, k0, p0, k1, p1, ...].
 */
export function convGather(outN: number, k: number, stride: number, pad: number, dil: number, inN: number): Int32Array {
  return pairTable(outN, k, (o, kk) => {
    const p = o * stride - pad + kk * dil;
    return p < 0 || p >= inN ? null : p;
  });
}

/** Pool window ranges of one axis: for each input index p, [first, last] output whose window covers it. */
export function poolWindows(n: number, k: number, stride: number, pad: number, outN: number): Int32Array {
  const t = new Int32Array(2 * n);
  for (let p = 0; p < n; p++) {
    const q = p + pad;
    t[2 * p] = Math.max(0, Math.ceil((q - k + 1) / stride));
    t[2 * p + 1] = Math.min(outN - 1, Math.floor(q / stride));
  }
  return t;
}

export function poolRecip(node: PoolNode, h: number, w: number, oh: number, ow: number): Float32Array | null {
  const [kh, kw] = node.kernel;
  if (node.mode === "sum" || (node.countIncludePad ?? true)) return null;
  const [sh, sw] = node.stride ?? node.kernel;
  const [pt, pl] = node.padding ?? [0, 0, 0, 0];
  const r = new Float32Array(oh * ow);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const y0 = Math.max(0, oy * sh - pt), y1 = Math.min(h, oy * sh - pt + kh);
      const x0 = Math.max(0, ox * sw - pl), x1 = Math.min(w, ox * sw - pl + kw);
      r[oy * ow + ox] = 1 / ((y1 - y0) * (x1 - x0));
    }
  return r;
}
