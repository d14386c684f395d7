/**
 * spikewasm: a spiking-neural-network engine in WebAssembly.
 *
 * The public API: the typed SNN graph (build, check, JSON round-trip), the Simulator over the WASM
 * kernels (or the TypeScript reference), input coding, and the error type.
 */
export * from "./ir/graph.js";
export { checkGraph, checkNeuron, windowOut, type GraphShapes } from "./ir/check.js";
export { graphToJson, graphFromJson, stringifyGraph, parseGraph, GRAPH_FORMAT, GRAPH_FORMAT_VERSION, type TensorJson } from "./ir/json.js";
export { Simulator, type SimulatorOptions, type RunOptions, type SimResult, type LayerRecord } from "./sim/simulator.js";
export { planMemory, WASM_MAX_BYTES, type MemoryPlan, type PopulationPlan, type SourcePlan } from "./sim/plan.js";
export { type InputCoding } from "./sim/input.js";
export { type Backend, type Kernels, KERNEL_NAMES, createWasmKernels, loadKernelModule } from "./sim/kernels.js";
export { createReferenceKernels } from "./reference/index.js";
export { SpikewasmError } from "./errors.js";
export { simulateLoihi, loihiWeight, LoihiNetError, type LoihiNet, type LoihiInput, type LoihiBlock, type LoihiConnection, type LoihiResult, type LoihiBlockTrace } from "./loihi/simulate.js";
export { quantizeGraph, withReset, SUBTRACT_RESET_NOTE, type QuantizeOptions, type QuantizeReport, type LayerQuantization, type LoihiGraph, type LoihiLayer } from "./loihi/quantize.js";
export { quantizeToLoihi, toLoihiNet, runQuantized, withInput, activeInputsOnly, regularSpikeTimes, type QuantizedNet } from "./loihi/net.js";
export { LoihiEngine, type LoihiRunResult, type LoihiLayerRecord } from "./loihi/engine.js";
export { evaluateLoihi, evaluateQuantized, loihiActivity, type EvaluateLoihiOptions, type LoihiEvaluation, type EvaluateQuantizedOptions, type QuantizedEvaluation } from "./loihi/evaluate.js";
export { Rng } from "./util/rng.js";
export { VERSION } from "./version.js";
export { LOIHI, LOIHI_SANAFE, LOIHI_CONSTANT_SETS, chipConstants, checkLoihiConstants, type ChipDescription, type Sourced, type SourceKind, type LoihiConstantSet } from "./targets/loihi.js";
export { mapToLoihi, bitsPerAxon, type LoihiMapping, type LayerMapping, type CoreUsage, type Box, type InputPlacement, type MapOptions, type ConvWeightStorage } from "./targets/mapping.js";
export { loihiCost, activityFromLayerRecords, barrierTime, tilesInUse, type LoihiCost, type LayerCost, type LayerActivityPerInference, type LoihiCostOptions } from "./targets/cost.js";
export { LOIHI_SYSTEM, LOIHI_FLOWS, checkLoihiFlow, systemConstants, type LoihiFlow, type LoihiSystemDescription } from "./targets/loihi-system.js";
export { loihiFlows, flowsOfEvaluation, inputLayersOf, type LoihiFlows, type FlowCost, type FlowBreakdown, type FlowInputs } from "./targets/loihi-flows.js";
export { loihiNetCost, mapLoihiNet, netActivity, type NetCost } from "./loihi/net-cost.js";
export { importOnnx, requireConvertible, type OnnxImport, type OnnxNodeReport } from "./onnx/import.js";
export { type AnnGraph, type AnnNode, annShapes, annParams, annMacs } from "./ir/ann.js";
export { inferAnn, argmax } from "./ann/infer.js";
export { createAnnRunner, type AnnRunner } from "./ann/infer-wasm.js";
export { convertAnn, resolveConvertOptions, type ConvertOptions, type ConversionReport } from "./convert/convert.js";
export { evaluateSnn, type EvaluateOptions, type SnnEvaluation, type Readout } from "./convert/evaluate.js";
export { loadImages, loadLabels, type ImageSet, type LoadImagesOptions } from "./data/dataset.js";
export { runPipeline, type RunInputs, type RunOptions as PipelineOptions, type RunReport } from "./pipeline/run.js";
export { TARGET_NAMES, loihiTarget, ncs2Target, compareTargets, tradeoffSteps, type TargetReport, type TradeoffRow } from "./pipeline/targets.js";
export { NCS2, ncs2Cost, ncs2Constants, type Ncs2Description, type Ncs2Cost } from "./targets/ncs2.js";
export { OSTRAU_PROTOCOL, PROTOCOLS, getProtocol, type Protocol, type ProtocolName } from "./protocol/ostrau.js";
export { uniqueArgmax } from "./convert/evaluate.js";
export { SNABSUITE_IF_COND_EXP } from "./reference/cond.js";
export { snabsuiteEnergy } from "./targets/snabsuite.js";
export { convertCalibrated, type CalibrationOptions, type CalibrationReport, type CalibratedConversion } from "./convert/calibrate/index.js";
export { mseLambda, quantizeActivation } from "./convert/calibrate/threshold.js";
export { correctBiases, type BiasCorrectionLayer } from "./convert/calibrate/bias.js";
export { tuneSpace, type TuneSetting, type TuneResult, type TuneExclusion } from "./convert/calibrate/tune.js";
export { inputBiases } from "./loihi/input-bias.js";
export { pickMembrane } from "./loihi/evaluate.js";
