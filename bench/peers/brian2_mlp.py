#!/usr/bin/python3
"""Peer benchmark: the spikewasm graph JSON (benchmark (a), IF 784-1200-1200-10) simulated with Brian2.

Development-time tool only; spikewasm never depends on Brian2 or Python. Run with Debian's Python:

  /usr/bin/python3 bench/peers/brian2_mlp.py /tmp/mlp.json --target cpp_standalone --threads 1

Same weights as the JSON, IF neurons `v += w` on each presynaptic spike, threshold v >= 1, reset v -= 1,
Poisson inputs at rate = uniform[0,1) (seeded) x --max-rate, dt = 1 ms. Prints one JSON line.

Timing excludes Brian2's code generation and compilation:
  cpp_standalone: the simulation loop time measured by the generated binary (results/last_run_info.txt);
                  the whole binary run (incl. loading 2.4 M synapses from disk) is reported as binary_seconds,
                  code generation + compilation as build_seconds (small when --build-dir is reused: make is incremental).
  cython/numpy:   the network is stored, run once (code generation + compilation), restored and run again;
                  the second run's loop time (Brian2's Network._last_run_time) is reported; first_run_seconds is the
                  wall time of the first run (cached Cython extensions make it short after the first invocation).

Schedule: with Brian2's default schedule (thresholds -> synapses -> resets) a spike of layer k in step t reaches
layer k+1's membrane in step t but is only compared with its threshold in step t+1: one step of delay per
layer. spikewasm has no delay (layer k+1 integrates layer k's spikes of the same step). --same-step reorders
thresholders and synaptic pathways layer by layer inside the 'thresholds' slot, which reproduces spikewasm's
update order exactly (up to Poisson streams and float rounding).
"""
import argparse, base64, json, os, sys, tempfile, time

import numpy as np


