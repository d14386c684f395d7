// Unit tests of conv2dSpikes / conv2dValues (assembly/conv2d.ts) against a straightforward dense
// convolution (ONNX Conv: cross-correlation, zero padding, groups, dilation) computed here.
// Input and acc are channels-last [H][W][C]; ONNX weights W[Cout][CinG][KH][KW] are permuted to
// Wt[Cin][KH][KW][CoutG] as the kernel expects.
import { conv2dSpikes, conv2dValues } from "../../assembly/conv2d";

function ptr<T>(a: StaticArray<T>): usize { return changetype<usize>(a); }

/** Tap table of one axis, i32[n][1 + 2k] = [count, k0, o0, ...]: the (kk, o) with p + pad - kk*d == o*s. */
function taps(n: i32, k: i32, s: i32, pad: i32, d: i32, outN: i32): StaticArray<i32> {
  const row = 1 + 2 * k;
  const t = new StaticArray<i32>(n * row);
  for (let p = 0; p < n; p++) {
    let c = 0;
    for (let o = 0; o < outN; o++) for (let kk = 0; kk < k; kk++) {
      if (o * s - pad + kk * d != p) continue;
      t[p * row + 1 + 2 * c] = kk;
      t[p * row + 2 + 2 * c] = o;
      c++;
    }
    t[p * row] = c;
  }
  return t;
}

class Conv {
  outH: i32; outW: i32; cinG: i32; coutG: i32;
  w: StaticArray<f32>;  // ONNX layout [Cout][CinG][KH][KW]
  wt: StaticArray<f32>; // kernel layout [Cin][KH][KW][CoutG]
  tapsY: StaticArray<i32>;
  tapsX: StaticArray<i32>;

  constructor(public inH: i32, public inW: i32, public inC: i32, public outC: i32, public k: i32,
              public s: i32, public pad: i32, public d: i32, public groups: i32) {
    const outH = (inH + 2 * pad - d * (k - 1) - 1) / s + 1;
    const outW = (inW + 2 * pad - d * (k - 1) - 1) / s + 1;
    this.outH = outH;
    this.outW = outW;
    const cinG = inC / groups;
    const n = outC * cinG * k * k;
    this.cinG = cinG;
    this.coutG = outC / groups;
    this.w = new StaticArray<f32>(n);
    this.wt = new StaticArray<f32>(n);
    this.tapsY = taps(inH, k, s, pad, d, outH);
    this.tapsX = taps(inW, k, s, pad, d, outW);
    for (let i = 0; i < n; i++) this.w[i] = <f32>(i + 1) * 0.25; // distinct, exactly representable
    for (let c = 0; c < inC; c++) {
      const g = c / this.cinG;
      for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) for (let o = 0; o < this.coutG; o++) {
        this.wt[((c * k + ky) * k + kx) * this.coutG + o] = this.weight(g * this.coutG + o, c - g * this.cinG, ky, kx);
      }
    }
  }
  weight(oc: i32, cl: i32, ky: i32, kx: i32): f32 { return this.w[((oc * this.cinG + cl) * this.k + ky) * this.k + kx]; }
  get outSize(): i32 { return this.outH * this.outW * this.outC; }
  get inSize(): i32 { return this.inH * this.inW * this.inC; }

  /** Dense reference: out[oy][ox][oc] = sum W[oc][cl][ky][kx] * x[iy][ix][g*CinG + cl]. */
  reference(x: StaticArray<f32>): StaticArray<f32> {
    const out = new StaticArray<f32>(this.outSize);
    for (let oy = 0; oy < this.outH; oy++) for (let ox = 0; ox < this.outW; ox++) for (let oc = 0; oc < this.outC; oc++) {
      const g = oc / this.coutG;
      let sum: f32 = 0;
      for (let cl = 0; cl < this.cinG; cl++) for (let ky = 0; ky < this.k; ky++) for (let kx = 0; kx < this.k; kx++) {
        const iy = oy * this.s - this.pad + ky * this.d;
        const ix = ox * this.s - this.pad + kx * this.d;
        if (iy < 0 || iy >= this.inH || ix < 0 || ix >= this.inW) continue;
        sum += this.weight(oc, cl, ky, kx) * x[(iy * this.inW + ix) * this.inC + g * this.cinG + cl];
      }
      out[(oy * this.outW + ox) * this.outC + oc] = sum;
    }
    return out;
  }

  spikes(list: StaticArray<i32>, counts: StaticArray<i32>, batch: i32, acc: StaticArray<f32>): f64 {
    return conv2dSpikes(ptr(list), ptr(counts), batch, this.inH, this.inW, this.inC, ptr(this.wt),
      this.outH, this.outW, this.outC, this.k, this.k, this.groups, ptr(this.tapsY), ptr(this.tapsX), ptr(acc));
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
      let nonzero = 0;
      for (let i = 0; i < this.outSize; i++) {
        expect(acc[i]).toBe(want[i]);
        if (want[i] != 0) nonzero++;
      }
      expect(events).toBe(<f64>nonzero); // weights are non-zero: one event per touched output
    }
  }
}

describe("conv2dSpikes", () => {
  it("one-hot spikes, 3x3 stride 2 pad 1, groups 1, non-square input", () => {
    new Conv(5, 7, 2, 3, 3, 2, 1, 1, 1).checkOneHot();
  });

  it("one-hot spikes, depthwise (groups = C, 2 outputs per channel), stride 2 pad 1", () => {
    new Conv(6, 5, 3, 6, 3, 2, 1, 1, 3).checkOneHot();
  });

  it("one-hot spikes, depthwise with Cout = C", () => {
    new Conv(4, 4, 4, 4, 3, 1, 1, 1, 4).checkOneHot();
  });

  it("one-hot spikes, dilation 2, pad 2", () => {
    new Conv(6, 7, 2, 2, 3, 1, 2, 2, 1).checkOneHot();
  });

  it("spike lists of two samples accumulate into their own outputs", () => {
    const cv = new Conv(5, 5, 2, 4, 3, 2, 1, 1, 2);
    const n = cv.inSize;
    const list: StaticArray<i32> = [0, 13, 27, 49, 5, 13, 44];
    const counts: StaticArray<i32> = [4, 3];
    const acc = new StaticArray<f32>(2 * cv.outSize);
    cv.spikes(list, counts, 2, acc);
    for (let b = 0; b < 2; b++) {
      const x = new StaticArray<f32>(n);
      for (let k = 0; k < counts[b]; k++) x[list[b == 0 ? k : 4 + k]] = 1;
      const want = cv.reference(x);
      for (let i = 0; i < cv.outSize; i++) expect(acc[b * cv.outSize + i]).toBe(want[i]);
    }
  });
});

describe("conv2dValues", () => {
  it("analog input equals the dense convolution (groups 2, stride 2, dilation 2)", () => {
    const cv = new Conv(7, 6, 4, 6, 3, 2, 2, 2, 2);
    const x = new StaticArray<f32>(cv.inSize);
    for (let i = 0; i < cv.inSize; i++) x[i] = i % 5 == 0 ? 0 : <f32>(i % 7) - 3; // small integers, exact sums
    const acc = new StaticArray<f32>(cv.outSize);
    conv2dValues(ptr(x), 1, cv.inH, cv.inW, cv.inC, ptr(cv.wt), cv.outH, cv.outW, cv.outC, 3, 3, 2, ptr(cv.tapsY), ptr(cv.tapsX), ptr(acc));
    const want = cv.reference(x);
    for (let i = 0; i < cv.outSize; i++) expect(acc[i]).toBe(want[i]);
  });
});
