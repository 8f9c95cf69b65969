#!/usr/bin/env python3
# Writes tests/fuzz/corpus/bundle/: bundles framing the envelope seeds
# (corpus/envelope/), and near misses of the framing. Run from the root:
#   python3 tests/fuzz/make-bundle-seeds.py
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))
envelopes_dir = os.path.join(here, "corpus", "envelope")
out_dir = os.path.join(here, "corpus", "bundle")
os.makedirs(out_dir, exist_ok=True)

MAGIC = b"LIABNDL\n"
FROM = bytes(range(32))
FOR = bytes(range(32, 64))


def bundle(envelopes, end=True, count=None, version=1):
    out = MAGIC + bytes([version]) + FROM + FOR
    for e in envelopes:
        out += struct.pack(">I", len(e)) + e
    if end:
        out += struct.pack(">II", 0xFFFFFFFF, len(envelopes) if count is None else count)
    return out


names = sorted(os.listdir(envelopes_dir))
envs = [open(os.path.join(envelopes_dir, n), "rb").read() for n in names]
valid = [e for n, e in zip(names, envs) if n.startswith("valid")] or envs[:2]

seeds = {
    "empty": bundle([]),
    "one": bundle(valid[:1]),
    "several": bundle(valid[:3]),
    "all-seeds": bundle(envs[:8]),
    "cut-in-envelope": bundle(valid[:2])[:-20],
    "cut-in-length": bundle(valid[:1], end=False) + b"\x00\x00",
    "no-end": bundle(valid[:1], end=False),
    "wrong-count": bundle(valid[:1], count=7),
    "zero-length": MAGIC + b"\x01" + FROM + FOR + b"\x00\x00\x00\x00",
    "huge-length": MAGIC + b"\x01" + FROM + FOR + b"\x7f\xff\xff\xff",
    "version-2": bundle(valid[:1], version=2),
    "bytes-after-end": bundle(valid[:1]) + b"x",
    "not-a-bundle": b"PK\x03\x04 a zip file",
}
for name, data in seeds.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
