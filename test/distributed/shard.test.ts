/**
 * `run --shard k/n` + `merge`: the merged report equals the one-process report bit for bit apart from
 * timings (Poisson input, so every batch's seed must be the one-process one; uneven shards, one empty),
 * and every way of getting the parts wrong is a named error, exit 2, with no output written.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { parseShard, shardRange } from "../../src/distributed/shard.js";
import { captureConsole } from "../helpers/console.js";

const err = captureConsole();
const dir = mkdtempSync(join(tmpdir(), "spikewasm-shard-"));
const base = ["run", "--limit", "70", "-T", "12", "-b", "16", "--calibration-samples", "100", "--coding", "poisson", "--rate", "0.5", "--seed", "3", "--target", "ncs2"];
/** The report without its timing, as text (key order included). */
const untimed = (file: string) => JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), seconds: 0 }, null, 2);

describe("shard ranges", () => {
  it("cut whole batches, cover the set once, and may be empty", () => {
    for (const [total, batch, n] of [[70, 16, 3], [70, 16, 8], [10000, 32, 7], [5, 32, 2]]) {
      let next = 0;
      for (let k = 1; k <= n; k++) {
        const r = shardRange(total, batch, k, n);
        expect(r.start).toBe(next);
        if (r.count > 0 && r.start + r.count < total) expect(r.count % batch).toBe(0);
        next += r.count;
      }
      expect(next).toBe(total);
    }
  });

  it("k/n is parsed or refused by name", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    for (const bad of ["0/3", "4/3", "1/0", "x", "1-3", "1/3/4"]) expect(() => parseShard(bad)).toThrow(/--shard must be k\/n/);
  });
});

describe("run --shard k/n and merge", () => {
  const one = join(dir, "one.json"), parts = [1, 2, 3, 4, 5].map((k) => join(dir, `part${k}.json`));

  it("the merged report is the one-process report, bit for bit apart from timings", async () => {
    expect(await main([...base, "--workers", "2", "--json", one])).toBe(0);
    // 70 samples are 5 batches of 16: five shards of one batch, the last one short; shard 3 on 2 threads, the others on 1
    for (let k = 1; k <= 5; k++) expect(await main([...base, "--shard", `${k}/5`, "--workers", k === 3 ? "2" : "1", "--json", parts[k - 1]])).toBe(0);
    const merged = join(dir, "merged.json");
    expect(await main(["merge", ...[parts[4], parts[1], parts[0], parts[3], parts[2]], "--json", merged])).toBe(0);
    expect(untimed(merged)).toBe(untimed(one));
    const r = JSON.parse(readFileSync(merged, "utf8"));
    expect(r.data.samples).toBe(70);
    expect(r.snn.layers.every((l: { correlation: number | null }) => l.correlation !== null)).toBe(true);
    // an empty shard (more shards than batches) is a valid part
    const empty = join(dir, "empty.json"), full = join(dir, "full.json"), small = join(dir, "small.json"), smallMerged = join(dir, "small-merged.json");
    const ten = [...base.slice(0, 2), "10", ...base.slice(3), "--workers", "1"];
    expect(await main([...ten, "--shard", "1/2", "--json", empty])).toBe(0);
    expect(JSON.parse(readFileSync(empty, "utf8")).samples).toEqual({ start: 0, count: 0, total: 10 });
    expect(await main([...ten, "--shard", "2/2", "--json", full])).toBe(0);
    expect(await main(["merge", empty, full, "--json", smallMerged])).toBe(0);
    expect(await main([...ten, "--json", small])).toBe(0);
    expect(untimed(smallMerged)).toBe(untimed(small));
  }, 120_000);

  const refused = async (args: string[], message: RegExp, out?: string) => {
    expect(await main(args)).toBe(2);
    expect(err.join("\n")).toMatch(message);
    expect(err.join("\n")).not.toMatch(/\n\s+at /); // no stack trace
    if (out) expect(existsSync(out)).toBe(false);
  };

  it("a part given twice, a missing shard, parts of different options are named errors; nothing is written", async () => {
    const out = join(dir, "never.json");
    await refused(["merge", parts[0], parts[1], parts[1], parts[2], parts[3], parts[4], "--json", out], /shard 2\/5 given twice: .*part2\.json and .*part2\.json/, out);
    await refused(["merge", parts[0], parts[1], parts[3], parts[4], "--json", out], /samples 32\.\.47 of 70 are in no part \(missing: shard 3\/5\)/, out);
    const other = join(dir, "other.json");
    expect(await main([...base.map((a) => (a === "12" ? "10" : a)), "--shard", "3/5", "--workers", "1", "--json", other])).toBe(0);
    await refused(["merge", parts[0], parts[1], other, parts[3], parts[4], "--json", out], /part1\.json and .*other\.json are parts of different runs: options\.timesteps: 12 vs 10/, out);
  }, 60_000);

  it("bad part files and options that cannot be split are refused by name", async () => {
    const junk = join(dir, "junk.json"), notJson = join(dir, "bad.json");
    writeFileSync(junk, JSON.stringify({ hello: 1 }));
    writeFileSync(notJson, "{");
    await refused(["merge", junk], /junk\.json: not a spikewasm run part \(format undefined/);
    await refused(["merge", notJson], /bad\.json: not valid JSON/);
    // a part whose packed DNN sums were damaged (cut to 3 partials, or not base64)
    const good = JSON.parse(readFileSync(parts[0], "utf8"));
    const cut = join(dir, "cut.json"), garbled = join(dir, "garbled.json");
    const m0 = good.dnn.means[0];
    writeFileSync(cut, JSON.stringify({ ...good, dnn: { ...good.dnn, means: [{ ...m0, values: m0.values.slice(0, 32) }, ...good.dnn.means.slice(1)] } }));
    writeFileSync(garbled, JSON.stringify({ ...good, dnn: { ...good.dnn, means: [{ ...m0, lengths: "not base64!" }, ...good.dnn.means.slice(1)] } }));
    await refused(["merge", cut, parts[1], parts[2], parts[3], parts[4]], new RegExp(`cut\\.json: dnn\\.means '${m0.id}': the lengths add up to \\d+ partials, the values hold \\d+`));
    await refused(["merge", garbled, parts[1], parts[2], parts[3], parts[4]], new RegExp(`garbled\\.json: dnn\\.means '${m0.id}'\\.lengths is not base64 of 2-byte values`));
    await refused([...base, "--shard", "1/2"], /--shard 1\/2 writes a partial report: give --json/);
    await refused([...base, "--shard", "0/2", "--json", join(dir, "x.json")], /shards count from 1/);
    await refused([...base, "--shard", "1/2", "--target", "loihi", "--json", join(dir, "x.json")], /--target loihi with --shard/);
    await refused([...base, "--shard", "1/2", "--report", join(dir, "r.html"), "--json", join(dir, "x.json")], /--report with --shard/);
  }, 60_000);
});
