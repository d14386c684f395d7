// Integrate-and-fire neuron update (IF and LIF), float32, one call per layer per step for a whole batch.
//
// Difference equations, for neuron j of sample b (i = b*n + j), at step t:
//   x      = acc[i]                         synaptic input accumulated during step t (then acc[i] = 0,
//                                           unless keepAcc: acc is then a constant current read every step)
//   s[i]   = synDecay * s[i] + x            only when synDecay > 0 (first-order exponential synapse)
//   x      = s[i]                           idem
//   x      = x + bias[j]                    only when a bias buffer is given (bias is not filtered)
//   if ref[i] > 0:  ref[i] -= 1, v unchanged, no spike     (only when refractory > 0)
//   u      = leak * v[i] + x                IF: leak = 1; LIF: leak = exp(-dt/tau)
//   spike  = spiking && u >= threshold
//   u      = spike ? (resetMode == RESET_SUBTRACT ? u - threshold : vReset) : u
//   v[i]   = u;  on a spike: ref[i] = refractory, spikes[] <- j, total[i] += 1,
//            first[i] = t if it was < 0;  counts[b] = number of spikes of sample b at this step.
//
// The SIMD path is branch-free: every 4-lane group updates total and first under lane masks and
// writes its candidate indices unconditionally, advancing the list by each lane's bit (the list therefore needs 3 slots of slack past B*n, see src/sim/plan.ts).
//
// Every operation is an IEEE float32 operation in this order (no fused multiply-add), so the TypeScript
// reference in src/reference/neuron.ts reproduces it bit for bit.
//
// Buffers (byte addresses into linear memory, sample-major: sample b's block starts at b*n):
//   v, acc, syn (f32[B*n]), bias (f32[n] or 0), ref (i32[B*n] or 0 when refractory == 0),
//   spikes (i32[B*n], out: within-sample indices, samples one after another), counts (i32[B], out),
//   total (i32[B*n], running spike count), first (i32[B*n], step of first spike or -1; 0: not recorded).

/** Reset by subtracting the threshold (keeps the residual charge). */
export const RESET_SUBTRACT: i32 = 0;
/** Reset to a fixed potential vReset. */
export const RESET_TO_VALUE: i32 = 1;

// @ts-ignore: decorator
@inline function recordSpike(j: i32, i: usize, out: usize, total: usize, first: usize, step: i32): void {
  store<i32>(out, j);
  store<i32>(total + (i << 2), load<i32>(total + (i << 2)) + 1);
  if (first != 0 && load<i32>(first + (i << 2)) < 0) store<i32>(first + (i << 2), step);
}

// Scalar update of neuron (b, j); returns 1 when it spiked. Shared by the tail of the SIMD path and by
// the refractory path so that both follow the equations above exactly once.
// @ts-ignore: decorator
@inline function updateOne(
  b: usize, j: i32, n: i32, v: usize, acc: usize, syn: usize, bias: usize, ref: usize,
  out: usize, total: usize, first: usize,
  leak: f32, threshold: f32, resetMode: i32, vReset: f32, refractory: i32, synDecay: f32, step: i32, spiking: i32, keepAcc: bool
): i32 {
  const i = b * <usize>n + <usize>j;
  const o = i << 2;
  let x = load<f32>(acc + o);
  if (!keepAcc) store<f32>(acc + o, 0);
  if (syn != 0) {
    x = synDecay * load<f32>(syn + o) + x;
    store<f32>(syn + o, x);
  }
  if (bias != 0) x = x + load<f32>(bias + (<usize>j << 2));
  if (refractory > 0) {
    const r = load<i32>(ref + o);
    if (r > 0) {
      store<i32>(ref + o, r - 1);
      return 0;
    }
  }
  let u = leak * load<f32>(v + o) + x;
  if (spiking != 0 && u >= threshold) {
    u = resetMode == RESET_SUBTRACT ? u - threshold : vReset;
    store<f32>(v + o, u);
    if (refractory > 0) store<i32>(ref + o, refractory);
    recordSpike(j, i, out, total, first, step);
    return 1;
  }
  store<f32>(v + o, u);
  return 0;
}

// SIMD update of the 4 neurons starting at j of sample b (refractory == 0); returns the new spike count
// `written`. SYN, BIAS, SUBTRACT and SPIKING are constants at every call site, so each specialisation
// is a branch-free loop body.
// @ts-ignore: decorator
@inline function block4(
  SYN: bool, BIAS: bool, SUBTRACT: bool, SPIKING: bool,
  base: usize, j: i32, v: usize, acc: usize, syn: usize, bias: usize,
  spikes: usize, total: usize, first: usize,
  vLeak: v128, vThr: v128, vRst: v128, vDecay: v128, step: i32, written: i32, keepAcc: bool
): i32 {
  const o = (base + <usize>j) << 2;
  let x = v128.load(acc + o);
  if (!keepAcc) v128.store(acc + o, f32x4.splat(0)); // a branch the same way for the whole call
  if (SYN) {
    x = f32x4.add(f32x4.mul(vDecay, v128.load(syn + o)), x);
    v128.store(syn + o, x);
  }
  if (BIAS) x = f32x4.add(x, v128.load(bias + (<usize>j << 2)));
  const u = f32x4.add(f32x4.mul(vLeak, v128.load(v + o)), x);
  if (!SPIKING) {
    v128.store(v + o, u);
    return written;
  }
  const fired = f32x4.ge(u, vThr);
  v128.store(v + o, v128.bitselect(SUBTRACT ? f32x4.sub(u, vThr) : vRst, u, fired));
  return recordSpikes4(fired, o, j, total, first, spikes, written, step);
}

