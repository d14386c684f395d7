/**
 * Intel Neural Compute Stick 2 (NCS2: one Movidius Myriad X MA2485 VPU on USB 3, FP16 through
 * OpenVINO's MYRIAD plugin) as data, and a per-inference latency/power/energy model of a DNN on it —
 * the DNN side of the spiking-vs-conventional comparison (issue 4, item 6).
 *
 * MODEL (one synchronous request of `batch` inputs, as OpenVINO's `infer()` runs it):
 *
 *   t_compute = (MACs − MACs_dense) / R_conv + MACs_dense / R_dense      (per input)
 *   latency   = t_0 + batch · t_compute
 *   inferences/s = batch / latency
 *   energy per inference = P_run · latency / batch
 *   dynamic energy per inference = (P_run − P_idle) · latency / batch
 *
 * t_0 is the fixed cost of a request (host API call, USB transfer of input and output, dispatch on
 * the device); R_conv the effective MAC rate on convolutional networks; R_dense the (much lower)
 * effective MAC rate measured on a network of fully-connected layers; MACs_dense the share of the
 * network's MACs in fully-connected (Gemm/MatMul) layers — 0 unless the caller says otherwise, which
 * gives the plain `latency = t_0 + MACs / R` of a one-rate model.
 *
 * WHERE THE NUMBERS COME FROM (every constant below is a `Sourced`; see its note):
 *   measured — idle power 0.496 W (ABR's USB-meter log of an idle NCS2), Intel's stated NCS2 power
 *              (2.5 W, OpenVINO 2020.4 benchmark configuration table), Intel's nominal 1 TOPS for DNNs
 *              (two Neural Compute Engines) and 4 TOPS total, and the raw measurements the derived
 *              constants are computed from (the `calibration` group);
 *   derived  — t_0 and R_conv, solved exactly from two published synchronous batch-1 NCS2 runs: ABR's
 *              keyword spotter (172,800 MACs, 418,102 inferences in 900 s) and Alasdair Allan's SSD
 *              MobileNet v2 300×300 over USB 3 (80.4 ms; ≈ 1.89 GMAC from Open Model Zoo's 3.775 GFLOPs);
 *              R_dense from an OpenVINO issue's benchmark_app run of a 784-512-200-10 MLP; running
 *              power as the mean of ABR's USB-meter log during the keyword-spotter run;
 *   assumed  — that MACs alone (plus the dense share) predict latency: layer types, tensor shapes,
 *              memory traffic, SHAVE-vs-NCE placement and host/USB generation all change the real
 *              figure; that batching amortises t_0 (not measured here); that power is the same for
 *              every network (it was measured on a tiny one; Intel's 2.5 W is the stated ceiling).
 *
 * NOT FOUND: the NCS2 power/latency tables of Libutti et al. 2020 ("Benchmarking performance and
 * power of USB accelerators for inference with MLPerf") and of Chandarana et al. 2022 (NCS2 vs Loihi
 * on MNIST-type nets) — only their abstracts were retrievable, so no number here comes from them; no
 * OpenVINO per-model NCS2 throughput table was retrievable either (Intel publishes those as images/
 * spreadsheets). A measured NCS2 power under a heavy CNN load was not found.
 */
import { SpikewasmError } from "../errors.js";
import type { Sourced } from "./loihi.js";

/** The NCS2 as the cost model sees it. */
export interface Ncs2Description {
  name: string;
  power: {
    /** board (USB) power while inferring, W */
    runningW: Sourced;
    /** board power idle (plugged in, no inference), W */
    idleW: Sourced;
    /** Intel's stated power dissipation of the stick, W (reference / upper bound; not used in the formula) */
    statedMaxW: Sourced;
  };
  throughput: {
    /** effective MAC/s on convolutional networks, batch 1 */
    macsPerS: Sourced;
    /** effective MAC/s measured on fully-connected layers */
    denseMacsPerS: Sourced;
    /** nominal DNN throughput of the two Neural Compute Engines (reference only) */
    dnnPeakOpsPerS: Sourced;
    /** nominal total throughput of the Myriad X (reference only) */
    totalPeakOpsPerS: Sourced;
  };
  time: {
    /** fixed cost of one synchronous request: API call, USB transfer, dispatch */
    overheadS: Sourced;
  };
  /** the published raw figures the derived constants are computed from */
  calibration: {
    kwsMacs: Sourced;
    kwsInferences: Sourced;
    kwsSeconds: Sourced;
    ssdMobilenetV2Flops: Sourced;
    ssdMobilenetV2LatencyS: Sourced;
    mlpMacs: Sourced;
    mlpInferencesPerS: Sourced;
  };
}

