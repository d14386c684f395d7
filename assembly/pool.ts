// Average / sum pooling, event-driven scatter, channels-last ([B][H][W][C]) like conv2d.
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
      events += scatterPool(y, x, r - x * C, 1, dst, outW, C, winY, winX, scale, recip);
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
