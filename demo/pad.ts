/**
 * The 28×28 drawing pad: pointer strokes (mouse, pen, touch) painted with a soft round brush straight into a
 * 28×28 grid of values in [0, 1], and the MNIST-style normalisation of a drawn digit (LeCun et al.: the digit's
 * bounding box scaled to fit 20×20 keeping its aspect ratio, then centred on its centre of mass in 28×28).
 */

export const SIZE = 28;
/** brush radius in cells: full intensity within BRUSH − 1, fading to 0 at BRUSH */
const BRUSH = 1.6;

/** Paints `grid` (28×28, values in [0, 1]) onto a 28×28 canvas, white on black. */
export function paint(canvas: HTMLCanvasElement, grid: ArrayLike<number>): void {
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(SIZE, SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    const g = Math.round(255 * Math.min(1, Math.max(0, grid[i])));
    img.data.set([g, g, g, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

/** Adds a brush dab at (x, y) (cell units) to the grid, keeping the larger value. */
function dab(grid: Float32Array, x: number, y: number): void {
  for (let j = Math.floor(y - BRUSH); j <= Math.ceil(y + BRUSH); j++) {
    for (let i = Math.floor(x - BRUSH); i <= Math.ceil(x + BRUSH); i++) {
      if (i < 0 || j < 0 || i >= SIZE || j >= SIZE) continue;
      const d = Math.hypot(i + 0.5 - x, j + 0.5 - y);
      const v = Math.min(1, Math.max(0, BRUSH - d));
      if (v > grid[j * SIZE + i]) grid[j * SIZE + i] = v;
    }
  }
}

/**
 * Makes `canvas` a drawing pad over `grid`. `onStart` runs before the first dab of a stroke (the page clears a
 * shown test image there), `onStroke` after each stroke ends.
 */
export function attachPad(canvas: HTMLCanvasElement, grid: Float32Array, onStart: () => void, onStroke: () => void): void {
  let last: [number, number] | null = null;
  const pos = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE];
  };
  const line = (a: [number, number], b: [number, number]) => {
    const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 0.25));
    for (let k = 1; k <= n; k++) dab(grid, a[0] + ((b[0] - a[0]) * k) / n, a[1] + ((b[1] - a[1]) * k) / n);
  };
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    onStart();
    last = pos(e);
    dab(grid, last[0], last[1]);
    paint(canvas, grid);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = pos(e);
    line(last, p);
    last = p;
    paint(canvas, grid);
  });
  const end = () => {
    if (!last) return;
    last = null;
    onStroke();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
}

/** Bilinear sample of the grid at continuous coordinates (cell centres at i + 0.5); 0 outside. */
function sample(g: ArrayLike<number>, x: number, y: number): number {
  const u = x - 0.5, v = y - 0.5;
  const i = Math.floor(u), j = Math.floor(v), fu = u - i, fv = v - j;
  const at = (a: number, b: number) => (a < 0 || b < 0 || a >= SIZE || b >= SIZE ? 0 : g[b * SIZE + a]);
  return (1 - fv) * ((1 - fu) * at(i, j) + fu * at(i + 1, j)) + fv * ((1 - fu) * at(i, j + 1) + fu * at(i + 1, j + 1));
}

/**
 * MNIST-style normalisation: bounding box (cells > 0.05) scaled to fit 20×20, centre of mass moved to the centre.
 * Each output cell averages 4×4 bilinear samples (so that shrinking does not drop thin strokes). All zeros stay zeros.
 */
export function normalizeDigit(grid: ArrayLike<number>): Float32Array {
  let x0 = SIZE, y0 = SIZE, x1 = -1, y1 = -1, m = 0, mx = 0, my = 0;
  for (let j = 0; j < SIZE; j++) {
    for (let i = 0; i < SIZE; i++) {
      const v = grid[j * SIZE + i];
      if (v > 0.05) { x0 = Math.min(x0, i); x1 = Math.max(x1, i); y0 = Math.min(y0, j); y1 = Math.max(y1, j); }
      m += v; mx += v * (i + 0.5); my += v * (j + 0.5);
    }
  }
  const out = new Float32Array(SIZE * SIZE);
  if (x1 < 0 || m === 0) return out;
  const s = 20 / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const cx = mx / m, cy = my / m, S = 4;
  for (let j = 0; j < SIZE; j++) {
    for (let i = 0; i < SIZE; i++) {
      let acc = 0;
      for (let b = 0; b < S; b++) {
        for (let a = 0; a < S; a++) acc += sample(grid, cx + (i + (a + 0.5) / S - SIZE / 2) / s, cy + (j + (b + 0.5) / S - SIZE / 2) / s);
      }
      out[j * SIZE + i] = Math.min(1, acc / (S * S));
    }
  }
  return out;
}
