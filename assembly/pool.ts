// Average / sum pooling, event-driven scatter, channels-last ([B][H][W][C]) like conv2d.
//
// A spike (or analog value a) at (y, x, c) adds a × s(oy, ox) to acc[b, oy, ox, c] for every window
//   oy*sh - padT <= y < oy*sh - padT + kh,  ox*sw - padL <= x < ox*sw - padL + kw,  0 <= oy < outH, 0 <= ox < outW
// where s is `scale` (1 for sum pooling, 1/(kh*kw) for average pooling counting the padding) or, when
// `recip` is non-zero, recip[oy*outW + ox] (1 / number of non-padding inputs of that window: ONNX
// AveragePool with count_include_pad = 0). The host derives recip once when it plans the graph.

// @ts-ignore: decorator
@inline function windowsOf(p: i32, pad: i32, k: i32, s: i32, outN: i32): i64 {
  // first and last output index whose window covers input index p, packed as (lo << 32) | hi
  const t = p + pad;
  let lo = t - k + 1;
  lo = lo <= 0 ? 0 : (lo + s - 1) / s;
  let hi = t / s;
  if (hi > outN - 1) hi = outN - 1;
  return (<i64>lo << 32) | <i64>(<u32>hi);
}

// @ts-ignore: decorator
@inline function scatterPool(
  y: i32, x: i32, c: i32, a: f32, dst: usize, outH: i32, outW: i32, C: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, padT: i32, padL: i32, scale: f32, recip: usize
): i32 {
  const wy = windowsOf(y, padT, kh, sh, outH);
  const wx = windowsOf(x, padL, kw, sw, outW);
  const y0 = <i32>(wy >> 32), y1 = <i32>wy, x0 = <i32>(wx >> 32), x1 = <i32>wx;
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
  spikes: usize, counts: usize, batch: i32, inH: i32, inW: i32, C: i32,
  outH: i32, outW: i32, kh: i32, kw: i32, sh: i32, sw: i32, padT: i32, padL: i32,
  scale: f32, recip: usize, acc: usize
): f64 {
  let events: i64 = 0;
  const rowIn = inW * C;
  const outBytes = <usize>(outH * outW * C) << 2;
  let p = spikes;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const cnt = load<i32>(counts + (b << 2));
    const dst = acc + b * outBytes;
    for (let k = 0; k < cnt; k++) {
      const j = load<i32>(p);
      p += 4;
      const y = j / rowIn;
      const r = j - y * rowIn;
      const x = r / C;
      events += scatterPool(y, x, r - x * C, 1, dst, outH, outW, C, kh, kw, sh, sw, padT, padL, scale, recip);
    }
  }
  return <f64>events;
}

/** Pooling of analog inputs (x is f32[B][inH][inW][C]); zero inputs are skipped; returns the MACs. */
export function poolValues(
  xs: usize, batch: i32, inH: i32, inW: i32, C: i32,
  outH: i32, outW: i32, kh: i32, kw: i32, sh: i32, sw: i32, padT: i32, padL: i32,
  scale: f32, recip: usize, acc: usize
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
          if (a != 0) events += scatterPool(y, x, c, a, dst, outH, outW, C, kh, kw, sh, sw, padT, padL, scale, recip);
        }
      }
    }
  }
  return <f64>events;
}
