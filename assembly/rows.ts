// Row primitives shared by every accumulation kernel: dst[k] += src[k] and dst[k] += a * src[k]
// for k in [0, len), float32, SIMD f32x4 unrolled by 4 (16 floats per iteration), scalar tail; and
// the integer dst[k] = wrap(dst[k] + src[k], bits) of the Loihi kernels (i32x4, scalar tail).
// No alignment is assumed (v128.load/store accept unaligned addresses).
// The scaled form multiplies then adds as two float32 operations (no fused multiply-add), as the
// TypeScript reference does with Math.fround.

/**
 * dst[k] += src[k], k < len (f32). Rows of 16 and 32 floats (a convolution's output channels, the scatter's
 * innermost row) go straight through without loop and tail tests: conv2dSpikes 10–25 % faster on the
 * LeNet (16 channels) and the bundled CNN (32), same sums (bench/RESULTS.md, issue 16).
 */
// @ts-ignore: decorator
@inline export function addRow(dst: usize, src: usize, len: i32): void {
  if (len == 16) { // one unrolled block, no loop: the rows of a 16-channel convolution
    v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
    v128.store(dst, f32x4.add(v128.load(dst, 16), v128.load(src, 16)), 16);
    v128.store(dst, f32x4.add(v128.load(dst, 32), v128.load(src, 32)), 32);
    v128.store(dst, f32x4.add(v128.load(dst, 48), v128.load(src, 48)), 48);
    return;
  }
  if (len == 32) { // two blocks: 32-channel rows
    v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
    v128.store(dst, f32x4.add(v128.load(dst, 16), v128.load(src, 16)), 16);
    v128.store(dst, f32x4.add(v128.load(dst, 32), v128.load(src, 32)), 32);
    v128.store(dst, f32x4.add(v128.load(dst, 48), v128.load(src, 48)), 48);
    v128.store(dst, f32x4.add(v128.load(dst, 64), v128.load(src, 64)), 64);
    v128.store(dst, f32x4.add(v128.load(dst, 80), v128.load(src, 80)), 80);
    v128.store(dst, f32x4.add(v128.load(dst, 96), v128.load(src, 96)), 96);
    v128.store(dst, f32x4.add(v128.load(dst, 112), v128.load(src, 112)), 112);
    return;
  }
  let k = 0;
  for (; k + 16 <= len; k += 16) {
    const d = dst + (<usize>k << 2);
    const s = src + (<usize>k << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(s)));
    v128.store(d, f32x4.add(v128.load(d, 16), v128.load(s, 16)), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), v128.load(s, 32)), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), v128.load(s, 48)), 48);
  }
  for (; k + 4 <= len; k += 4) {
    const d = dst + (<usize>k << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>k << 2))));
  }
  for (; k < len; k++) {
    const d = dst + (<usize>k << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>k << 2)));
  }
}

/** dst[k] = (dst[k] + s1[k]) + s2[k], k < len (f32): two rows added in one pass, in that order. */
// @ts-ignore: decorator
@inline export function addRow2(dst: usize, s1: usize, s2: usize, len: i32): void {
  let k = 0;
  for (; k + 16 <= len; k += 16) {
    const d = dst + (<usize>k << 2), a = s1 + (<usize>k << 2), b = s2 + (<usize>k << 2);
    v128.store(d, f32x4.add(f32x4.add(v128.load(d), v128.load(a)), v128.load(b)));
    v128.store(d, f32x4.add(f32x4.add(v128.load(d, 16), v128.load(a, 16)), v128.load(b, 16)), 16);
    v128.store(d, f32x4.add(f32x4.add(v128.load(d, 32), v128.load(a, 32)), v128.load(b, 32)), 32);
    v128.store(d, f32x4.add(f32x4.add(v128.load(d, 48), v128.load(a, 48)), v128.load(b, 48)), 48);
  }
  for (; k + 4 <= len; k += 4) {
    const d = dst + (<usize>k << 2);
    v128.store(d, f32x4.add(f32x4.add(v128.load(d), v128.load(s1 + (<usize>k << 2))), v128.load(s2 + (<usize>k << 2))));
  }
  for (; k < len; k++) {
    const d = dst + (<usize>k << 2);
    store<f32>(d, (load<f32>(d) + load<f32>(s1 + (<usize>k << 2))) + load<f32>(s2 + (<usize>k << 2)));
  }
}