const ABR = "abr/power_benchmarks (Blouw et al., 'Benchmarking Keyword Spotting Efficiency on Neuromorphic Hardware', arXiv:1812.01739; NCS2 run dated 2019-09-10)";
const ABR_RUN_JSON = `${ABR}, logs/running/ncs2_ncopies_1.json @ 463e9ef15faf93b12454da88fc3197c6482dcf32`;
const ABR_RUN_CSV = `${ABR}, logs/running/ncs2_ncopies_1.csv @ fce95c86615ab978755a9bc52daa882a7ef38278`;
const ABR_IDLE_CSV = `${ABR}, logs/idle/ncs2_idle.csv @ 463e9ef15faf93b12454da88fc3197c6482dcf32`;
const ABR_METHOD = "power read from an inline USB voltage/current meter (README.rst describes an Adafruit 1852 meter for the Movidius runs; the NCS2 logs have the same Power/Volts/Amps columns, currents logged to 0.01 A); " +
  "inference loop = run_benchmark.py --movidius_2, MovidiusModelV2.predict_text = synchronous exec_net.infer, batch 1, Python host loop";
const ALLAN = "aallan/benchmarking-ml-on-the-edge (Alasdair Allan), README.md @ 165f81aa10ab7eff59294f78df7e616d107bb424: " +
  "table row 'Intel NCS2 | OpenVINO | USB3 | 80.4 | 52.8' (ms; USB2: 118.6 / 87.2)";
const ALLAN_METHOD = "benchmark_intel.py @ 3eed6c34: IEPlugin('MYRIAD'), synchronous exec_net.infer in a timed loop after one discarded warm-up run, batch 1; " +
  "model ssd_mobilenet_v2/openvino_for_intel_ncs/ssd_mobilenet_v2.xml = TF Object Detection API SSD + FeatureExtractor/MobilenetV2, FP16, input 1×3×300×300";
const OMZ_SSD = "OpenVINO Open Model Zoo, ssd_mobilenet_v2_coco model page (docs.openvino.ai/2021.4/omz_models_model_ssd_mobilenet_v2_coco.html): GFLOPs 3.775, MParams 16.818";
const OMZ_FLOP_CONVENTION = "OMZ's GFLOPs count 2 FLOPs per MAC: its mobilenet-v1-1.0-224 page lists 1.148 GFLOPs for a network of 569 M mult-adds (Howard et al. 2017, arXiv:1704.04861)";
const OV_ISSUE = "openvinotoolkit/openvino issue #9784 'Inference Speed' (2022-01-20; also Intel support article 000089522)";
const INTEL_NCE = "Intel, 'Optimize Networks for the Intel Neural Compute Stick 2 (Intel NCS 2)' (software.intel.com/en-us/articles/neural-compute-stick-2-optimizing-networks, updated 2018-11-14)";
const OV_BENCH = "openvinotoolkit/openvino docs/benchmarks/performance_benchmarks.md (release 2020.4), 'Accelerator Inference Engines' platform table";

const KWS_MACS = 390 * 256 + 256 * 256 + 256 * 29; // 172,800
const MLP_MACS = 784 * 512 + 512 * 200 + 200 * 10; // 505,808
const KWS_INFERENCES = 418102;
const KWS_SECONDS = 900;
const SSD_FLOPS = 3.775e9;
const SSD_LATENCY_S = 80.4e-3;
const MLP_INF_PER_S = 5525.09;

/** Two-point fit: latency = t0 + MACs / R through (KWS_MACS, 900/418102 s) and (SSD_FLOPS/2, 80.4 ms). */
const KWS_T = KWS_SECONDS / KWS_INFERENCES;
const SSD_MACS = SSD_FLOPS / 2;
const FIT_R = (SSD_MACS - KWS_MACS) / (SSD_LATENCY_S - KWS_T);
const FIT_T0 = KWS_T - KWS_MACS / FIT_R;

