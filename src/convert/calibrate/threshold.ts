/**
 * Threshold (scale) calibration for a given number of steps T — normalization "mse".
 *
 * Source: Li, Deng, Dong, Gong, Gu, "A Free Lunch From ANN: Towards Efficient, Accurate Spiking Neural
 * Networks Calibration", ICML 2021, §4 ("threshold" step of SNN calibration): an IF neuron with threshold
 * λ (in the ANN's units) running T steps outputs at most T spikes, so its rate × λ is the ANN activation
 * clipped to [0, λ] and floored to T levels,
 *   q_λ(a) = (λ/T) · clip(floor(a·T/λ), 0, T),
 * and λ is chosen per layer to minimise Σ (q_λ(a) − a)² over the calibration activations (instead of a
 * fixed percentile, which ignores T). With the θ/2 initial potential (Bu et al., AAAI 2022, "Optimal
 * ANN-SNN conversion for high-accuracy and ultra-low-latency spiking neural networks") the rate rounds
 * instead of flooring: q_λ(a) = (λ/T) · clip(floor(a·T/λ + 1/2), 0, T), and that quantiser is the one
 * minimised. With reset to zero (Loihi's native reset, `--reset zero`) the residual above threshold is lost at
 * every spike, so the count is that of a constant input x = a/λ (threshold 1) starting at v0 (0 or 1/2):
 * the first spike at k1 = ceil((1 − v0)/x) steps, then one every ceil(1/x), n = 1 + floor((T − k1)/ceil(1/x))
 * (0 if k1 > T), and q_λ(a) = λ·n/T; that quantiser is minimised instead. λ is searched on a grid of 256 values in (0, max a] using a 4096-bin histogram of the
 * positive activations (each bin's values at its centre; zeros and negatives are λ-independent).
 * Per channel where the layer allows it (src/convert/convert.ts: its consumers absorb per-channel factors).
 */

const BINS = 4096;
const GRID = 256;

/** The clip-floor(-shift) quantiser q_λ(a) of the module header; `resetZero`: the reset-to-zero count. */
export function quantizeActivation(a: number, lambda: number, T: number, shift: boolean, resetZero = false): number {
  if (a <= 0) return 0;
  if (resetZero) {
    const x = a / lambda, k1 = Math.max(1, Math.ceil((1 - (shift ? 0.5 : 0)) / x - 1e-9)), p = Math.max(1, Math.ceil(1 / x - 1e-9));
    return k1 > T ? 0 : (lambda * (1 + Math.floor((T - k1) / p))) / T;
  }
  const k = Math.min(T, Math.max(0, Math.floor((a * T) / lambda + (shift ? 0.5 : 0))));
  return (lambda * k) / T;
}

/** Squared error Σ (q_λ(a) − a)² over a histogram of positive values (bin centres, counts). */
function histError(centres: Float64Array, counts: Float64Array, lambda: number, T: number, shift: boolean, resetZero: boolean): number {
  let e = 0;
  for (let b = 0; b < centres.length; b++) {
    const c = counts[b];
    if (c === 0) continue;
    const d = quantizeActivation(centres[b], lambda, T, shift, resetZero) - centres[b];
    e += c * d * d;
  }
  return e;
}

/**
 * λ minimising the clip-floor error of `values` for T steps (module header); 1 when no value is
 * positive (as percentileNonZero). `shift`: the θ/2 initial potential (rounding quantiser); `resetZero`:
 * reset to zero instead of by subtraction.
 */
export function mseLambda(values: ArrayLike<number>, T: number, shift: boolean, resetZero = false): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  if (!(max > 0)) return 1;
  const counts = new Float64Array(BINS), centres = new Float64Array(BINS);
  const w = max / BINS;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0) counts[Math.min(BINS - 1, Math.floor(v / w))]++;
  }
  for (let b = 0; b < BINS; b++) centres[b] = (b + 0.5) * w;
  let best = max, bestErr = Infinity;
  for (let g = GRID; g >= 1; g--) {
    const lambda = (max * g) / GRID;
    const e = histError(centres, counts, lambda, T, shift, resetZero);
    if (e < bestErr) { bestErr = e; best = lambda; }
  }
  return best;
}
