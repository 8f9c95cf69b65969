#!/usr/bin/env python3
# make-store-pages-seeds.py: writes the seed inputs of fuzz-store-pages.
#
# The input format is described at the top of fuzz-store-pages.c. Offsets
# assume the harness's store: a database of 8 pages and a WAL of 4 frames
# (page-aligned offsets are reduced modulo the real sizes anyway).
#
#   make-store-pages-seeds.py corpus/store-pages
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import struct
import sys

PAGE = 4096
FRAME = 24 + PAGE
WAL_HDR = 32

NO_WAL, FIX_WAL, ALIGNED = 0x08, 0x10, 0x20
XOR_DB, WRITE_DB, RESIZE_DB, XOR_WAL, WRITE_WAL, RESIZE_WAL, REPLACE_WAL, COPY = range(8)


def rec(op, raw, payload=b''):
    return bytes([op]) + struct.pack('<IH', raw & 0xffffffff, len(payload)) + payload


def copy(src, dst):
    return src | (dst << 16)


def frame(i):
    return WAL_HDR + i * FRAME


# A WAL header (checksums left for FIX_WAL to fill in) and the header of a
# forged commit frame for page 122 declaring 8 pages, with the same salts.
WAL_HEADER = struct.pack('>IIIIIIII', 0x377f0682, 3007000, PAGE, 0, 1, 2, 0, 0)
FORGED_FRAME = struct.pack('>IIII', 122, 8, 1, 2)
# Header and forged frame, the frame's image left as garbage: it does not
# open, so SQLite recovers it as a page of zeros.
FORGED_WAL = (rec(REPLACE_WAL | FIX_WAL, 0, WAL_HEADER + FORGED_FRAME)
              + rec(WRITE_WAL, WAL_HDR + FRAME - 1, b'\1'))

SEEDS = {
    'pristine': b'',
    'db-flip-header': rec(XOR_DB, 100, b'\x01'),
    'db-flip-tag-page2': rec(XOR_DB, 2 * PAGE - 1, b'\x80'),
    'db-overwrite-last-page': rec(WRITE_DB, 7 * PAGE + 100, b'A' * 16),
    'db-append-partial-page': rec(WRITE_DB, 8 * PAGE, b'\0' * 64),
    'db-append-copied-page': rec(COPY, copy(1, 8)),
    'db-truncate-mid-page': rec(RESIZE_DB, 30000),
    'db-copy-page': rec(COPY, copy(2, 3)),
    'db-flip-no-wal': rec(XOR_DB | NO_WAL, 5000, b'\x04'),
    'db-truncate-page-no-wal': rec(RESIZE_DB | NO_WAL | ALIGNED, 7),
    'wal-flip-image': rec(XOR_WAL, frame(0) + 24 + 10, b'\x01'),
    'wal-flip-last-frame': rec(XOR_WAL, frame(3) + 24 + 100, b'\x01'),
    'wal-partial-commit-fixed': rec(XOR_WAL | FIX_WAL, frame(0) + 7, b'\x08'),
    'wal-partial-commit-truncated-fixed': (rec(XOR_WAL | FIX_WAL, frame(0) + 7, b'\x08')
                                           + rec(RESIZE_WAL | ALIGNED, 1)),
    'wal-truncate-frame': rec(RESIZE_WAL | ALIGNED, 2),
    'wal-truncate-mid-frame': rec(RESIZE_WAL, frame(1) + 2000),
    'wal-header-salt': rec(XOR_WAL, 16, b'\xff'),
    'wal-header-salt-fixed': rec(XOR_WAL | FIX_WAL, 16, b'\xff'),
    'wal-replace-garbage': rec(REPLACE_WAL, 0, bytes((i * 73 + 11) & 0xff for i in range(40))),
    'wal-replace-header-fixed': rec(REPLACE_WAL | FIX_WAL, 0, WAL_HEADER),
    'wal-copy-frame-fixed': rec(COPY | ALIGNED | FIX_WAL, copy(2, 1)),
    'wal-forged-for-clean-store': FORGED_WAL,
    # Copy the last commit frame after itself, give it another page number
    # (so that it no longer opens) and 9 or 7 pages.
    'wal-forged-commit-grow': (rec(COPY | ALIGNED, copy(3, 4))
                               + rec(XOR_WAL | FIX_WAL, frame(4) + 3, b'\x7f')
                               + rec(XOR_WAL, frame(4) + 7, b'\x01')),
    'wal-forged-commit-shrink': (rec(COPY | ALIGNED, copy(3, 4))
                                 + rec(XOR_WAL | FIX_WAL, frame(4) + 3, b'\x7f')
                                 + rec(XOR_WAL, frame(4) + 7, b'\x0f')),
}

# Inputs that once found bugs (see "Bugs found" in README.md); they are part
# of the corpus.
FOUND_BUGS = {
    'db-truncated-with-wal': rec(RESIZE_DB | ALIGNED, 7),
    'db-truncated-with-forged-wal': rec(RESIZE_DB | ALIGNED, 7) + FORGED_WAL,
    # Frame 1 (the first transaction's commit frame) copied over frame 3
    # (the second's), checksums redone.
    'wal-frame-replay-strict-atomic': rec(COPY | ALIGNED | FIX_WAL | 0xc0, 0xda3bf5)[:4],
}


def write_all(directory, inputs):
    os.makedirs(directory, exist_ok=True)
    for name, data in inputs.items():
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: make-store-pages-seeds.py CORPUS_DIR')
    write_all(sys.argv[1], {**SEEDS, **FOUND_BUGS})