/** dst[k] = (((dst[k] + s1[k]) + s2[k]) + s3[k]) + s4[k], k < len (f32): four rows in one pass, in that order. */
// @ts-ignore: decorator
@inline export function addRow4(dst: usize, s1: usize, s2: usize, s3: usize, s4: usize, len: i32): void {
  let k = 0;
  for (; k + 8 <= len; k += 8) {
    const o = <usize>k << 2, d = dst + o;
    v128.store(d, f32x4.add(f32x4.add(f32x4.add(f32x4.add(v128.load(d), v128.load(s1 + o)), v128.load(s2 + o)), v128.load(s3 + o)), v128.load(s4 + o)));
    v128.store(d, f32x4.add(f32x4.add(f32x4.add(f32x4.add(v128.load(d, 16), v128.load(s1 + o, 16)), v128.load(s2 + o, 16)), v128.load(s3 + o, 16)), v128.load(s4 + o, 16)), 16);
  }
  for (; k + 4 <= len; k += 4) {
    const o = <usize>k << 2, d = dst + o;
    v128.store(d, f32x4.add(f32x4.add(f32x4.add(f32x4.add(v128.load(d), v128.load(s1 + o)), v128.load(s2 + o)), v128.load(s3 + o)), v128.load(s4 + o)));
  }
  for (; k < len; k++) {
    const o = <usize>k << 2, d = dst + o;
    store<f32>(d, (((load<f32>(d) + load<f32>(s1 + o)) + load<f32>(s2 + o)) + load<f32>(s3 + o)) + load<f32>(s4 + o));
  }
}

/** dst[k] += a * src[k], k < len (f32). */
// @ts-ignore: decorator
@inline export function addRowScaled(dst: usize, src: usize, a: f32, len: i32): void {
  const va = f32x4.splat(a);
  let k = 0;
  for (; k + 16 <= len; k += 16) {
    const d = dst + (<usize>k << 2);
    const s = src + (<usize>k << 2);
    v128.store(d, f32x4.add(v128.load(d), f32x4.mul(va, v128.load(s))));
    v128.store(d, f32x4.add(v128.load(d, 16), f32x4.mul(va, v128.load(s, 16))), 16);
    v128.store(d, f32x4.add(v128.load(d, 32), f32x4.mul(va, v128.load(s, 32))), 32);
    v128.store(d, f32x4.add(v128.load(d, 48), f32x4.mul(va, v128.load(s, 48))), 48);
  }
  for (; k + 4 <= len; k += 4) {
    const d = dst + (<usize>k << 2);
    v128.store(d, f32x4.add(v128.load(d), f32x4.mul(va, v128.load(src + (<usize>k << 2)))));
  }
  for (; k < len; k++) {
    const d = dst + (<usize>k << 2);
    store<f32>(d, load<f32>(d) + a * load<f32>(src + (<usize>k << 2)));
  }
}

/**
 * dst[k] = wrap(dst[k] + src[k], bits), k < len (i32): i32x4 adds, each sum sign-extended from bit
 * `bits` by two shifts (wrapSigned in assembly/loihi.ts; Loihi's synaptic accumulator).
 */
// @ts-ignore: decorator
@inline export function addRowWrap(dst: usize, src: usize, len: i32, bits: i32): void {
  const s: i32 = 31 - bits;
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const d = dst + (<usize>k << 2);
    const x = i32x4.add(v128.load(d), v128.load(src + (<usize>k << 2)));
    v128.store(d, i32x4.shr_s(i32x4.shl(x, s), s));
  }
  for (; k < len; k++) {
    const d = dst + (<usize>k << 2);
    store<i32>(d, ((load<i32>(d) + load<i32>(src + (<usize>k << 2))) << s) >> s);
  }
}

/**
 * dst[k] += src[k], k < len (i32, wrapping modulo 2^32): the Loihi sum kernels (assembly/loihi-sum.ts),
 * whose accumulator is wrapped to Q_BITS once, when the compartment step reads it. i32x4 unrolled by 4.
 */