/** Intel NCS2 with the published figures found (see the module header). */
export const NCS2: Ncs2Description = {
  name: "ncs2",
  power: {
    runningW: { value: 1.44, unit: "W", kind: "derived", source: `${ABR_RUN_CSV}: 'Power' column while ${ABR_RUN_JSON} ran`,
      note: `mean of the 39 readings stamped 2019-09-10 (the run's dates): 1.439 W (all 60 rows of the file: 1.431 W; range 1.35–1.55 W; ≈ 4.82 V × 0.29–0.32 A), rounded to 1.44 W. ${ABR_METHOD}. ` +
        "Measured on a tiny network (172,800 MACs at 465 inferences/s), i.e. mostly USB/dispatch activity; a CNN that keeps the compute engines busy may draw more — Intel states 2.5 W (power.statedMaxW)" },
    idleW: { value: 0.496, unit: "W", kind: "measured", source: `${ABR_IDLE_CSV}: every reading 0.496 W (4.96 V × 0.1 A)`,
      note: `${ABR_METHOD}. With currents logged to 0.01 A the figure is good to about ±0.05 W` },
    statedMaxW: { value: 2.5, unit: "W", kind: "measured", source: `${OV_BENCH}: 'Power dissipation, TDP in Watt' = 2.5 for Intel Neural Compute Stick 2 (1 × Myriad X MA2485, USB 2.0/3.0, FP16, 4 concurrent requests)`,
      note: "Intel's stated figure, not a measurement of a given network; kept as reference and upper bound of runningW" },
  },
  throughput: {
    macsPerS: { value: FIT_R, unit: "MAC/s", kind: "derived", source: `two synchronous batch-1 NCS2 runs: ${ABR_RUN_JSON} and ${ALLAN}`,
      note: `fit latency = t0 + MACs/R through (172,800 MACs, 900 s / 418,102 = 2.1526 ms) and (3.775e9/2 = 1.8875e9 MACs, 80.4 ms): ` +
        `R = (1.8875e9 − 172,800) / (0.0804 − 0.0021526) s ≈ 2.412e10 MAC/s (24.1 GMAC/s ≈ 48 GOPS, ≈ 5 % of the nominal 1 TOPS). ` +
        `SSD MACs: ${OMZ_SSD}; ${OMZ_FLOP_CONVENTION}; that Allan's IR is the same architecture as OMZ's ssd_mobilenet_v2_coco is inferred from its layer names and input shape. ` +
        `The two runs used different hosts (neither README names the NCS2 host; Allan's table gives the USB generation) and the SSD figure includes its detection post-processing on the stick. ` +
        "With the USB2 SSD figure (118.6 ms) the same fit gives ≈ 16.2 GMAC/s" },
    denseMacsPerS: { value: MLP_INF_PER_S * MLP_MACS, unit: "MAC/s", kind: "derived", source: `${OV_ISSUE}: NCS2 benchmark_app 'Count: 2596 iterations, Duration: 60141.63 ms, Latency: 92.60 ms, Throughput: 5525.09 FPS' for a 784-512-200-10 MLP, input [128,1,28,28]`,
      note: "MACs per input 784·512 + 512·200 + 200·10 = 505,808; 5525.09 inputs/s × 505,808 = 2.795e9 MAC/s. A throughput-mode figure (batch 128, several requests in flight), so request overhead is included and hidden by pipelining; " +
        "subtracting t0 from the 23.17 ms per 128-input iteration would give ≈ 3.1e9. Fully-connected layers ran ≈ 8.6× below the fitted convolutional rate (2.41e10 / 2.795e9)" },
    dnnPeakOpsPerS: { value: 1e12, unit: "op/s", kind: "measured", source: `${INTEL_NCE}: with two Neural Compute Engines the Myriad X is capable of 1 TOPS on DNN inference`,
      note: "nominal; the op convention (a MAC = 2 ops?) is not stated by Intel. Reference only" },
    totalPeakOpsPerS: { value: 4e12, unit: "op/s", kind: "measured", source: "HWSW (hwsw.hu, news 59632, 2018-11) on the NCS2 launch: Myriad X (MA2485, 16 SHAVE cores, TSMC 16 nm) delivers 4 TOPS in total, the NCE ≈ 1 TOPS",
      note: "Intel's marketing total for the whole VPU (NCE + SHAVEs + fixed-function blocks) as reported by the press; Intel's own product page was not retrievable here. Reference only" },
  },
  time: {
    overheadS: { value: FIT_T0, unit: "s", kind: "derived", source: `same two-point fit as throughput.macsPerS (${ABR_RUN_JSON}; ${ALLAN})`,
      note: "t0 = 900 s / 418,102 − 172,800 / R = 2.1526 ms − 0.0072 ms ≈ 2.145 ms: the keyword spotter's time per synchronous inference is almost all request overhead " +
        "(Python loop + OpenVINO infer() + USB round trip of a 390-value input and 29-value output). Larger inputs cost more USB time (a 300×300×3 image is folded into R by the fit)" },
  },
  calibration: {
    kwsMacs: { value: KWS_MACS, unit: "MAC", kind: "derived", source: `${ABR}, paper/power_summary.tex: 390-dimensional input frame, two 256-unit hidden layers, 29-dimensional output`,
      note: "390·256 + 256·256 + 256·29 = 172,800 MACs per inference (biases and activations not counted)" },
    kwsInferences: { value: KWS_INFERENCES, unit: "inferences", kind: "measured", source: `${ABR_RUN_JSON}: "n_inferences": 418102` },
    kwsSeconds: { value: KWS_SECONDS, unit: "s", kind: "measured", source: `${ABR_RUN_JSON}: "n_seconds": 900 ("inf_per_second": 464.5578)` },
    ssdMobilenetV2Flops: { value: SSD_FLOPS, unit: "FLOP", kind: "measured", source: OMZ_SSD, note: OMZ_FLOP_CONVENTION },
    ssdMobilenetV2LatencyS: { value: SSD_LATENCY_S, unit: "s", kind: "measured", source: ALLAN, note: ALLAN_METHOD },
    mlpMacs: { value: MLP_MACS, unit: "MAC", kind: "derived", source: `${OV_ISSUE}: nn.Linear(784, 512), nn.Linear(512, 200), nn.Linear(200, 10)`,
      note: "784·512 + 512·200 + 200·10 = 505,808 MACs per input" },
    mlpInferencesPerS: { value: MLP_INF_PER_S, unit: "inferences/s", kind: "measured", source: `${OV_ISSUE}: benchmark_app on MYRIAD, 'Throughput: 5525.09 FPS'`,
      note: "2596 iterations × 128 inputs / 60.14163 s = 5525.1" },
  },
};

