// Unit tests of poolSpikes / poolValues (assembly/pool.ts) against a dense average pooling computed
// here. Layout channels-last [H][W][C]; recip[oy*outW + ox] = 1 / (non-padding inputs of the window).
// maxPoolSpikes / maxPoolValues / countSpikes against a gather-style max pooling computed here: a
// window passes one spike exactly when the maximum of its inputs' running counts rises.
import { countSpikes, maxPoolSpikes, maxPoolValues, poolSpikes, poolValues } from "../../assembly/pool";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }

/** Window range table of one axis, i32[n][2] = [first o, last o] with o*s - pad <= p < o*s - pad + k. */
function windows(n: i32, k: i32, s: i32, pad: i32, outN: i32): StaticArray<i32> {
  const t = new StaticArray<i32>(2 * n);
  for (let p = 0; p < n; p++) {
    let lo = outN, hi = -1;
    for (let o = 0; o < outN; o++) {
      if (o * s - pad <= p && p < o * s - pad + k) {
        lo = min(lo, o);
        hi = max(hi, o);
      }
    }
    t[2 * p] = lo;
    t[2 * p + 1] = hi;
  }
  return t;
}

/** Pooling geometry: k x k windows, stride s, padding pad on every side, and its window tables. */
class Geometry {
  outH: i32; outW: i32;
  winY: StaticArray<i32>;
  winX: StaticArray<i32>;
  constructor(public inH: i32, public inW: i32, public C: i32, public k: i32, public s: i32, public pad: i32) {
    const outH = (inH + 2 * pad - k) / s + 1;
    const outW = (inW + 2 * pad - k) / s + 1;
    this.outH = outH;
    this.outW = outW;
    this.winY = windows(inH, k, s, pad, outH);
    this.winX = windows(inW, k, s, pad, outW);
  }
  get inSize(): i32 { return this.inH * this.inW * this.C; }
  get outSize(): i32 { return this.outH * this.outW * this.C; }
}

class Pool extends Geometry {
  recip!: StaticArray<f32>;

  /** scale > 0: fixed scale (count_include_pad); scale == 0: per-window recip buffer. */
  constructor(inH: i32, inW: i32, C: i32, k: i32, s: i32, pad: i32, public scale: f32) {
    super(inH, inW, C, k, s, pad);
    const outH = this.outH, outW = this.outW;
    this.recip = new StaticArray<f32>(outH * outW);
    for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) {
      const ny = min(oy * s - pad + k, inH) - max(oy * s - pad, 0);
      const nx = min(ox * s - pad + k, inW) - max(ox * s - pad, 0);
      this.recip[oy * outW + ox] = <f32>1 / <f32>(ny * nx);
    }
  }
  get recipPtr(): usize { return this.scale > 0 ? 0 : ptr(this.recip); }

  /** Dense reference: out[oy][ox][c] = s(oy, ox) * sum of x over the window (padding excluded). */
  reference(x: StaticArray<f32>): StaticArray<f32> {
    const out = new StaticArray<f32>(this.outSize);
    for (let oy = 0; oy < this.outH; oy++) for (let ox = 0; ox < this.outW; ox++) for (let c = 0; c < this.C; c++) {
      const sc = this.scale > 0 ? this.scale : this.recip[oy * this.outW + ox];
      let sum: f32 = 0;
      for (let ky = 0; ky < this.k; ky++) for (let kx = 0; kx < this.k; kx++) {
        const iy = oy * this.s - this.pad + ky, ix = ox * this.s - this.pad + kx;
        if (iy >= 0 && iy < this.inH && ix >= 0 && ix < this.inW) sum += sc * x[(iy * this.inW + ix) * this.C + c];
      }
      out[(oy * this.outW + ox) * this.C + c] = sum;
    }
    return out;
  }

  spikes(list: StaticArray<i32>, counts: StaticArray<i32>, batch: i32, acc: StaticArray<f32>): f64 {
    return poolSpikes(ptr(list), ptr(counts), batch, this.inH, this.inW, this.C, this.outH, this.outW,
      ptr(this.winY), ptr(this.winX), this.scale, this.recipPtr, ptr(acc));
  }

  /** One spike at every input position in turn, compared with the reference of the one-hot input. */
  checkOneHot(): void {
    const list = new StaticArray<i32>(1);
    const counts: StaticArray<i32> = [1];
    for (let j = 0; j < this.inSize; j++) {
      const x = new StaticArray<f32>(this.inSize);
      x[j] = 1;
      const want = this.reference(x);
      const acc = new StaticArray<f32>(this.outSize);
      list[0] = j;
      const events = this.spikes(list, counts, 1, acc);
      let touched = 0;
      for (let i = 0; i < this.outSize; i++) {
        expect(acc[i]).toBe(want[i]);
        if (want[i] != 0) touched++;
      }
      expect(events).toBe(<f64>touched);
    }
  }
}

