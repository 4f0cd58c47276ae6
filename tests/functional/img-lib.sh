# Helpers for the qemu-img functional tests (sourced after common.sh).
# have_fmt FMT: our qemu-img lists FMT among its supported formats
have_fmt() { "$QEMU_IMG" -h 2>/dev/null | grep '^Supported formats:' | tr ' ' '\n' | grep -qx "$1"; }
# json_eq A B [KEY...]: the two JSON documents are equal, ignoring the listed keys
# (at any depth)
json_eq() {
    python3 - "$@" <<'PY'
import json, sys
a, b, ignore = sys.argv[1], sys.argv[2], set(sys.argv[3:])
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ignore}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
x, y = strip(json.loads(a)), strip(json.loads(b))
if x != y:
    print("# ours: " + json.dumps(x, sort_keys=True))
    print("# ref:  " + json.dumps(y, sort_keys=True))
    sys.exit(1)
PY
}
# check_json_eq DESC A B [KEY...]
check_json_eq() {
    d=$1; shift
    if o=$(json_eq "$@"); then tap_result 0 "$d"; else tap_result 1 "$d"; echo "$o"; fi
}
# make_pattern FILE SIZE: a raw file with data runs, holes and zero blocks
make_pattern() {
    python3 - "$1" "$2" <<'PY'
import os, sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.truncate(size)
    rnd = __import__("random").Random(42)
    off = 0
    while off < size:
        kind = rnd.randrange(4)
        n = min(size - off, rnd.choice([4096, 65536, 200704, 1 << 20]))
        f.seek(off)
        if kind == 0:
            f.write(bytes([rnd.randrange(1, 256)]) * n)
        elif kind == 1:
            f.write(os.urandom(n))
        elif kind == 2:
            f.write(b"\0" * n)          # explicit zeroes (allocated)
        off += n                        # kind 3: hole
PY
}
# opt_names: keep only the "  name=<type>" column of an -o help listing (the
# descriptions are our own words, the names and types are the interface)
opt_names() { sed -E 's/^(  [^ ]+) .*/\1/'; }