// @ts-ignore: decorator
@inline export function addRowInt(dst: usize, src: usize, len: i32): void {
  let k = 0;
  for (; k + 16 <= len; k += 16) {
    const d = dst + (<usize>k << 2);
    const s = src + (<usize>k << 2);
    v128.store(d, i32x4.add(v128.load(d), v128.load(s)));
    v128.store(d, i32x4.add(v128.load(d, 16), v128.load(s, 16)), 16);
    v128.store(d, i32x4.add(v128.load(d, 32), v128.load(s, 32)), 32);
    v128.store(d, i32x4.add(v128.load(d, 48), v128.load(s, 48)), 48);
  }
  for (; k + 4 <= len; k += 4) {
    const d = dst + (<usize>k << 2);
    v128.store(d, i32x4.add(v128.load(d), v128.load(src + (<usize>k << 2))));
  }
  for (; k < len; k++) {
    const d = dst + (<usize>k << 2);
    store<i32>(d, load<i32>(d) + load<i32>(src + (<usize>k << 2)));
  }
}

/** dst[k] += s1[k] + s2[k], k < len (i32, modulo 2^32): two spikes' rows in one pass (the Loihi sum kernels). */
// @ts-ignore: decorator
@inline export function addRowInt2(dst: usize, s1: usize, s2: usize, len: i32): void {
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const o = <usize>k << 2, d = dst + o;
    v128.store(d, i32x4.add(i32x4.add(v128.load(d), v128.load(s1 + o)), v128.load(s2 + o)));
  }
  for (; k < len; k++) {
    const o = <usize>k << 2, d = dst + o;
    store<i32>(d, load<i32>(d) + load<i32>(s1 + o) + load<i32>(s2 + o));
  }
}

/** dst[k] += s1[k] + s2[k] + s3[k] + s4[k], k < len (i32, modulo 2^32): four spikes' rows in one pass. */
// @ts-ignore: decorator
@inline export function addRowInt4(dst: usize, s1: usize, s2: usize, s3: usize, s4: usize, len: i32): void {
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const o = <usize>k << 2, d = dst + o;
    v128.store(d, i32x4.add(i32x4.add(i32x4.add(i32x4.add(v128.load(d), v128.load(s1 + o)), v128.load(s2 + o)), v128.load(s3 + o)), v128.load(s4 + o)));
  }
  for (; k < len; k++) {
    const o = <usize>k << 2, d = dst + o;
    store<i32>(d, load<i32>(d) + load<i32>(s1 + o) + load<i32>(s2 + o) + load<i32>(s3 + o) + load<i32>(s4 + o));
  }
}

/** Row operation of addRowOp: f32 dst += src. */
export const ROW_ADD: i32 = 0;
/** Row operation of addRowOp: f32 dst += a * src. */
export const ROW_SCALED: i32 = 1;
/** Row operation of addRowOp: i32 dst = wrap(dst + src, wrapBits) (the Loihi kernels). */
export const ROW_WRAP: i32 = 2;
/** Row operation of addRowOp: i32 dst += src modulo 2^32 (the Loihi sum kernels). */
export const ROW_INT: i32 = 3;

/**
 * One of the row operations above, chosen by ROW; ROW and wrapBits are constants at every call site,
 * so the kernels that share a loop (conv2dSpikes / loihiConv2dSpikes, denseSpikes / loihiAccumulate)
 * each compile to the row primitive they need.
 */
// @ts-ignore: decorator
@inline export function addRowOp(ROW: i32, wrapBits: i32, dst: usize, src: usize, a: f32, len: i32): void {
  if (ROW == ROW_SCALED) addRowScaled(dst, src, a, len);
  else if (ROW == ROW_WRAP) addRowWrap(dst, src, len, wrapBits);
  else if (ROW == ROW_INT) addRowInt(dst, src, len);
  else addRow(dst, src, len);
}

/**
 * GROUP (a constant: 1, 2 or 4) spikes' rows s1 … s4 added into dst in one pass, in that order, for ROW_ADD
 * (f32) and ROW_INT (i32 modulo 2^32); GROUP 1 is addRowOp for any ROW (ROW_WRAP and ROW_SCALED only go one
 * at a time). Used by the dense and convolution scatters (dense.ts spikeRows, conv2d.ts scatter).
 */
// @ts-ignore: decorator
@inline export function addRowGroup(ROW: i32, wrapBits: i32, GROUP: i32, dst: usize, s1: usize, s2: usize, s3: usize, s4: usize, a: f32, len: i32): void {
  if (GROUP == 4) { if (ROW == ROW_INT) addRowInt4(dst, s1, s2, s3, s4, len); else addRow4(dst, s1, s2, s3, s4, len); }
  else if (GROUP == 2) { if (ROW == ROW_INT) addRowInt2(dst, s1, s2, len); else addRow2(dst, s1, s2, len); }
  else addRowOp(ROW, wrapBits, dst, s1, a, len);
}