describe("poolSpikes", () => {
  it("2x2 stride 2 average (scale 0.25), one-hot spikes, odd input size", () => {
    new Pool(5, 6, 3, 2, 2, 0, 0.25).checkOneHot(); // the last input row is in no window
  });

  it("2x2 stride 2 average: all-spiking input gives 1 everywhere (batch 2)", () => {
    const p = new Pool(4, 6, 2, 2, 2, 0, 0.25);
    const n = p.inSize;
    const list = new StaticArray<i32>(n + 1);
    for (let j = 0; j < n; j++) list[j] = j; // sample 0: every input; sample 1: input 0 only
    const counts: StaticArray<i32> = [n, 1];
    const acc = new StaticArray<f32>(2 * p.outSize);
    expect(p.spikes(list, counts, 2, acc)).toBe(<f64>(n + 1));
    for (let i = 0; i < p.outSize; i++) {
      expect(acc[i]).toBe(1);
      expect(acc[p.outSize + i]).toBe(i == 0 ? <f32>0.25 : <f32>0);
    }
  });

  it("3x3 stride 1 pad 1 with recip (count_include_pad = 0), one-hot spikes", () => {
    const p = new Pool(4, 5, 3, 3, 1, 1, 0);
    expect(p.recip[0]).toBe(<f32>1 / 4);           // corner window: 2x2 inputs
    expect(p.recip[1]).toBe(<f32>1 / 6);           // edge window: 2x3 inputs
    expect(p.recip[p.outW + 1]).toBe(<f32>1 / 9);  // interior window
    p.checkOneHot();
  });

  it("3x3 stride 1 pad 1 with recip: all-spiking input averages to 1", () => {
    const p = new Pool(4, 5, 3, 3, 1, 1, 0);
    const n = p.inSize;
    const list = new StaticArray<i32>(n);
    for (let j = 0; j < n; j++) list[j] = j;
    const counts: StaticArray<i32> = [n];
    const acc = new StaticArray<f32>(p.outSize);
    p.spikes(list, counts, 1, acc);
    for (let i = 0; i < p.outSize; i++) expect(Math.abs(<f64>acc[i] - 1)).toBeLessThan(1e-6);
  });
});

describe("poolValues", () => {
  it("analog input equals the dense average pooling (3x3 stride 2 pad 1, recip)", () => {
    const p = new Pool(7, 6, 2, 3, 2, 1, 0);
    const x = new StaticArray<f32>(p.inSize);
    for (let i = 0; i < p.inSize; i++) x[i] = i % 4 == 0 ? 0 : <f32>(i % 9) - 4;
    const acc = new StaticArray<f32>(p.outSize);
    poolValues(ptr(x), 1, p.inH, p.inW, p.C, p.outH, p.outW, ptr(p.winY), ptr(p.winX), 0, ptr(p.recip), ptr(acc));
    const want = p.reference(x);
    for (let i = 0; i < p.outSize; i++) expect(Math.abs(<f64>acc[i] - <f64>want[i])).toBeLessThan(1e-5);
  });
});

/** Deterministic pseudo-random integers in [0, n) (a 32-bit LCG; quality is irrelevant here). */
class Lcg {
  constructor(public s: u32) {}
  int(n: i32): i32 {
    this.s = this.s * 1664525 + 1013904223;
    return <i32>((this.s >> 8) % <u32>n);
  }
}

