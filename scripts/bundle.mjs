// Bundles the library with esbuild: dist/index.js (Node, ESM, dependencies external),
// dist/browser.js (browser, ESM, self-contained: the WASM module is inlined as base64 by
// src/generated/kernels-wasm.ts), dist/cli.js (the executable), dist/eval-worker.js (its worker threads)
// and dist/bench/run.js.
import { build } from "esbuild";
import { chmodSync } from "node:fs";

const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning" };
await Promise.all([
  build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "node", packages: "external" }),
  build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/browser.js", platform: "browser", minify: true }),
  build({ ...common, entryPoints: ["src/bin.ts"], outfile: "dist/cli.js", platform: "node", packages: "external", banner: { js: "#!/usr/bin/env node" } }),
  // worker thread of the parallel SNN evaluation, found next to dist/cli.js (src/convert/parallel.ts)
  build({ ...common, entryPoints: ["src/convert/eval-worker.ts"], outfile: "dist/eval-worker.js", platform: "node", packages: "external" }),
  build({ ...common, entryPoints: ["bench/run.ts"], outfile: "dist/bench/run.js", platform: "node", packages: "external" }),
  // the Loihi system fit against ../shared/LOIHI_MEASURED.md (npm run fit:loihi)
  build({ ...common, entryPoints: ["bench/crossover.ts"], outfile: "dist/bench/crossover.js", platform: "node", packages: "external" }),
  build({ ...common, entryPoints: ["bench/loihi-fit.ts"], outfile: "dist/bench/loihi-fit.js", platform: "node", packages: "external" }),
  // CIFAR-shaped VGG-11 and ResNet-18 on the engine (npm run bench:cifar)
  build({ ...common, entryPoints: ["bench/cifar.ts"], outfile: "dist/bench/cifar.js", platform: "node", packages: "external" }),
  // the integer Loihi engine against the float engine on the bundled CNN (npm run bench:loihi-speed)
  build({ ...common, entryPoints: ["bench/loihi-speed.ts"], outfile: "dist/bench/loihi-speed.js", platform: "node", packages: "external" }),
  // the converted SNN side by side with the torch peer (npm run bench:peers)
  build({ ...common, entryPoints: ["bench/peer-speed.ts"], outfile: "dist/bench/peer-speed.js", platform: "node", packages: "external" }),
  // two kernel builds swapped in one process on one network (bench/kernel-ab.ts)
  build({ ...common, entryPoints: ["bench/kernel-ab.ts"], outfile: "dist/bench/kernel-ab.js", platform: "node", packages: "external" }),
]);
chmodSync("dist/cli.js", 0o755);
console.log("spikewasm: bundled dist/index.js, dist/browser.js, dist/cli.js, dist/eval-worker.js, dist/bench/run.js, dist/bench/crossover.js, dist/bench/loihi-fit.js, dist/bench/cifar.js, dist/bench/loihi-speed.js, dist/bench/peer-speed.js, dist/bench/kernel-ab.js");
