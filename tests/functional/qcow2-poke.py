#!/usr/bin/env python3
"""Damage qcow2 metadata on purpose, for the check/repair tests.

usage: qcow2-poke.py IMAGE COMMAND ARGS... [-- COMMAND ARGS...]...
  setref CLUSTER VALUE        set a stored refcount (16-bit refcounts only)
  clearcopied GUEST_CLUSTER   clear the COPIED flag of an active L2 entry
  setl2 GUEST_CLUSTER VALUE   overwrite the active L2 entry of a guest cluster
  setl1 INDEX VALUE           overwrite an active L1 entry
  setrt INDEX VALUE           overwrite a refcount table entry
  snapfield N OFFSET VALUE    overwrite a 32-bit field of snapshot table entry N
  getl2 GUEST_CLUSTER         print the active L2 entry (hex)
Values accept 0x prefixes.
"""
import struct
import sys


class Image:
    def __init__(self, path):
        self.f = open(path, 'r+b')
        h = self.f.read(104)
        (_, self.version, _, _, self.cluster_bits, _, _, self.l1_size, self.l1_offset,
         self.rt_offset, _, self.nb_snapshots, self.snap_offset) = \
            struct.unpack('>IIQIIQIIQQIIQ', h[:72])
        self.cluster_size = 1 << self.cluster_bits
        self.refcount_order = struct.unpack('>I', h[96:100])[0] if self.version >= 3 else 4

    def read64(self, off):
        self.f.seek(off)
        return struct.unpack('>Q', self.f.read(8))[0]

    def write(self, off, fmt, value):
        self.f.seek(off)
        self.f.write(struct.pack(fmt, value))

    def l2_entry_offset(self, guest_cluster):
        per_l2 = self.cluster_size // 8
        l2 = self.read64(self.l1_offset + 8 * (guest_cluster // per_l2)) & 0x00fffffffffffe00
        if not l2:
            sys.exit('no L2 table for that cluster')
        return l2 + 8 * (guest_cluster % per_l2)

    def refcount_offset(self, cluster):
        if self.refcount_order != 4:
            sys.exit('only 16-bit refcounts are supported')
        per_block = self.cluster_size // 2
        block = self.read64(self.rt_offset + 8 * (cluster // per_block))
        if not block:
            sys.exit('no refcount block for that cluster')
        return block + 2 * (cluster % per_block)

    def snapshot_entry(self, n):
        off = self.snap_offset
        for _ in range(n):
            self.f.seek(off)
            h = self.f.read(40)
            id_len, name_len = struct.unpack('>HH', h[12:16])
            extra = struct.unpack('>I', h[36:40])[0]
            off = (off + 40 + extra + id_len + name_len + 7) & ~7
        return off


def run(img, cmd, args):
    if cmd == 'setref':
        img.write(img.refcount_offset(args[0]), '>H', args[1])
    elif cmd == 'setl2':
        img.write(img.l2_entry_offset(args[0]), '>Q', args[1])
    elif cmd == 'clearcopied':
        off = img.l2_entry_offset(args[0])
        img.write(off, '>Q', img.read64(off) & ~(1 << 63))
    elif cmd == 'getl2':
        print(hex(img.read64(img.l2_entry_offset(args[0]))))
    elif cmd == 'setl1':
        img.write(img.l1_offset + 8 * args[0], '>Q', args[1])
    elif cmd == 'setrt':
        img.write(img.rt_offset + 8 * args[0], '>Q', args[1])
    elif cmd == 'snapfield':
        img.write(img.snapshot_entry(args[0]) + args[1], '>I', args[2])
    else:
        sys.exit('unknown command ' + cmd)


def main():
    img = Image(sys.argv[1])
    words = sys.argv[2:]
    while words:
        n = words.index('--') if '--' in words else len(words)
        run(img, words[0], [int(a, 0) for a in words[1:n]])
        words = words[n + 1:]


main()