/** Every constant of an NCS2 description as a flat list (for reports): path, value, unit, kind, source. */
export function ncs2Constants(desc: Ncs2Description): Array<{ name: string } & Sourced> {
  const out: Array<{ name: string } & Sourced> = [];
  for (const [group, obj] of Object.entries(desc)) {
    if (typeof obj !== "object" || obj === null) continue;
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (v && typeof v === "object" && "value" in v) out.push({ name: `${group}.${k}`, ...(v as Sourced) });
    }
  }
  return out;
}

/** Constants a caller may replace (each replacement is reported as kind "assumed"). */
export interface Ncs2Overrides {
  powerW: number;
  macsPerS: number;
  overheadS: number;
  denseMacsPerS: number;
}

export interface Ncs2CostOptions {
  description?: Ncs2Description;
  /** inputs per synchronous request (default 1): latency = t0 + batch·t_compute */
  batch?: number;
  /** of `macs`, how many are in fully-connected (Gemm/MatMul) layers, priced at throughput.denseMacsPerS (default 0) */
  denseMacs?: number;
  overrides?: Partial<Ncs2Overrides>;
}

/** One constant as used by ncs2Cost. */
export interface Ncs2Source {
  name: string;
  value: number;
  unit: string;
  kind: Sourced["kind"];
  source: string;
  note?: string;
}

/** What ncs2Cost returns. */
export interface Ncs2Cost {
  target: "ncs2";
  macs: number;
  batch: number;
  /** seconds for one request of `batch` inputs (the latency each of them sees) */
  latencyS: number;
  /** of latencyS: the fixed request overhead t0 */
  overheadS: number;
  /** of latencyS: batch × compute time */
  computeS: number;
  inferencesPerS: number;
  /** board power while inferring */
  powerW: number;
  /** powerW × latencyS / batch */
  energyPerInferenceJ: number;
  /** (powerW − idle power) × latencyS / batch: the energy above idle */
  dynamicEnergyPerInferenceJ: number;
  sources: Ncs2Source[];
  notes: string[];
}

const finiteNonNeg = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0;