def load_graph(path):
    with open(path) as f:
        g = json.load(f)
    nodes = g["nodes"]
    if nodes[0]["kind"] != "input":
        sys.exit(f"{path}: first node is not an input")
    n_in = int(np.prod(nodes[0]["shape"]))
    layers, prev, prev_n = [], nodes[0]["id"], n_in
    for nd in nodes[1:]:
        if nd["kind"] != "dense" or nd["input"] != prev:
            sys.exit(f"{path}: only a chain of dense layers is supported (node {nd['id']})")
        neu = nd["neuron"]
        if neu.get("model") != "if" or neu.get("reset", "subtract") != "subtract" or nd.get("bias"):
            sys.exit(f"{path}: node {nd['id']}: only IF neurons with subtractive reset and no bias are supported")
        wd = nd["weights"]
        w = np.frombuffer(base64.b64decode(wd["base64"]), dtype="<f4")
        if wd["dtype"] != "float32" or w.size != prev_n * nd["units"] or w.size != wd["length"]:
            sys.exit(f"{path}: node {nd['id']}: bad weights")
        layers.append(dict(id=nd["id"], n=nd["units"], w=w.reshape(prev_n, nd["units"]),
                           threshold=float(neu.get("threshold", 1.0))))
        prev, prev_n = nd["id"], nd["units"]
    return nodes[0]["id"], n_in, layers


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("graph", help="spikewasm graph JSON (e.g. from `node dist/cli.js example mlp -o /tmp/mlp.json`)")
    ap.add_argument("--target", choices=["cpp_standalone", "cython", "numpy"], default="cpp_standalone")
    ap.add_argument("--threads", type=int, default=1, help="OpenMP threads (cpp_standalone only; 1 = no OpenMP)")
    ap.add_argument("--steps", type=int, default=1000, help="time steps of 1 ms")
    ap.add_argument("--max-rate", type=float, default=100.0, help="Hz of an input of value 1")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64", help="Brian2 default float type")
    ap.add_argument("--same-step", action="store_true", help="no per-layer delay (spikewasm's order)")
    ap.add_argument("--write-input", metavar="FILE", help="write the input values (JSON) for spikewasm --input")
    ap.add_argument("--build-dir", default=None, help="cpp_standalone project directory (default: a temp dir)")
    a = ap.parse_args()

    in_id, n_in, layers = load_graph(a.graph)
    values = np.random.default_rng(a.seed).random(n_in)
    if a.write_input:
        with open(a.write_input, "w") as f:
            json.dump([float(x) for x in values], f)

    import warnings
    warnings.filterwarnings("ignore", category=FutureWarning)  # pythran/numpy noise on Debian 12
    import brian2 as b2
    from brian2 import ms, Hz
    b2.prefs.core.default_float_dtype = getattr(np, a.dtype)
    b2.prefs.logging.console_log_level = "WARNING"
    if a.target == "cpp_standalone":
        b2.set_device("cpp_standalone", build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = a.threads if a.threads > 1 else 0
    else:
        b2.prefs.codegen.target = a.target
        b2.prefs.codegen.runtime.cython.cache_dir = os.path.join(tempfile.gettempdir(), "brian2_cython_cache")
    b2.seed(a.seed)
    b2.defaultclock.dt = 1 * ms

    src = b2.PoissonGroup(n_in, rates=values * a.max_rate * Hz, name=in_id)
    groups, synapses = [src], []
    for L in layers:
        g = b2.NeuronGroup(L["n"], "v : 1", threshold=f"v >= {L['threshold']!r}", reset=f"v -= {L['threshold']!r}",
                           method="exact", name=L["id"])
        n_pre, n_post = L["w"].shape
        s = b2.Synapses(groups[-1], g, "w : 1", on_pre="v_post += w", name=f"syn_{L['id']}")
        s.connect(i=np.repeat(np.arange(n_pre, dtype=np.int32), n_post),
                  j=np.tile(np.arange(n_post, dtype=np.int32), n_pre))
        s.w = L["w"].ravel().astype(np.float64)  # row-major [in][out] = order of (i, j) above
        groups.append(g)
        synapses.append(s)
    if a.same_step:  # thresholder(k) -> pathway k -> thresholder(k+1) -> ... within the 'thresholds' slot
        order = 0
        for k, g in enumerate(groups):
            g.thresholder["spike"].when, g.thresholder["spike"].order = "thresholds", order
            order += 1
            if k < len(synapses):
                synapses[k].pre.when, synapses[k].pre.order = "thresholds", order
                order += 1
    mons = [b2.SpikeMonitor(g, record=False, name=f"mon_{g.name}") for g in groups]
    net = b2.Network(groups, synapses, mons)
    duration = a.steps * b2.defaultclock.dt

    out = {"target": a.target, "threads": a.threads if a.target == "cpp_standalone" else 1}
    t0 = time.time()
    if a.target == "cpp_standalone":
        net.run(duration)
        build_dir = a.build_dir or tempfile.mkdtemp(prefix="brian2_mlp_")
        b2.device.build(directory=build_dir, compile=True, run=True, with_output=False)
        seconds = float(b2.device._last_run_time)
        out["binary_seconds"] = round(b2.device.timers.get("run_binary", float("nan")), 4)
        out["build_seconds"] = round(time.time() - t0 - out["binary_seconds"], 2)
    else:
        net.store()
        net.run(duration)  # code generation + compilation (cython) happen here
        out["first_run_seconds"] = round(time.time() - t0, 2)
        net.restore()
        net.run(duration)
        seconds = float(b2.device._last_run_time)

    counts = [int(np.sum(m.count[:])) for m in mons]
    events = sum(counts[k] * layers[k]["n"] for k in range(len(layers)))
    t_sec = a.steps * 1e-3
    out.update({
        "seconds": round(seconds, 6),
        "steps": a.steps,
        "synaptic_events": events,
        "events_per_second": events / seconds if seconds > 0 else None,
        "spikes": {g.name: c for g, c in zip(groups, counts)},
        "rates_hz": {g.name: round(c / (len(g) * t_sec), 3) for g, c in zip(groups, counts)},
        "dtype": a.dtype,
        "schedule": "same-step (no delay, as spikewasm)" if a.same_step
                    else "brian2 default: 1-step delay per layer (spikes of step t are thresholded downstream at t+1)",
        "brian2": b2.__version__,
        "python": sys.version.split()[0],
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
