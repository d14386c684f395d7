// Average / sum pooling, event-driven scatter, channels-last ([B][H][W][C]) like conv2d; max pooling
// (maxPoolSpikes / maxPoolValues / countSpikes) below.
//
// A spike (or analog value a) at (y, x, c) adds a × s(oy, ox) to acc[b, oy, ox, c] for every window
//   oy*sh - padT <= y < oy*sh - padT + kh,  ox*sw - padL <= x < ox*sw - padL + kw,  0 <= oy < outH, 0 <= ox < outW
// where s is `scale` (1 for sum pooling, 1/(kh*kw) for average pooling counting the padding) or, when
// `recip` is non-zero, recip[oy*outW + ox] (1 / number of non-padding inputs of that window: ONNX
// AveragePool with count_include_pad = 0). The host derives recip once when it plans the graph, and
// the window ranges: winY i32[inH][2] = [first oy, last oy] covering row y (last < first: none),
// likewise winX i32[inW][2], so the per-spike loop needs no division.

// @ts-ignore: decorator
@inline function scatterPool(
  y: i32, x: i32, c: i32, a: f32, dst: usize, outW: i32, C: i32, winY: usize, winX: usize, scale: f32, recip: usize
): i32 {
  const y0 = load<i32>(winY + (<usize>y << 3)), y1 = load<i32>(winY + (<usize>y << 3), 4);
  const x0 = load<i32>(winX + (<usize>x << 3)), x1 = load<i32>(winX + (<usize>x << 3), 4);
  if (y1 < y0 || x1 < x0) return 0;
  for (let oy = y0; oy <= y1; oy++) {
    for (let ox = x0; ox <= x1; ox++) {
      const pos = oy * outW + ox;
      const s = recip != 0 ? load<f32>(recip + (<usize>pos << 2)) : scale;
      const d = dst + (<usize>(pos * C + c) << 2);
      store<f32>(d, load<f32>(d) + a * s);
    }
  }
  return (y1 - y0 + 1) * (x1 - x0 + 1);
}

/** Event-driven pooling of a spike list (per-sample counts), channels-last indices; returns the events. */
export function poolSpikes(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  winY: usize, winX: usize, scale: f32, recip: usize, acc: usize
): f64 {
  let events: i64 = 0;
  const outBytes = <usize>(outH * outW * C) << 2;
  const pow2 = (C & (C - 1)) == 0, cShift = ctz(C);
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = acc + b * outBytes;
    for (let k = 0; k < cnt; k++) {
      const j = load<i32>(p);
      p += 4;
      const pos = pow2 ? j >> cShift : j / C; // y·inW + x: a shift for a power-of-two channel count
      const y = pos / inW;
      events += scatterPool(y, pos - y * inW, j - pos * C, 1, dst, outW, C, winY, winX, scale, recip);
    }
  }
  return <f64>events;
}

/** Pooling of analog inputs (x is f32[B][inH][inW][C]); zero inputs are skipped; returns the MACs. */
export function poolValues(
  xs: usize, batch: i32, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  winY: usize, winX: usize, scale: f32, recip: usize, acc: usize
): f64 {
  let events: i64 = 0;
  const inBytes = <usize>(inH * inW * C) << 2;
  const outBytes = <usize>(outH * outW * C) << 2;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const src = xs + b * inBytes;
    const dst = acc + b * outBytes;
    let q: usize = 0;
    for (let y = 0; y < inH; y++) {
      for (let x = 0; x < inW; x++) {
        for (let c = 0; c < C; c++) {
          const a = load<f32>(src + (q << 2));
          q++;
          if (a != 0) events += scatterPool(y, x, c, a, dst, outW, C, winY, winX, scale, recip);
        }
      }
    }
  }
  return <f64>events;
}

// ---------------------------------------------------------------------------------------------------
// Max pooling, spiking: gating by the most active input (Rueckauer et al. 2017, §2.2.3; Orchard et al.
// 2015), chosen because it needs no extra neurons or lateral inhibition and, with IF threshold 1 and
// reset by subtraction, makes the pool's spike count equal that of its window's most active input.
//
// Each window keeps passes[b, oy, ox, c] (i32, zeroed per run): the largest running spike count of its
// inputs so far. A spike at (y, x, c) whose source count total[y, x, c] (i32 [B][inH][inW][C],
// including this step: the source's neuronStep, or countSpikes for the network input, has run) exceeds
// passes[w] raises the window's maximum: passes[w] = total, and the spike adds 1 to acc[w]. Every other
// spike is blocked. So after every step passes[w] = max over the window's inputs of their counts, and the
// window has passed exactly that many spikes (two inputs reaching a new maximum in the same step pass
// one spike, not two). Padded positions are not inputs. Returns the passed spikes (synaptic events).

