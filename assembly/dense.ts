// Dense (fully connected) synaptic accumulation, event-driven.
//
//   acc[b, o] += sum over spikes i of sample b of W[i, o]        (denseSpikes)
//   acc[b, o] += sum over i with x[b, i] != 0 of x[b, i] * W[i, o] (denseValues: analog input current)
//
// Layouts: W is f32[nIn][nOut], row i = the fan-out of presynaptic neuron i (so one spike reads one
// contiguous row); acc is f32[B][nOut]; x is f32[B][nIn]; spikes/counts as written by neuronStep.
// Spikes are processed in list order, each row added with addRow, so the float32 sums are identical
// to the TypeScript reference's.

import { ROW_ADD, ROW_INT, addRowGroup, addRowOp, addRowScaled } from "./rows";

/**
 * Adds the weight row of every spiking presynaptic neuron into its sample's accumulator with row
 * operation ROW_ADD (denseSpikes), ROW_INT (loihiAccumulateSum: i32 modulo 2^32) or ROW_WRAP
 * (loihiAccumulate: i32, wrapped per add; rows.ts addRowOp); returns the events. ROW_ADD and ROW_INT take
 * four (then two) spikes at a time: acc[k] = (((acc[k] + w1[k]) + w2[k]) + w3[k]) + w4[k] in one pass, the
 * same additions in the same order as one row after the other, with a quarter of the accumulator loads and
 * stores: 35-45 % less time on the 784-1200-1200-10 MLP (bench/RESULTS.md, issue 16).
 */
// @ts-ignore: decorator
@inline export function spikeRows(ROW: i32, wrapBits: i32, spikes: usize, counts: usize, batch: i32, w: usize, nOut: i32, acc: usize): f64 {
  let total: i64 = 0;
  const rowBytes = <usize>nOut << 2;
  const group = ROW == ROW_ADD || ROW == ROW_INT;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const c = load<i32>(counts + (b << 2));
    const dst = acc + b * rowBytes;
    total += c;
    let k = 0;
    if (group) {
      for (; k + 4 <= c; k += 4, p += 16)
        addRowGroup(ROW, wrapBits, 4, dst, w + <usize>load<i32>(p) * rowBytes, w + <usize>load<i32>(p, 4) * rowBytes,
          w + <usize>load<i32>(p, 8) * rowBytes, w + <usize>load<i32>(p, 12) * rowBytes, 0, nOut);
      for (; k + 2 <= c; k += 2, p += 8)
        addRowGroup(ROW, wrapBits, 2, dst, w + <usize>load<i32>(p) * rowBytes, w + <usize>load<i32>(p, 4) * rowBytes, 0, 0, 0, nOut);
    }
    for (; k < c; k++, p += 4) addRowOp(ROW, wrapBits, dst, w + <usize>load<i32>(p) * rowBytes, 0, nOut);
  }
  return <f64>(total * <i64>nOut);
}

/** Adds the weight row of every spiking presynaptic neuron into its sample's accumulator (spikeRows, ROW_ADD); returns the events. */
export function denseSpikes(spikes: usize, counts: usize, batch: i32, nIn: i32, w: usize, nOut: i32, acc: usize): f64 {
  return spikeRows(ROW_ADD, 0, spikes, counts, batch, w, nOut, acc);
}

/** Adds x[b, i] × row i for every non-zero real-valued input (constant-current coding); returns the MACs. */
export function denseValues(x: usize, batch: i32, nIn: i32, w: usize, nOut: i32, acc: usize): f64 {
  const rowBytes = <usize>nOut << 2;
  let nnz: i64 = 0;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const src = x + ((b * <usize>nIn) << 2);
    const dst = acc + b * rowBytes;
    for (let i = 0; i < nIn; i++) {
      const a = load<f32>(src + (<usize>i << 2));
      if (a != 0) {
        addRowScaled(dst, w + <usize>i * rowBytes, a, nOut);
        nnz++;
      }
    }
  }
  return <f64>(nnz * <i64>nOut);
}
