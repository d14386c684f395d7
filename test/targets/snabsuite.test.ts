/**
 * SNABSuite energy model (src/targets/snabsuite.ts): every coefficient against the published
 * calibration files, and a hand-computed energy for a small network with known activity.
 */
import { describe, expect, it } from "vitest";
import { SpikewasmError } from "../../src/errors.js";
import { SNABSUITE_PLATFORMS, type SnabPlatformName, snabsuiteEnergy } from "../../src/targets/snabsuite.js";

type Pair = [number, number];
/**
 * Golden data: the "power" and "energy" entries ([mean, error]) of hbp-unibi/SNABSuite
 * config_energy/*.json as read from the repository (spikey_energy.json @ c20187f8478e3291aab63ddef329e8cfb13d6028,
 * the others @ ca36ee06e0875b6777a6a975028097816444ae14), keyed by the JSON path.
 */
const PUBLISHED: Record<SnabPlatformName, { file: string; values: Record<string, Pair> }> = {
  spinn3: { file: "spinnaker_energy.json", values: {
    "power.idle": [0.002671075362318841, 6.837171577270945e-06],
    "power.idle_recorded_neurons": [8.991397082182312e-08, 1.2837512735700618e-09],
    "energy.spike": [1.0360533102129644e-08, 2.1721794294580552e-09],
    "energy.not_recorded_spike": [9.960928815970829e-09, 2.2285049998665913e-09],
    "energy.Transmission_O2O": [9.387337326364741e-08, 6.923052922306669e-09],
    "energy.Transmission_S2A": [7.542932025145167e-09, 2.3142011114837783e-09],
    "energy.Transmission_random": [9.594788263997266e-09, 2.7457101481972776e-10],
    "energy.InputSpike_O2O": [3.3160659747680263e-06, 2.0894118536986792e-07],
    "energy.InputSpike_A2A": [7.3663988097900955e-09, 4.3092959427649147e-10],
    "energy.InputSpike_random": [1.0338306015691734e-07, 4.576852933654583e-09],
  } },
  spinn5: { file: "spinnaker_energy_spinn5.json", values: {
    "power.idle": [0.023048989855072463, 4.569092179543082e-05],
    "power.idle_recorded_neurons": [9.220240417691496e-08, 6.157395151468511e-09],
    "energy.spike": [1.0041068896694714e-08, 8.75176609850738e-09],
    "energy.not_recorded_spike": [8.726796274065748e-09, 1.1315988766328189e-08],
    "energy.Transmission_O2O": [9.053566648899018e-08, 3.138301993704225e-08],
    "energy.Transmission_S2A": [7.32249998423626e-09, 1.1587796438365003e-08],
    "energy.Transmission_random": [7.55068699399245e-09, 1.2888319052552955e-09],
    "energy.InputSpike_O2O": [3.5441109357248294e-06, 1.0716841403741695e-06],
    "energy.InputSpike_A2A": [6.747307919456861e-09, 1.9709914657176258e-09],
    "energy.InputSpike_random": [7.360011235337747e-08, 2.1409726815840486e-08],
  } },
  spikey: { file: "spikey_energy.json", values: {
    "power.idle": [0.005249025832963578, 9.265482897776227e-06],
    "power.idle_recorded_neurons": [3.832277802181283e-07, 3.0723983281626863e-08],
    "energy.spike": [4.3895899469723625e-10, 1.246285919947961e-10],
    "energy.not_recorded_spike": [1.048932734066816e-10, 9.461118069324523e-11],
    "energy.Transmission_O2O": [4.330522805180276e-09, 5.135427818998394e-10],
    "energy.Transmission_S2A": [0, 0],
    "energy.Transmission_random": [1.0845460249926859e-11, 1.0438392101011365e-11],
    "energy.InputSpike_O2O": [8.779295740783291e-10, 2.157537625527551e-10],
    "energy.InputSpike_A2A": [6.656102858426691e-14, 2.143939603844352e-12],
    "energy.InputSpike_random": [2.6942638299369133e-11, 1.0301546602544841e-11],
  } },
  "genn-cpu": { file: "genn_energy.json", values: {
    "power.idle": [0.05034, 0.008092517661720805],
    "energy.idle_recorded_neurons_ms": [4.7739540794959024e-08, 1.2943894814309536e-08],
    "energy.spike": [3.03714875035734e-08, 1.1657019904861208e-07],
    "energy.not_recorded_spike": [7.1088615343212215e-09, 1.8062389598967868e-07],
    "energy.Transmission_O2O": [1.102541393307087e-07, 2.4646194874164455e-07],
    "energy.Transmission_S2A": [1.3816272321831801e-08, 2.8634142166338804e-08],
    "energy.Transmission_random": [5.817274260070659e-08, 2.132532414327123e-08],
    "energy.InputSpike_O2O": [5.905289036731174e-07, 5.544482061191974e-07],
    "energy.InputSpike_A2A": [1.1927111583325138e-09, 5.818614649178871e-10],
    "energy.InputSpike_random": [1.6878571497638434e-07, 3.168279232187095e-07],
  } },
  "genn-gpu": { file: "genn_gpu_energy.json", values: {
    "power.idle": [0.020064260196001694, 0.0005112451527841094],
    "energy.idle_recorded_neurons_ms": [3.892328989787443e-09, 2.970607805134822e-10],
    "energy.spike": [4.707158948932072e-09, 1.4451532589342743e-08],
    "energy.not_recorded_spike": [2.974971492522473e-09, 1.275146630610644e-08],
    "energy.Transmission_O2O": [4.7016630985525806e-06, 2.6572295117600856e-07],
    "energy.Transmission_S2A": [2.499003512772837e-08, 8.350277795601655e-09],
    "energy.Transmission_random": [3.4011429743030906e-09, 1.6754663152880696e-10],
    "energy.InputSpike_O2O": [5.146601838299097e-06, 4.910576524973573e-07],
    "energy.InputSpike_A2A": [8.471252012363565e-11, 1.5880425133202394e-11],
    "energy.InputSpike_random": [2.2567852915353165e-08, 1.5556087755131014e-09],
  } },
};