/** dst[k] += src[k] for k < len: adds a precomputed current (constant-current input) each step. */
export function addInto(dst: usize, src: usize, len: i32): void {
  addRow(dst, src, len);
}

/** dst[k] += a * src[k] for k < len: residual Add of an analog (real-valued) input with scale a. */
export function addScaledInto(dst: usize, src: usize, a: f32, len: i32): void {
  addRowScaled(dst, src, a, len);
}

/**
 * Residual Add, event-driven: every spike j of sample b (list + per-sample counts) adds `scale` to
 * acc[b*n + j]. Input and output have the same shape and layout. Returns the events (spikes).
 */
export function addSpikes(spikes: usize, counts: usize, batch: i32, n: i32, scale: f32, acc: usize): f64 {
  let events: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const c = load<i32>(counts + (b << 2));
    const base = acc + ((b * <usize>n) << 2);
    events += c;
    for (let k = 0; k < c; k++) {
      const d = base + (<usize>load<i32>(p) << 2);
      store<f32>(d, load<f32>(d) + scale);
      p += 4;
    }
  }
  return <f64>events;
}

/**
 * Channel concatenation, event-driven: every spike j of sample b (channels-last index into an input of
 * cIn channels; cIn = nIn for a 1-D input) adds `scale` to acc[b*nOut + (j / cIn)*cTot + cOff + j % cIn],
 * its neuron in the concatenated [H][W][cTot] (or [cTot]) population. Returns the events (spikes).
 */
export function concatSpikes(
  spikes: usize, counts: usize, batch: i32, nIn: i32, cIn: i32, cTot: i32, cOff: i32, nOut: i32, scale: f32, acc: usize,
): f64 {
  let events: i64 = 0;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const c = load<i32>(counts + (b << 2));
    const base = acc + ((b * <usize>nOut) << 2);
    events += c;
    for (let k = 0; k < c; k++) {
      const j = load<i32>(p);
      const pos = j / cIn;
      const d = base + (<usize>(pos * cTot + cOff + (j - pos * cIn)) << 2);
      store<f32>(d, load<f32>(d) + scale);
      p += 4;
    }
  }
  return <f64>events;
}

/**
 * Channel concatenation of an analog input (constant-current coding): acc[b*nOut + (j / cIn)*cTot +
 * cOff + j % cIn] += scale * x[b*nIn + j] for every non-zero x (float32 multiply, then add). Returns the
 * multiply-accumulates done (non-zero inputs).
 */
export function concatValues(
  x: usize, batch: i32, nIn: i32, cIn: i32, cTot: i32, cOff: i32, nOut: i32, scale: f32, acc: usize,
): f64 {
  let nnz: i64 = 0;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const src = x + ((b * <usize>nIn) << 2);
    const base = acc + ((b * <usize>nOut) << 2);
    for (let j = 0; j < nIn; j++) {
      const a = load<f32>(src + (<usize>j << 2));
      if (a == 0) continue;
      const pos = j / cIn;
      const d = base + (<usize>(pos * cTot + cOff + (j - pos * cIn)) << 2);
      store<f32>(d, load<f32>(d) + scale * a);
      nnz++;
    }
  }
  return <f64>nnz;
}

/**
 * A DNN layer's activation (the ANN runner, src/ann/infer-wasm.ts): v[b·n + j] = act(acc[b·n + j] + bias[j]),
 * + 0 without a bias, act ReLU (t > 0 ? t : 0, so NaN and −0 give +0) when `relu`, else none. One f32
 * addition per value: the same float the host's double addition rounded to f32 gives (a sum of two f32 is
 * rounded once either way).
 */
export function biasActivate(v: usize, acc: usize, bias: usize, hasBias: i32, batch: i32, n: i32, relu: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let b = 0; b < batch; b++) {
    const o = <usize>(b * n) << 2;
    for (let j = 0; j < n4; j += 4) {
      const off = <usize>j << 2;
      let t = f32x4.add(v128.load(acc + o + off), hasBias ? v128.load(bias + off) : zero);
      if (relu) t = v128.and(t, f32x4.gt(t, zero));
      v128.store(v + o + off, t);
    }
    for (let j = n4; j < n; j++) {
      const off = <usize>j << 2;
      let t = load<f32>(acc + o + off) + (hasBias ? load<f32>(bias + off) : <f32>0);
      if (relu) t = t > 0 ? t : <f32>0;
      store<f32>(v + o + off, t);
    }
  }
}