/** Max pooling of a Geometry. */
class MaxPool extends Geometry {

  spikes(list: StaticArray<i32>, counts: StaticArray<i32>, batch: i32, total: StaticArray<i32>, passes: StaticArray<i32>, acc: StaticArray<f32>): f64 {
    return maxPoolSpikes(ptr(list), ptr(counts), batch, this.inH, this.inW, this.C, this.outH, this.outW,
      ptr(this.winY), ptr(this.winX), ptr(total), ptr(passes), ptr(acc));
  }

  /** Maximum of total − minus (sample offset `base`) over window (oy, ox), channel c; padding is not an input. */
  windowMax(total: StaticArray<i32>, minus: StaticArray<bool>, base: i32, oy: i32, ox: i32, c: i32): i32 {
    let best = 0;
    for (let ky = 0; ky < this.k; ky++) for (let kx = 0; kx < this.k; kx++) {
      const y = oy * this.s - this.pad + ky, x = ox * this.s - this.pad + kx;
      if (y < 0 || y >= this.inH || x < 0 || x >= this.inW) continue;
      const j = (y * this.inW + x) * this.C + c;
      best = max(best, total[base + j] - (minus[base + j] ? 1 : 0));
    }
    return best;
  }

  /** Random counts and a random subset of spiking inputs (whose counts are >= 1); checks acc and events. */
  checkRandom(seed: u32, batch: i32): void {
    const rng = new Lcg(seed);
    const n = this.inSize;
    const total = new StaticArray<i32>(batch * n);
    const spiking = new StaticArray<bool>(batch * n);
    const list = new StaticArray<i32>(batch * n + 3); // + 3: the slack the engine's spike lists have
    const counts = new StaticArray<i32>(batch);
    let q = 0;
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < n; j++) {
        spiking[b * n + j] = rng.int(3) == 0;
        total[b * n + j] = (spiking[b * n + j] ? 1 : 0) + rng.int(4); // small range: many ties
        if (spiking[b * n + j]) { list[q++] = j; counts[b]++; }
      }
    }
    const acc = new StaticArray<f32>(batch * this.outSize);
    // gates hold each window's maximum count before this step (as the previous steps left them)
    const passes = new StaticArray<i32>(batch * this.outSize);
    const none = new StaticArray<bool>(batch * n);
    for (let b = 0; b < batch; b++)
      for (let oy = 0; oy < this.outH; oy++) for (let ox = 0; ox < this.outW; ox++) for (let c = 0; c < this.C; c++)
        passes[b * this.outSize + (oy * this.outW + ox) * this.C + c] = this.windowMax(total, spiking, b * n, oy, ox, c);
    const events = this.spikes(list, counts, batch, total, passes, acc);
    let passed = 0;
    for (let b = 0; b < batch; b++)
      for (let oy = 0; oy < this.outH; oy++) for (let ox = 0; ox < this.outW; ox++) for (let c = 0; c < this.C; c++) {
        const o = b * this.outSize + (oy * this.outW + ox) * this.C + c;
        const now = this.windowMax(total, none, b * n, oy, ox, c), before = this.windowMax(total, spiking, b * n, oy, ox, c);
        const want: f32 = <f32>(now - before); // 1 when the window's maximum rose, else 0
        expect(acc[o]).toBe(want);
        expect(passes[o]).toBe(now);
        if (want != 0) passed++;
      }
    expect(events).toBe(<f64>passed);
    expect(passed).toBeGreaterThan(0);
  }
}

/** One step of a 2x1 max-pool window whose inputs spike when a / b: counts updated, then the kernel. */
function gateStep(a: bool, b: bool, total: StaticArray<i32>, passes: StaticArray<i32>, acc: StaticArray<f32>): f64 {
  const winY = windows(2, 2, 2, 0, 1), winX = windows(1, 1, 1, 0, 1);
  const list = new StaticArray<i32>(2 + 3);
  let n = 0;
  if (a) { total[0]++; list[n++] = 0; }
  if (b) { total[1]++; list[n++] = 1; }
  const counts = new StaticArray<i32>(1);
  counts[0] = n;
  return maxPoolSpikes(ptr(list), ptr(counts), 1, 2, 1, 1, 1, 1, ptr(winY), ptr(winX), ptr(total), ptr(passes), ptr(acc));
}