function pick(c: Sourced, name: string, override: number | undefined): Ncs2Source {
  if (override === undefined) return { name, value: c.value, unit: c.unit, kind: c.kind, source: c.source, ...(c.note ? { note: c.note } : {}) };
  return { name, value: override, unit: c.unit, kind: "assumed", source: "caller override (options.overrides)",
    note: `replaces ${c.value} ${c.unit} (${c.kind}; ${c.source})` };
}

/**
 * Latency, throughput, power and energy of one inference of a DNN of `macs` multiply-accumulates on
 * an NCS2 (see the module header for the model). Throws SpikewasmError for invalid arguments.
 */
export function ncs2Cost(macs: number, options: Ncs2CostOptions = {}): Ncs2Cost {
  if (!finiteNonNeg(macs)) throw new SpikewasmError(`ncs2Cost: macs must be a finite number >= 0, got ${String(macs)}`);
  const desc = options.description ?? NCS2;
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new SpikewasmError(`ncs2Cost: batch must be an integer >= 1, got ${String(batch)}`);
  const denseMacs = options.denseMacs ?? 0;
  if (!finiteNonNeg(denseMacs) || denseMacs > macs) {
    throw new SpikewasmError(`ncs2Cost: denseMacs must be a finite number in [0, macs = ${macs}], got ${String(denseMacs)}`);
  }
  const ov = options.overrides ?? {};
  const known = new Set(["powerW", "macsPerS", "overheadS", "denseMacsPerS"]);
  for (const [k, v] of Object.entries(ov)) {
    if (!known.has(k)) throw new SpikewasmError(`ncs2Cost: unknown override '${k}' (allowed: ${[...known].join(", ")})`);
    if (v === undefined) continue;
    const ok = k === "overheadS" ? finiteNonNeg(v) : finiteNonNeg(v) && v > 0;
    if (!ok) throw new SpikewasmError(`ncs2Cost: overrides.${k} must be a finite number ${k === "overheadS" ? ">= 0" : "> 0"}, got ${String(v)}`);
  }
  const power = pick(desc.power.runningW, "power.runningW", ov.powerW);
  const rate = pick(desc.throughput.macsPerS, "throughput.macsPerS", ov.macsPerS);
  const overhead = pick(desc.time.overheadS, "time.overheadS", ov.overheadS);
  const idle = pick(desc.power.idleW, "power.idleW", undefined);
  const sources: Ncs2Source[] = [overhead, rate, power, idle];
  let perInputS = (macs - denseMacs) / rate.value;
  if (denseMacs > 0) {
    const dense = pick(desc.throughput.denseMacsPerS, "throughput.denseMacsPerS", ov.denseMacsPerS);
    sources.push(dense);
    perInputS += denseMacs / dense.value;
  }
  const computeS = batch * perInputS;
  const latencyS = overhead.value + computeS;
  const notes = [
    "latency = t0 + batch·((MACs − denseMACs)/R + denseMACs/R_dense): MACs alone set the compute time; layer shapes, memory traffic, SHAVE fallback layers and the host's USB generation are not modelled",
    `t0 and R are fitted to two synchronous batch-1 runs (a 172,800-MAC MLP and SSD MobileNet v2 300×300 over USB 3); networks far outside that range are extrapolations`,
    "power is the board power measured while a tiny network ran (≈ 1.44 W); Intel states 2.5 W for the stick — a heavily loaded CNN may draw more",
  ];
  if (denseMacs === 0 && macs > 0) {
    notes.push("denseMacs = 0: fully-connected layers priced at the convolutional rate; on the NCS2 they measured ≈ 8.6× slower (pass options.denseMacs for nets with large Gemm/MatMul layers)");
  }
  if (batch > 1) notes.push(`batch ${batch}: one request carries ${batch} inputs and pays t0 once (an assumption; batching on the NCS2 was not measured here)`);
  if (latencyS === 0) throw new SpikewasmError("ncs2Cost: latency is 0 (macs = 0 and overheadS = 0): inferences/s and power per inference are undefined");
  return {
    target: "ncs2", macs, batch, latencyS, overheadS: overhead.value, computeS,
    inferencesPerS: batch / latencyS,
    powerW: power.value,
    energyPerInferenceJ: (power.value * latencyS) / batch,
    dynamicEnergyPerInferenceJ: (Math.max(0, power.value - idle.value) * latencyS) / batch,
    sources, notes,
  };
}
