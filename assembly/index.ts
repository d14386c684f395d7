// The WASM kernel registry: every export is a numeric, allocation-free kernel over host-planned
// linear memory. The TypeScript reference (src/reference/index.ts) exports the same names with the
// same signatures; src/sim/kernels.ts lists them once for both back ends.
export { neuronStep } from "./neuron";
export { denseSpikes, denseValues } from "./dense";
export { conv2dSpikes, conv2dValues } from "./conv2d";
export { poolSpikes, poolValues, maxPoolSpikes, maxPoolValues, countSpikes } from "./pool";
export { addSpikes, addInto, addScaledInto, concatSpikes, concatValues, biasActivate } from "./rows";
export { encodeSpikes } from "./encode";
export { loihiAccumulate, loihiAddSpikes, loihiConcatSpikes, loihiConv2dSpikes, loihiStep } from "./loihi";
export { loihiAccumulateSum, loihiConv2dSum, loihiDepthwiseSum, loihiStepIF } from "./loihi-fast";
export { condStep } from "./cond";
export { denseSpikesMasked, conv2dSpikesMasked } from "./masked";
