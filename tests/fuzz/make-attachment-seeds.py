#!/usr/bin/env python3
# make-attachment-seeds.py: writes the seed inputs of fuzz-attachment.
#
# Each seed is the JSON text of a record content's "attachments" member
# (lia-attachment.h): lists that decode, and near misses that each break
# one rule of the decoder. Keys and hashes are fixed bytes, so the script
# writes the same files every time.
#
#   python3 tests/fuzz/make-attachment-seeds.py tests/fuzz/corpus/attachment
#
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import json
import os
import sys

CHUNK = 256 * 1024


def b64(data):
    return base64.b64encode(data).decode("ascii")


def n_chunks(size):
    return (size + CHUNK - 1) // CHUNK


def entry(name="report.pdf", media="application/pdf", size=1000, chunks=None, key=None,
          digest=None):
    n = n_chunks(size) if isinstance(size, int) and size >= 0 else 1
    return {
        "name": name,
        "type": media,
        "size": size,
        "key": b64(bytes([7] * 32)) if key is None else key,
        "hash": b64(bytes(range(32))) if digest is None else digest,
        "chunks": b64(bytes(range(256))[:32] * n) if chunks is None else chunks,
    }


def text(value):
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# A key whose base64 is not canonical: the last character's unused bits set.
canonical = b64(bytes([7] * 32))
not_canonical = canonical[:42] + chr(ord(canonical[42]) + 1) + "="

seeds = {
    # Lists that decode.
    "empty-list": text([]),
    "empty-file": text([entry(size=0, chunks="")]),
    "one-byte": text([entry(size=1)]),
    "one-chunk": text([entry(size=CHUNK)]),
    "two-chunks": text([entry(size=CHUNK + 1)]),
    "three-files": text([entry("a.pdf", size=10), entry("b.mp4", "video/mp4", 3 * CHUNK),
                         entry("c.txt", "text/plain", 0, chunks="")]),
    "unicode-name": text([entry("Rapport d'enquête – été 2026.pdf")]),
    "longest-name": text([entry("é" * 127 + "x")]),
    "odd-media-type": text([entry(media="application/vnd.oasis.opendocument.text+xml")]),
    "unknown-member": text([dict(entry(), note="kept by a newer version")]),
    # Near misses, one rule each.
    "not-a-list": text({"name": "x"}),
    "null": b"null",
    "string": b"\"attachments\"",
    "item-not-object": text([1]),
    "no-name": text([{k: v for k, v in entry().items() if k != "name"}]),
    "no-type": text([{k: v for k, v in entry().items() if k != "type"}]),
    "no-size": text([{k: v for k, v in entry().items() if k != "size"}]),
    "no-key": text([{k: v for k, v in entry().items() if k != "key"}]),
    "no-chunks": text([{k: v for k, v in entry().items() if k != "chunks"}]),
    "name-path": text([entry("../../etc/passwd")]),
    "name-backslash": text([entry("a\\b.pdf")]),
    "name-dot-dot": text([entry("..")]),
    "name-empty": text([entry("")]),
    "name-control": text([entry("line\nbreak.pdf")]),
    "name-rtl-override": text([entry("evil\u202efdp.exe")]),
    "name-lone-surrogate": b'[{"name":"\\ud800.pdf","type":"a/b","size":0,"key":"'
                           + canonical.encode() + b'","hash":"' + canonical.encode()
                           + b'","chunks":""}]',
    "name-too-long": text([entry("x" * 256)]),
    "type-upper-case": text([entry(media="Application/PDF")]),
    "type-parameters": text([entry(media="text/plain; charset=utf-8")]),
    "type-no-slash": text([entry(media="pdf")]),
    "size-negative": text([entry(size=-1)]),
    "size-over-limit": text([entry(size=(2 << 30) + 1)]),
    "size-float": b'[{"name":"a","type":"a/b","size":1.5,"key":"' + canonical.encode()
                  + b'","hash":"' + canonical.encode() + b'","chunks":""}]',
    "size-string": text([entry(size="10")]),
    "key-short": text([entry(key=b64(bytes(31)))]),
    "key-not-canonical": text([entry(key=not_canonical)]),
    "key-not-base64": text([entry(key="!" * 44)]),
    "chunks-one-short": text([entry(size=CHUNK + 1, chunks=b64(bytes(32)))]),
    "chunks-one-long": text([entry(size=1, chunks=b64(bytes(64)))]),
    "too-many": text([entry("f%d" % i, size=0, chunks="") for i in range(65)]),
}

out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus", "attachment")
os.makedirs(out_dir, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