/** Spiking max pooling (gating by the most active input, see above); returns the passed spikes. */
export function maxPoolSpikes(
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  winY: usize, winX: usize, inTotal: usize, passes: usize, acc: usize
): f64 {
  let events: i64 = 0;
  const pow2 = (C & (C - 1)) == 0, cShift = ctz(C);
  const inBytes = <usize>(inH * inW * C) << 2;
  const outBytes = <usize>(outH * outW * C) << 2;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = acc + b * outBytes;
    const gate = passes + b * outBytes;
    const tot = inTotal + b * inBytes;
    for (let k = 0; k < cnt; k++) {
      const j = load<i32>(p);
      p += 4;
      const pos = pow2 ? j >> cShift : j / C; // y·inW + x: a shift for a power-of-two channel count
      const y = pos / inW;
      const x = pos - y * inW;
      const c = j - pos * C;
      const y0 = load<i32>(winY + (<usize>y << 3)), y1 = load<i32>(winY + (<usize>y << 3), 4);
      const x0 = load<i32>(winX + (<usize>x << 3)), x1 = load<i32>(winX + (<usize>x << 3), 4);
      const mine = load<i32>(tot + (<usize>j << 2));
      for (let oy = y0; oy <= y1; oy++) {
        for (let ox = x0; ox <= x1; ox++) {
          const o = <usize>((oy * outW + ox) * C + c) << 2;
          // branch-free: whether a spike passes is data-dependent and mispredicts; the stores are cheap
          const g = load<i32>(gate + o);
          const pass = mine > g;
          store<i32>(gate + o, select<i32>(mine, g, pass));
          store<f32>(dst + o, load<f32>(dst + o) + <f32>(<i32>pass));
          events += <i64>pass;
        }
      }
    }
  }
  return <f64>events;
}

/**
 * Max pooling of analog inputs (constant-current coding, DNN MaxPool): acc[b, oy, ox, c] += the
 * largest non-padding x[b, y, x, c] of the window. Called once per run into the precomputed current.
 * Returns the comparisons (non-padding inputs examined).
 */
export function maxPoolValues(
  xs: usize, batch: i32, inH: i32, inW: i32, C: i32, outH: i32, outW: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padT: i32, padL: i32, acc: usize
): f64 {
  let events: i64 = 0;
  const inBytes = <usize>(inH * inW * C) << 2;
  const outBytes = <usize>(outH * outW * C) << 2;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const src = xs + b * inBytes;
    const dst = acc + b * outBytes;
    for (let oy = 0; oy < outH; oy++) {
      const ys = oy * sh - padT;
      const yy0 = max(ys, 0), yy1 = min(ys + kh, inH);
      for (let ox = 0; ox < outW; ox++) {
        const xs0 = ox * sw - padL;
        const xx0 = max(xs0, 0), xx1 = min(xs0 + kw, inW);
        events += <i64>((yy1 - yy0) * (xx1 - xx0) * C);
        for (let c = 0; c < C; c++) {
          let m = load<f32>(src + (<usize>((yy0 * inW + xx0) * C + c) << 2));
          for (let yy = yy0; yy < yy1; yy++) {
            for (let xx = xx0; xx < xx1; xx++) {
              const v = load<f32>(src + (<usize>((yy * inW + xx) * C + c) << 2));
              if (v > m) m = v;
            }
          }
          const d = dst + (<usize>((oy * outW + ox) * C + c) << 2);
          store<f32>(d, load<f32>(d) + m);
        }
      }
    }
  }
  return <f64>events;
}

/**
 * Running spike counts of the network input (which has no neuronStep): total[b, j] += 1 for every
 * spike j of sample b in the list. Called after encodeSpikes when a max pool reads the input.
 */
export function countSpikes(spikes: usize, counts: usize, batch: i32, n: i32, total: usize): void {
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const base = total + ((b * <usize>n) << 2);
    for (let k = 0; k < cnt; k++) {
      const d = base + (<usize>load<i32>(p) << 2);
      store<i32>(d, load<i32>(d) + 1);
      p += 4;
    }
  }
}