describe("maxPoolSpikes", () => {
  it("one 2x1 window over four steps: a spike passes only when it raises the window's maximum count", () => {
    const total = new StaticArray<i32>(2), passes = new StaticArray<i32>(1), acc = new StaticArray<f32>(1);
    expect(gateStep(true, true, total, passes, acc)).toBe(1);   // both reach 1: one spike passes, not two
    expect(gateStep(false, true, total, passes, acc)).toBe(1);  // counts 1, 2: the second raises the maximum
    expect(gateStep(true, false, total, passes, acc)).toBe(0);  // counts 2, 2: no new maximum
    expect(gateStep(true, false, total, passes, acc)).toBe(1);  // counts 3, 2
    expect(acc[0]).toBe(3);
    expect(passes[0]).toBe(3);
  });

  it("2x2 stride 2 on 5x6x3 (last row in no window), random counts and spikes, batch 3", () => {
    new MaxPool(5, 6, 3, 2, 2, 0).checkRandom(1, 3);
  });

  it("3x3 stride 1 padding 1 (overlapping windows, padded positions never win), 10 random cases", () => {
    for (let s: u32 = 0; s < 10; s++) new MaxPool(4, 5, 2, 3, 1, 1).checkRandom(100 + s, 1 + <i32>(s % 3));
  });

  it("3x3 stride 2 padding 1 on 7x6x2, random counts and spikes", () => {
    new MaxPool(7, 6, 2, 3, 2, 1).checkRandom(7, 2);
  });
});

describe("maxPoolValues", () => {
  it("adds the window maximum of analog inputs, negatives included (3x3 stride 2 pad 1, batch 2)", () => {
    const p = new MaxPool(7, 6, 2, 3, 2, 1);
    const n = p.inSize;
    const x = new StaticArray<f32>(2 * n);
    for (let i = 0; i < 2 * n; i++) x[i] = <f32>((i * 7) % 13) - 9; // values in [-9, 3]
    const acc = new StaticArray<f32>(2 * p.outSize);
    for (let i = 0; i < 2 * p.outSize; i++) acc[i] = 0.5; // the maximum is added, not stored
    const cmp = maxPoolValues(ptr(x), 2, p.inH, p.inW, p.C, p.outH, p.outW, 3, 3, 2, 2, 1, 1, ptr(acc));
    let inside = 0;
    for (let b = 0; b < 2; b++)
      for (let oy = 0; oy < p.outH; oy++) for (let ox = 0; ox < p.outW; ox++) for (let c = 0; c < p.C; c++) {
        let m: f32 = -Infinity;
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
          const y = oy * 2 - 1 + ky, xx = ox * 2 - 1 + kx;
          if (y < 0 || y >= p.inH || xx < 0 || xx >= p.inW) continue;
          m = max(m, x[b * n + (y * p.inW + xx) * p.C + c]);
          inside++;
        }
        expect(acc[b * p.outSize + (oy * p.outW + ox) * p.C + c]).toBe(m + 0.5);
      }
    expect(cmp).toBe(<f64>inside);
  });
});

describe("countSpikes", () => {
  it("adds 1 per listed spike to each sample's running counts", () => {
    const list = new StaticArray<i32>(4 + 3);
    list[0] = 0; list[1] = 2; list[2] = 2; list[3] = 1;
    const counts: StaticArray<i32> = [3, 1];
    const total: StaticArray<i32> = [5, 0, 1, 0, 0, 0];
    countSpikes(ptr(list), ptr(counts), 2, 3, ptr(total));
    expect(total[0]).toBe(6);
    expect(total[1]).toBe(0);
    expect(total[2]).toBe(3);
    expect(total[3]).toBe(0);
    expect(total[4]).toBe(1);
    expect(total[5]).toBe(0);
  });
});