/**
 * Records the lanes of `fired` (4 neurons j..j+3 at byte offset o): running totals and first-spike steps
 * (i32, laid out like v) under the lane mask — a fired lane is -1 —, and the indices of the fired lanes
 * appended branch-free to the spike list (3 slots of slack). @returns the new list length.
 * No early exit for a group without spikes: at a converted network's rates (3–15 % of neurons per step,
 * so a quarter to half of the groups fire) that branch mispredicts often, and the masked stores cost less;
 * neuronStep took 17–21 % less time on the bundled CNN (bench/RESULTS.md, issue 16).
 */
// @ts-ignore: decorator
@inline export function recordSpikes4(fired: v128, o: usize, j: i32, total: usize, first: usize, spikes: usize, written: i32, step: i32): i32 {
  const mask = i32x4.bitmask(fired);
  v128.store(total + o, i32x4.sub(v128.load(total + o), fired));
  if (first != 0) { // first = 0: first-spike steps not recorded (a branch the same way for the whole call)
    const f = v128.load(first + o);
    v128.store(first + o, v128.bitselect(i32x4.splat(step), f, v128.and(fired, i32x4.lt_s(f, i32x4.splat(0)))));
  }
  let w = spikes + (<usize>written << 2);
  store<i32>(w, j);
  w += <usize>(mask & 1) << 2;
  store<i32>(w, j + 1);
  w += <usize>((mask >> 1) & 1) << 2;
  store<i32>(w, j + 2);
  w += <usize>((mask >> 2) & 1) << 2;
  store<i32>(w, j + 3);
  return written + popcnt(mask);
}

// The SIMD loop over one sample's first n4 neurons for one specialisation.
// @ts-ignore: decorator
@inline function loop4(
  SYN: bool, BIAS: bool, SUBTRACT: bool, SPIKING: bool, n4: i32,
  base: usize, v: usize, acc: usize, syn: usize, bias: usize,
  spikes: usize, total: usize, first: usize,
  vLeak: v128, vThr: v128, vRst: v128, vDecay: v128, step: i32, written: i32, keepAcc: bool
): i32 {
  for (let j = 0; j < n4; j += 4) {
    written = block4(SYN, BIAS, SUBTRACT, SPIKING, base, j, v, acc, syn, bias, spikes, total, first,
      vLeak, vThr, vRst, vDecay, step, written, keepAcc);
  }
  return written;
}

/**
 * Advances B×n neurons by one step (equations above) and writes the spike list. keepAcc != 0: acc is
 * only read (the precomputed current of a layer fed by nothing else under constant-current coding: no
 * copy into an accumulator and no clearing each step).
 * @returns the number of spikes in the whole batch (the length written at `spikes`).
 */
export function neuronStep(
  v: usize, acc: usize, syn: usize, bias: usize, ref: usize,
  spikes: usize, counts: usize, total: usize, first: usize,
  batch: i32, n: i32, leak: f32, threshold: f32, resetMode: i32, vReset: f32,
  refractory: i32, synDecay: f32, step: i32, spiking: i32, keepAcc: i32
): i32 {
  let written: i32 = 0;
  const keep = keepAcc != 0;
  const n4 = refractory > 0 ? 0 : n & ~3;
  const vLeak = f32x4.splat(leak);
  const vThr = f32x4.splat(threshold);
  const vRst = f32x4.splat(vReset);
  const vDecay = f32x4.splat(synDecay);
  const variant = (syn != 0 ? 8 : 0) | (bias != 0 ? 4 : 0) | (resetMode == RESET_SUBTRACT ? 2 : 0) | (spiking != 0 ? 1 : 0);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const start = written;
    const base = b * <usize>n;
    switch (variant) {
      case 0: written = loop4(false, false, false, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 1: written = loop4(false, false, false, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 2: written = loop4(false, false, true, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 3: written = loop4(false, false, true, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 4: written = loop4(false, true, false, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 5: written = loop4(false, true, false, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 6: written = loop4(false, true, true, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 7: written = loop4(false, true, true, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 8: written = loop4(true, false, false, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 9: written = loop4(true, false, false, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 10: written = loop4(true, false, true, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 11: written = loop4(true, false, true, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 12: written = loop4(true, true, false, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 13: written = loop4(true, true, false, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      case 14: written = loop4(true, true, true, false, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
      default: written = loop4(true, true, true, true, n4, base, v, acc, syn, bias, spikes, total, first, vLeak, vThr, vRst, vDecay, step, written, keep); break;
    }
    for (let j = n4; j < n; j++) {
      written += updateOne(b, j, n, v, acc, syn, bias, ref, spikes + (<usize>written << 2), total, first,
        leak, threshold, resetMode, vReset, refractory, synDecay, step, spiking, keep);
    }
    store<i32>(counts + (b << 2), written - start);
  }
  return written;
}
