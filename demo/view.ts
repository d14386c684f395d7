/**
 * The live views, redrawn for step t of a recorded run: the spike raster (one band per layer, x = step,
 * y = a neuron shown; hidden layers show up to RASTER_ROWS of the neurons that fired, the output all ten)
 * and the output's cumulative spike counts per class.
 */
import type { InputResult } from "./model.js";

const LABEL_W = 64;
const GAP = 8;
const HEAD = 15;
const HIDDEN_ROW = 3;
const OUT_ROW = 12;
const COLORS = { spike: "#d9480f", out: "#2f6fdb", text: "#1d2330", muted: "#5f6b7a", line: "#d9dee5", cursor: "rgba(47,111,219,.35)", win: "#2b8a3e" };

const fmtShape = (s: number[]) => s.join("×");

/**
 * Sizes a canvas to `cssHeight` CSS pixels high and its laid-out width, at the device pixel ratio; returns a
 * context drawing in CSS pixels and the width.
 */
function fit(canvas: HTMLCanvasElement, cssHeight: number): { ctx: CanvasRenderingContext2D; W: number; H: number } {
  const dpr = window.devicePixelRatio || 1, W = canvas.clientWidth || canvas.width;
  const w = Math.round(W * dpr), h = Math.round(cssHeight * dpr);
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; canvas.style.height = `${cssHeight}px`; }
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, cssHeight);
  return { ctx, W, H: cssHeight };
}

const rasterHeight = (r: InputResult) =>
  r.layers.reduce((a, l, i) => a + Math.max(1, l.shown.length) * (i === r.layers.length - 1 ? OUT_ROW : HIDDEN_ROW) + GAP + HEAD, 0);

/** Draws the raster of `r` up to step t (1..T). */
export function drawRaster(canvas: HTMLCanvasElement, r: InputResult, t: number): void {
  const height = rasterHeight(r);
  const { ctx, W } = fit(canvas, height);
  const T = r.steps, colW = (W - LABEL_W) / T;
  ctx.font = "11px system-ui, sans-serif";
  let y = 0;
  r.layers.forEach((l, li) => {
    const isOut = li === r.layers.length - 1, rowH = isOut ? OUT_ROW : HIDDEN_ROW;
    const rows = Math.max(1, l.shown.length), bandH = rows * rowH;
    let spikesSoFar = 0;
    for (let s = 0; s < t; s++) spikesSoFar += l.spikesPerStep[s];
    ctx.fillStyle = COLORS.text;
    ctx.fillText(`${l.id} · ${l.kind} ${fmtShape(l.shape)} · ${spikesSoFar.toLocaleString("en")} spikes · ` +
      `${l.active.toLocaleString("en")}/${l.neurons.toLocaleString("en")} neurons fire`, 0, y + 11);
    y += HEAD;
    ctx.strokeStyle = COLORS.line;
    ctx.strokeRect(LABEL_W - 0.5, y - 0.5, W - LABEL_W, bandH + 1);
    ctx.fillStyle = COLORS.muted;
    if (isOut) for (let d = 0; d < rows; d++) ctx.fillText(`class ${d}`, 8, y + d * rowH + rowH - 1);
    else ctx.fillText(l.shown.length ? `${l.shown.length} shown` : "silent", 0, y + 11);
    ctx.fillStyle = isOut ? COLORS.out : COLORS.spike;
    for (const [s, row] of l.spikes) {
      if (s > t) break;
      ctx.fillRect(LABEL_W + (s - 1) * colW, y + row * rowH, Math.max(1, colW - (colW > 3 ? 1 : 0)), rowH - (rowH > 3 ? 1 : 0));
    }
    y += bandH + GAP;
  });
  ctx.fillStyle = COLORS.cursor;
  ctx.fillRect(LABEL_W + (t - 1) * colW, 0, Math.max(1, colW), height);
}

/** Draws the cumulative output spike counts after step t, the leading class highlighted. */
export function drawBars(canvas: HTMLCanvasElement, r: InputResult, t: number, leader: number): void {
  const { ctx, W, H } = fit(canvas, 150);
  const n = 10, off = (t - 1) * n;
  const maxCount = Math.max(1, ...Array.from(r.counts.subarray((r.steps - 1) * n, r.steps * n)));
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  const bw = W / n, top = 16, bottom = H - 18;
  for (let d = 0; d < n; d++) {
    const c = r.counts[off + d], h = ((bottom - top) * c) / maxCount, x = d * bw;
    ctx.fillStyle = d === leader ? COLORS.win : COLORS.out;
    ctx.fillRect(x + bw * 0.18, bottom - h, bw * 0.64, h);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(String(c), x + bw / 2, bottom - h - 4);
    ctx.fillText(String(d), x + bw / 2, H - 4);
  }
  ctx.textAlign = "start";
}
