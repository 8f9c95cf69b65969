#!/usr/bin/env python3
# Writes tests/fuzz/corpus/bundle/: bundles framing the envelope seeds
# (corpus/envelope/), in version 1, in version 2 with chunks of
# attachments, and in version 3 with holdings (the sender's acknowledgement,
# a GVariant a(ayta(tt)) in normal form, encoded here by hand), and near
# misses of the framing and of the holdings. Run from the root:
#   python3 tests/fuzz/make-bundle-seeds.py
import hashlib
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


CHUNK_MAX = 256 * 1024 + 16


def bundle2(items, end=True, counts=None):
    """items: ('e', bytes) envelopes and ('c', hash, bytes) chunks."""
    out = MAGIC + bytes([2]) + FROM + FOR
    n_env = n_chunk = 0
    for item in items:
        if item[0] == "e":
            out += b"\x01" + struct.pack(">I", len(item[1])) + item[1]
            n_env += 1
        elif item[0] == "c":
            out += b"\x02" + struct.pack(">I", 32 + len(item[2])) + item[1] + item[2]
            n_chunk += 1
        else:
            out += item[1]
    if end:
        out += b"\x00" + struct.pack(">II", *(counts or (n_env, n_chunk)))
    return out


def offset_size(body, n):
    """GVariant's framing offset size for a container of @body bytes and
    @n offsets."""
    for size in (1, 2, 4, 8):
        if body + n * size <= (1 << (8 * size)) - 1:
            return size
    raise ValueError


def holdings_entry(key, contiguous, runs):
    body = key + bytes(-len(key) % 8) + struct.pack("<Q", contiguous)
    for first, last in runs:
        body += struct.pack("<QQ", first, last)
    return body + len(key).to_bytes(offset_size(len(body), 1), "little")


def holdings(entries):
    """entries: (key, contiguous, [(first, last)...]), as lia_holdings_encode()."""
    out = b""
    ends = []
    for entry in entries:
        out += bytes(-len(out) % 8) + holdings_entry(*entry)
        ends.append(len(out))
    size = offset_size(len(out), len(ends))
    return out + b"".join(end.to_bytes(size, "little") for end in ends)


HOLDINGS_MAX = 256 * 1024


def bundle3(items, ack, end=True, counts=None):
    """As bundle2, with the holdings @ack (bytes, or None for none) last."""
    out = bundle2(items, end=False)
    out = out[:8] + b"\x03" + out[9:]
    n_env = sum(1 for i in items if i[0] == "e")
    n_chunk = sum(1 for i in items if i[0] == "c")
    if ack is not None:
        out += b"\x03" + struct.pack(">I", len(ack)) + ack
    if end:
        out += b"\x00" + struct.pack(">II", *(counts or (n_env, n_chunk)))
    return out


ACK = holdings([(FROM, 4, [(7, 9), (12, 12)]), (FOR, 0, [])])


def chunk(n, seed):
    data = bytes((seed * 31 + i * 7) & 0xFF for i in range(n))
    return ("c", hashlib.blake2b(data, digest_size=32).digest(), data)


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
    "version-4": bundle(valid[:1], version=4),
    "v3-ack-only": bundle3([], ACK),
    "v3-empty-ack": bundle3([], b""),
    "v3-envelopes-chunks-ack": bundle3([("e", e) for e in valid[:2]] + [chunk(17, 11)], ACK),
    "v3-ack-large": bundle3([("e", valid[0])],
                            holdings([(bytes([i // 256, i % 256]) + bytes(30), 10 ** 6 + i,
                                       [(10 ** 7, 10 ** 7 + 1), (2 ** 64 - 1, 2 ** 64 - 1)])
                                      for i in range(300)])),
    "v3-no-ack": bundle3([("e", valid[0])], None),
    "v3-envelope-after-ack": bundle3([("e", valid[0])], ACK, end=False)
                             + b"\x01" + struct.pack(">I", len(valid[0])) + valid[0]
                             + b"\x00" + struct.pack(">II", 2, 0),
    "v3-ack-twice": bundle3([], ACK, end=False) + b"\x03" + struct.pack(">I", len(ACK)) + ACK
                    + b"\x00" + struct.pack(">II", 0, 0),
    "v3-ack-too-long": bundle3([("e", valid[0])], None, end=False)
                       + b"\x03" + struct.pack(">I", HOLDINGS_MAX + 1) + bytes(64),
    "v3-ack-cut": bundle3([("e", valid[0])], ACK)[:-20],
    "v3-ack-not-normal": bundle3([], b"\xff\x01\xff"),
    "v3-ack-named-twice": bundle3([], holdings([(FROM, 1, []), (FROM, 2, [])])),
    "v3-ack-short-key": bundle3([], holdings([(b"ab", 1, [])])),
    "v3-ack-runs-apart": bundle3([], holdings([(FROM, 5, [(3, 9)])])),
    "v3-wrong-count": bundle3([("e", valid[0])], ACK, counts=(2, 0)),
    "v2-ack": bundle2([("e", valid[0]), ("x", b"\x03" + struct.pack(">I", len(ACK)) + ACK)]),
    "v2-empty": bundle2([]),
    "v2-envelopes-and-chunks": bundle2([("e", e) for e in valid[:2]]
                                       + [chunk(17, 1), chunk(1000, 2)]),
    "v2-chunks-first": bundle2([chunk(40, 3), ("e", valid[0])]),
    "v2-largest-chunk": bundle2([("e", valid[0]), chunk(CHUNK_MAX, 4)]),
    "v2-chunk-too-short": bundle2([("e", valid[0]), chunk(16, 5)]),
    "v2-chunk-too-long": bundle2([("e", valid[0])])[:-9]
                         + b"\x02" + struct.pack(">I", 32 + CHUNK_MAX + 1) + bytes(40),
    "v2-unknown-type": bundle2([("e", valid[0]), ("x", b"\x07\x00\x00\x00\x01z")]),
    "v2-wrong-chunk-count": bundle2([chunk(100, 6)], counts=(0, 2)),
    "v2-wrong-envelope-count": bundle2([("e", valid[0])], counts=(3, 0)),
    "v2-cut-in-chunk": bundle2([("e", valid[0]), chunk(5000, 7)])[:-3000],
    "v2-cut-in-hash": bundle2([chunk(100, 8)], end=False)[:-120],
    "v2-no-end": bundle2([("e", valid[0]), chunk(50, 9)], end=False),
    "v2-bytes-after-end": bundle2([chunk(60, 10)]) + b"x",
    "v1-framing-in-v2": MAGIC + b"\x02" + FROM + FOR + struct.pack(">I", len(valid[0])) + valid[0],
    "bytes-after-end": bundle(valid[:1]) + b"x",
    "not-a-bundle": b"PK\x03\x04 a zip file",
}
for name, data in seeds.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
