#!/usr/bin/python3
"""Check the HDF5 layout of a .nir file (e.g. one spikewasm wrote) with h5py, independently of h5wasm.

Usage: /usr/bin/python3 tools/check_nir.py FILE.nir [...]
Needs Debian's python3-h5py (apt-get install python3-h5py); exits 2 if h5py is missing.

Checks, as NIR's nir/serialization.py reads files: /version is a string; /node is a group whose
`type` is "NIRGraph", with `edges` (strings, shape [E, 2]) naming existing nodes and `nodes/<name>`
groups, each with a string `type` and the datasets that type requires; per-neuron parameters share one
size; Affine/Linear weights are 2-D, Conv2d weights 4-D with a matching bias; nested graphs recursively.
Also reports spikewasm's own metadata (spikewasm_dt, spikewasm_neuron JSON) when present.
Prints one line per problem and exits 1 if there is any, else prints a summary and exits 0.
"""
import json
import sys

try:
    import h5py
except ImportError:
    print("check_nir.py: h5py is not installed for this Python (Debian: apt-get install python3-h5py)", file=sys.stderr)
    sys.exit(2)

REQUIRED = {
    "Input": ["shape"], "Output": ["shape"], "Affine": ["weight", "bias"], "Linear": ["weight"], "Scale": ["scale"],
    "Conv1d": ["weight", "stride", "padding", "dilation", "groups", "bias"],
    "Conv2d": ["weight", "stride", "padding", "dilation", "groups", "bias"],
    "SumPool2d": ["kernel_size", "stride", "padding"], "AvgPool2d": ["kernel_size", "stride", "padding"],
    "Flatten": ["start_dim", "end_dim"], "Delay": ["delay"], "Threshold": ["threshold"],
    "I": ["r"], "IF": ["r", "v_threshold"], "LI": ["tau", "r", "v_leak"], "LIF": ["tau", "r", "v_leak", "v_threshold"],
    "CubaLI": ["tau_mem", "tau_syn", "r", "v_leak"], "CubaLIF": ["tau_mem", "tau_syn", "r", "v_leak", "v_threshold"],
}
NEURON = {
    "I": ["r"], "IF": ["r", "v_threshold", "v_reset"], "LI": ["tau", "r", "v_leak"],
    "LIF": ["tau", "r", "v_leak", "v_threshold", "v_reset"],
    "CubaLI": ["tau_mem", "tau_syn", "r", "v_leak", "w_in"],
    "CubaLIF": ["tau_mem", "tau_syn", "r", "v_leak", "v_threshold", "v_reset", "w_in"],
}


def text(ds):
    v = ds[()]
    return v.decode("utf8") if isinstance(v, bytes) else str(v)


def check_node(g, where, problems, counts):
    if "type" not in g or not isinstance(g["type"], h5py.Dataset):
        problems.append(f"{where}: no string dataset 'type'")
        return
    t = text(g["type"])
    counts[t] = counts.get(t, 0) + 1
    if t == "NIRGraph":
        check_graph(g, where, problems, counts)
        return
    if t not in REQUIRED:
        problems.append(f"{where}: unknown primitive type {t!r}")
        return
    for name in REQUIRED[t]:
        if name not in g:
            problems.append(f"{where} ({t}): missing dataset {name!r}")
    if t in ("Affine", "Linear") and "weight" in g and g["weight"].ndim != 2:
        problems.append(f"{where} ({t}): weight has shape {g['weight'].shape}, expected 2-D")
    if t == "Conv2d" and "weight" in g:
        w = g["weight"]
        if w.ndim != 4:
            problems.append(f"{where} (Conv2d): weight has shape {w.shape}, expected 4-D")
        elif "bias" in g and g["bias"].size not in (1, w.shape[0]):
            problems.append(f"{where} (Conv2d): bias has {g['bias'].size} values for {w.shape[0]} output channels")
    if t in NEURON:
        sizes = {p: g[p].size for p in NEURON[t] if p in g}
        n = max(sizes.values(), default=1)
        bad = {p: s for p, s in sizes.items() if s not in (1, n)}
        if bad:
            problems.append(f"{where} ({t}): per-neuron parameter sizes disagree: {sizes}")
    if "metadata" in g and "spikewasm_neuron" in g["metadata"]:
        try:
            json.loads(text(g["metadata"]["spikewasm_neuron"]))
        except ValueError as e:
            problems.append(f"{where}: metadata spikewasm_neuron is not JSON ({e})")


def check_graph(g, where, problems, counts):
    if "nodes" not in g or not isinstance(g["nodes"], h5py.Group):
        problems.append(f"{where}: no group 'nodes'")
        return
    names = set(g["nodes"].keys())
    for k, child in g["nodes"].items():
        check_node(child, f"{where}/nodes/{k}", problems, counts)
    if "edges" not in g:
        problems.append(f"{where}: no dataset 'edges'")
        return
    e = g["edges"]
    if e.size and (e.ndim != 2 or e.shape[1] != 2):
        problems.append(f"{where}: edges has shape {e.shape}, expected [E, 2]")
        return
    for a, b in e[()] if e.size else []:
        for end in (a, b):
            end = end.decode("utf8") if isinstance(end, bytes) else str(end)
            if end not in names and end.split(".")[0] not in names:
                problems.append(f"{where}: edge names missing node {end!r}")


def check_file(path):
    problems, counts = [], {}
    with h5py.File(path, "r") as f:
        if "version" not in f:
            problems.append(f"{path}: no /version")
        if "node" not in f:
            problems.append(f"{path}: no /node group")
            return problems, counts, None
        root = f["node"]
        if "type" not in root or text(root["type"]) != "NIRGraph":
            problems.append(f"{path}: /node/type is not 'NIRGraph'")
        check_graph(root, f"{path}: /node", problems, counts)
        dt = None
        if "metadata" in root and "spikewasm_dt" in root["metadata"]:
            dt = float(root["metadata"]["spikewasm_dt"][()])
        version = text(f["version"]) if "version" in f else "?"
    return problems, counts, (version, dt)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    status = 0
    for path in argv[1:]:
        problems, counts, info = check_file(path)
        for p in problems:
            print(p)
        if problems:
            status = 1
        else:
            version, dt = info
            kinds = ", ".join(f"{k}×{v}" for k, v in sorted(counts.items()))
            print(f"{path}: NIR {version}, {kinds}" + (f", spikewasm dt {dt} s" if dt is not None else "") + ": layout ok")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
