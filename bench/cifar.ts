/**
 * `npm run bench:cifar`: the CIFAR-shaped VGG-11 and ResNet-18 of bench/cifar-nets.ts on the engine, T = 64,
 * one thread. Per network: memory plan at batch 1 and the batch chosen from it for the 4 GiB WebAssembly
 * limit (src/sim/fit-batch.ts), ms per image and synaptic events per second at batch 1 and 8.
 * Untrained: the rows measure the engine, not accuracy.
 */
import { cpus } from "node:os";
import { fitBatch } from "../src/sim/fit-batch.js";
import { planMemory } from "../src/sim/plan.js";
import { VERSION } from "../src/version.js";
import { measure, resnet18, vgg11 } from "./cifar-nets.js";

const T = 64;
console.log(`spikewasm ${VERSION} CIFAR-shaped benchmarks, T = ${T}, one thread, ${cpus()[0]?.model ?? "?"} (${cpus().length} cores), node ${process.versions.node}`);
for (const [name, make] of [["VGG-11", vgg11], ["ResNet-18", resnet18]] as const) {
  const g = make();
  const one = planMemory(g, 1), fit = fitBatch(g, 4096);
  console.log(`${name}: ${g.nodes.length} nodes, memory ${(one.totalBytes / 2 ** 20).toFixed(1)} MiB at batch 1 (${(one.parameterBytes / 2 ** 20).toFixed(1)} MiB parameters), ` +
    `largest batch within 4 GiB: ${fit.batch}`);
  for (const b of [1, 8]) {
    const m = await measure(name, g, b, T);
    console.log(`  batch ${b}: ${m.msPerImage.toFixed(0)} ms/image, ${(m.eventsPerImage / 1e9).toFixed(3)} G synaptic events/image, ${(m.eventsPerS / 1e9).toFixed(2)} G events/s, ` +
      `mean rate ${m.rate.toFixed(3)} spikes/neuron/step, ${(m.memoryBytes / 2 ** 20).toFixed(0)} MiB`);
  }
}
