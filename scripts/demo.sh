#!/bin/sh
# A short demonstration of the main jobs with the programs built in build/ (or $BUILD):
# images made, filled, converted, inspected and checked; an image exported over NBD and
# read back through the NBD client; the guest agent answering; a riscv64 Linux program
# run by qemu-riscv64.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
work=$(mktemp -d)
trap 'kill $ga $(cat "$work/nbd.pid" 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
PATH=$build/img-tool:$build/nbd-tool:$build/qga:$build:$PATH
cd "$work"
run() { echo "\$ $*"; "$@"; echo; }

head -c 3M /dev/urandom > data.raw
truncate -s 64M data.raw                          # 3 MiB of data, then a hole
run qemu-img create -f qcow2 empty.qcow2 1G
run qemu-img convert -p -f raw -O qcow2 data.raw disk.qcow2
run qemu-img info disk.qcow2
run qemu-img check disk.qcow2
run qemu-img convert -c -O qcow2 -o compression_type=zstd disk.qcow2 small.qcow2
run qemu-img compare data.raw small.qcow2
run qemu-img create -f qcow2 -b disk.qcow2 -F qcow2 overlay.qcow2
run qemu-img snapshot -c first overlay.qcow2
run qemu-img snapshot -l overlay.qcow2
run qemu-img map --output=json disk.qcow2
run qemu-img measure -O qcow2 data.raw

run qemu-nbd --fork --pid-file="$work/nbd.pid" -k "$work/nbd.sock" -t -r -x disk \
    -D "the demo disk" disk.qcow2
run qemu-nbd -L -k "$work/nbd.sock"
run qemu-img map "nbd+unix:///disk?socket=$work/nbd.sock"
run qemu-img convert -O qcow2 "nbd+unix:///disk?socket=$work/nbd.sock" copy.qcow2
run qemu-img compare data.raw copy.qcow2
kill "$(cat "$work/nbd.pid")"

echo "\$ qemu-ga -m unix-listen -p ga.sock &   # then guest-sync and guest-info over the socket"
qemu-ga -m unix-listen -p "$work/ga.sock" -t "$work" &
ga=$!
python3 - "$work/ga.sock" <<'PY'
import json, socket, sys, time
for _ in range(100):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.05)
f = s.makefile("rw")
for req in ({"execute": "guest-sync", "arguments": {"id": 42}}, {"execute": "guest-info"}):
    f.write(json.dumps(req) + "\n"); f.flush()
    reply = json.loads(f.readline())["return"]
    if isinstance(reply, dict):
        reply = {"version": reply["version"], "commands": len(reply["supported_commands"])}
    print(json.dumps(req["execute"]), "->", json.dumps(reply))
PY

# A riscv64 Linux program made here byte by byte (ELF header, one segment, nine
# instructions: write(1, msg, len) and exit(0)), so the demo needs no cross compiler.
python3 - > hello.rv <<'PY'
import struct, sys
msg = b"Hello from a riscv64 Linux program\n"
def addi(rd, rs1, imm): return ((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13
code = [0x597, addi(11, 11, 36), addi(10, 0, 1), addi(12, 0, len(msg)), addi(17, 0, 64),
        0x73, addi(10, 0, 0), addi(17, 0, 93), 0x73]     # auipc a1; ...; ecall
body = b"".join(struct.pack("<I", i) for i in code) + msg
base, hdr = 0x10000, 64 + 56
ehdr = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + struct.pack("<HHIQQQIHHHHHH",
        2, 243, 1, base + hdr, 64, 0, 0, 64, 56, 1, 64, 0, 0)
phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, hdr + len(body), hdr + len(body), 0x1000)
sys.stdout.buffer.write(ehdr + phdr + body)
PY
chmod +x hello.rv
echo
run qemu-riscv64 ./hello.rv
run qemu-riscv64 -strace ./hello.rv