describe("SNABSuite coefficients equal the published calibration files", () => {
  for (const [name, { file, values }] of Object.entries(PUBLISHED) as [SnabPlatformName, (typeof PUBLISHED)[SnabPlatformName]][]) {
    it(`${name} (${file})`, () => {
      const p = SNABSUITE_PLATFORMS[name];
      const all = [p.idlePower, p.neuronCost, p.spike, p.notRecordedSpike,
        p.transmission.oneToOne, p.transmission.allToAll, p.transmission.random,
        p.inputSpike.oneToOne, p.inputSpike.allToAll, p.inputSpike.random];
      expect(all).toHaveLength(Object.keys(values).length);
      for (const c of all) {
        const key = c.source.split(": ").pop()!;
        expect(c.source).toContain(`hbp-unibi/SNABSuite, config_energy/${file} @ `);
        expect(c.source).toMatch(/@ [0-9a-f]{40}:/);
        expect(values[key], `${name} ${key}`).toEqual([c.value, c.error]);
        expect(c.kind).toBe("measured");
      }
      expect(p.runtimeNormalized).toBe(name.startsWith("genn"));
    });
  }
});

describe("snabsuiteEnergy", () => {
  // input 4 -> dense 3 -> dense 2 (AllToAll), plus a OneToOne relay of the 2 outputs; 10 steps of 1 ms
  // known activity per inference: inputs 6 spikes -> 6*3 = 18 input events (AllToAll);
  // layer 1: 5 spikes -> 5*2 = 10 AllToAll events; layer 2: 3 spikes -> 3 OneToOne events; relay: 1 spike, no targets
  const activity = { neurons: 3 + 2 + 2, steps: 10, dtMs: 1, spikes: 5 + 3 + 1, inputSpikes: 6,
    synapticEvents: { allToAll: 10, oneToOne: 3 }, inputEvents: 18 };

  it("SpiNN-3 in real time equals the formula by hand", () => {
    const r = snabsuiteEnergy("spinn3", activity);
    // wall = model time = 10 ms
    const want = 10 * 0.002671075362318841 // idle
      + 7 * 8.991397082182312e-08 * 10 // recorded neurons
      + 9 * 1.0360533102129644e-08 // spikes
      + 10 * 7.542932025145167e-09 + 3 * 9.387337326364741e-08 // AllToAll, OneToOne transmissions
      + 18 * 7.3663988097900955e-09; // AllToAll input events
    expect(r.wallTimeMs).toBe(10);
    expect(r.energyJ).toBeCloseTo(want, 15);
    expect(r.breakdown.idleJ).toBeCloseTo(0.02671075362318841, 15);
    expect(r.breakdown.transmissionJ).toBeCloseTo(10 * 7.542932025145167e-09 + 3 * 9.387337326364741e-08, 20);
    expect(r.errorJ).toBeGreaterThan(0);
    expect(r.wallTimeNote).toContain("real time");
    // idle power dominates a tiny network on a 4-chip board
    expect(r.breakdown.idleJ / r.energyJ).toBeGreaterThan(0.99);
  });

  it("a slowed-down SpiNNaker run scales idle and neuron cost, not the event terms", () => {
    const a = snabsuiteEnergy("spinn5", activity), b = snabsuiteEnergy("spinn5", activity, { slowdown: 2 });
    expect(b.wallTimeMs).toBe(20);
    expect(b.breakdown.idleJ).toBeCloseTo(2 * a.breakdown.idleJ, 18);
    expect(b.breakdown.neuronsJ).toBeCloseTo(2 * a.breakdown.neuronsJ, 20);
    expect(b.breakdown.spikesJ).toBe(a.breakdown.spikesJ);
  });

  it("GeNN (runtime-normalised) charges neurons per model ms and needs the measured wall time", () => {
    expect(() => snabsuiteEnergy("genn-gpu", activity)).toThrow(SpikewasmError);
    expect(() => snabsuiteEnergy("spikey", activity)).toThrow(/wallTimeMs/);
    const r = snabsuiteEnergy("genn-gpu", activity, { wallTimeMs: 3 });
    const want = 3 * 0.020064260196001694 + 7 * 3.892328989787443e-09 * 10 + 9 * 4.707158948932072e-09
      + 10 * 2.499003512772837e-08 + 3 * 4.7016630985525806e-06 + 18 * 8.471252012363565e-11;
    expect(r.energyJ).toBeCloseTo(want, 15);
    expect(r.breakdown.neuronsJ).toBeCloseTo(7 * 3.892328989787443e-09 * 10, 22);
  });

  it("a plain event count is AllToAll; random (FromList, e.g. conv) events use Transmission_random", () => {
    const a = snabsuiteEnergy("spikey", { ...activity, synapticEvents: 13, inputEvents: 0 }, { wallTimeMs: 0.001 });
    expect(a.breakdown.transmissionJ).toBe(0); // Spikey's Transmission_S2A is 0
    const b = snabsuiteEnergy("spikey", { ...activity, synapticEvents: { random: 13 }, inputEvents: 0 }, { wallTimeMs: 0.001 });
    expect(b.breakdown.transmissionJ).toBeCloseTo(13 * 1.0845460249926859e-11, 24);
    expect(() => snabsuiteEnergy("spinn3", { ...activity, spikes: -1 })).toThrow(SpikewasmError);
  });
});
