// Input spike generation, one step for a whole batch (the per-input hot loop of spike coding).
//
//   mode ENCODE_POISSON: input j of sample b spikes when u < p[b*n + j], u = (next() >>> 8) * 2^-24 from
//     sample b's own xoshiro128** stream (Blackman & Vigna), whose four u32 words live at rng + 16*b
//     (seeded by the host with splitmix32, src/util/rng.ts); inputs with p == 0 draw nothing. One stream
//     per sample keeps a sample's spike trains independent of the other samples in the batch.
//   mode ENCODE_REGULAR: input j spikes at step t when floor(t*p) > floor((t-1)*p) (float64), i.e. it has
//     fired exactly floor(t*p) times after t steps.
// p is f32[B][n], already clamped to [0, 1]. Writes within-sample indices at `spikes` and per-sample
// counts at `counts` (the layout neuronStep writes), returns the number of spikes.

/** Poisson (Bernoulli per step) coding. */
export const ENCODE_POISSON: i32 = 0;
/** Deterministic regular spike trains. */
export const ENCODE_REGULAR: i32 = 1;

// @ts-ignore: decorator
@inline function nextU32(rng: usize): u32 {
  const s0 = load<u32>(rng), s1 = load<u32>(rng, 4), s2 = load<u32>(rng, 8), s3 = load<u32>(rng, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  store<u32>(rng, s0 ^ n3);
  store<u32>(rng, s1 ^ n2, 4);
  store<u32>(rng, n2 ^ t, 8);
  store<u32>(rng, rotl<u32>(n3, 11), 12);
  return result;
}

/** Writes the input spikes of step t (1-based); returns their number. */
export function encodeSpikes(p: usize, batch: i32, n: i32, mode: i32, step: i32, rng: usize, spikes: usize, counts: usize): i32 {
  let w: i32 = 0;
  const t = <f64>step;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const start = w;
    const base = p + ((b * <usize>n) << 2);
    const state = rng + (b << 4);
    for (let j = 0; j < n; j++) {
      const pj = load<f32>(base + (<usize>j << 2));
      if (pj == 0) continue;
      let fire: bool;
      if (mode == ENCODE_POISSON) {
        fire = <f32>(nextU32(state) >>> 8) * (1.0 / 16777216.0) < pj;
      } else {
        const q = <f64>pj;
        fire = Math.floor(t * q) > Math.floor((t - 1) * q);
      }
      if (fire) {
        store<i32>(spikes + (<usize>w << 2), j);
        w++;
      }
    }
    store<i32>(counts + (b << 2), w - start);
  }
  return w;
}
