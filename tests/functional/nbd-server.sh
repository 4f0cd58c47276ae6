#!/bin/sh
# Our qemu-nbd as a server, judged by Debian's clients (nbdinfo, nbdcopy,
# qemu-img, qemu-io) and compared with Debian's qemu-nbd serving the same
# image with the same options: export details, block status maps, copies in
# both directions, -r, -o, -P, -s, -l, -e/-t, --fork/--pid-file, shutdown on
# SIGTERM with clients connected, bad requests and over-long export names.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/nbd-lib.sh"
need_ref_qemu_img
[ -x "$REF_QEMU_NBD" ] || skip_all "Debian's qemu-nbd (qemu-utils) is not installed"
command -v nbdinfo >/dev/null || skip_all "nbdinfo (libnbd-bin) is not installed"
command -v nbdcopy >/dev/null || skip_all "nbdcopy (libnbd-bin) is not installed"
command -v qemu-io >/dev/null || skip_all "qemu-io (qemu-utils) is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
cd "$TMP"
R=$REF_QEMU_IMG

# A sparse qcow2 with data, an explicit zero range and a small island.
$R create -q -f qcow2 s.qcow2 64M
qemu-io -f qcow2 -c 'write -P 0xaa 1M 2M' -c 'write -z 8M 1M' -c 'write -P 1 20M 64k' \
    s.qcow2 >/dev/null

# nbdinfo's view of an export, minus the URI (it names the socket).
info_json() { nbdinfo --json "$1" | grep -v '"uri"'; }

# ---- the same export from both servers ----
compare_servers() {
    desc=$1; img=$2; shift 2
    if ! ours "$TMP/o.sock" "$@" "$img"; then
        tap_result 1 "$desc: our qemu-nbd starts"; sed 's/^/# /' start.err; return
    fi
    op=$LAST_PID
    # A writable image is locked by its server: Debian's serves its own copy
    # then (a copy of a raw file could differ in its holes, so raw cases are -r).
    ref_img=$img
    case " $* " in *" -r "*) ;; *) cp "$img" "ref-$img"; ref_img=ref-$img;; esac
    if ! theirs "$TMP/r.sock" "$@" "$ref_img"; then
        skip "$desc: Debian's qemu-nbd did not start"; kill "$op"; return
    fi
    rp=$LAST_PID
    check_eq "$desc: nbdinfo --json" "$(info_json "$(uri "$TMP/r.sock" exp)")" \
        "$(info_json "$(uri "$TMP/o.sock" exp)")"
    check_eq "$desc: nbdinfo --map" "$(nbdinfo --map "$(uri "$TMP/r.sock" exp)")" \
        "$(nbdinfo --map "$(uri "$TMP/o.sock" exp)")"
    check_eq "$desc: Debian's qemu-img map" \
        "$($R map --output=json "$(uri "$TMP/r.sock" exp)")" \
        "$($R map --output=json "$(uri "$TMP/o.sock" exp)")"
    check_eq "$desc: qemu-nbd -L (ours) prints the same for both" \
        "$("$QEMU_NBD" -L -k "$TMP/r.sock")" "$("$QEMU_NBD" -L -k "$TMP/o.sock")"
    check_eq "$desc: Debian's qemu-nbd -L prints the same for both" \
        "$("$REF_QEMU_NBD" -L -k "$TMP/r.sock")" "$("$REF_QEMU_NBD" -L -k "$TMP/o.sock")"
    kill "$op" "$rp"
    wait_gone "$op"
    wait_gone "$rp"
}
compare_servers "read-only qcow2" s.qcow2 -f qcow2 -r -t -x exp -D "a description"
cp s.qcow2 w1.qcow2
compare_servers "writable qcow2 (separate copies)" w1.qcow2 -f qcow2 -t -x exp
cp s.qcow2 w2.qcow2
compare_servers "shared by 3, discard=unmap" w2.qcow2 -f qcow2 -t -e 3 -x exp \
    --discard=unmap
$R convert -f qcow2 -O raw s.qcow2 s.raw
compare_servers "raw, read-only, shared by 2" s.raw -f raw -r -t -e 2 -x exp
compare_servers "raw at an offset" s.raw -f raw -r -t -x exp -o 1048576

# ---- Debian's qemu-img and nbdinfo against ours ----
ours "$TMP/o.sock" -f qcow2 -r -t -x exp -D "a description" s.qcow2 ||
    { sed 's/^/# /' start.err; skip_all "our qemu-nbd did not start"; }
U=$(uri "$TMP/o.sock" exp)
check "Debian's qemu-img compares our export equal to the image" $R compare "$U" s.qcow2
check "Debian's qemu-img converts from our export" $R convert -O qcow2 "$U" conv.qcow2
check "the conversion is identical" $R compare conv.qcow2 s.qcow2
check_eq "qemu-img info: virtual size" "67108864" \
    "$($R info --output=json "$U" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p')"
out=$(nbdinfo --list "nbd+unix://?socket=$TMP/o.sock")
case $out in *'export="exp"'*'description: a description'*) tap_result 0 "nbdinfo --list";;
    *) tap_result 1 "nbdinfo --list"; echo "$out" | sed 's/^/# /';; esac
check "nbdcopy from our export to a file" nbdcopy "$U" copy.raw
check "the copy is identical (Debian's compare)" $R compare -F raw s.qcow2 copy.raw
check "writes to a read-only export fail with EPERM" $PYCLIENT "$TMP/o.sock" exp rowrite
check "requests past the end get errors, the connection survives" \
    $PYCLIENT "$TMP/o.sock" exp pastend
# A 5000-byte name is refused and the server keeps serving.
long=$(head -c 5000 /dev/zero | tr '\0' x)
check_fails "a 5000-byte export name is refused" nbdinfo "$(uri "$TMP/o.sock" "$long")"
check "the next client is served" nbdinfo --size "$U"
kill "$LAST_PID"

# ---- writing: nbdcopy into our export, --map with allocation depth ----
$R create -q -f qcow2 dst.qcow2 64M
ours "$TMP/o.sock" -f qcow2 -t -x exp dst.qcow2 || sed 's/^/# /' start.err
check "nbdcopy from a file to our export" nbdcopy copy.raw "$(uri "$TMP/o.sock" exp)"
kill "$LAST_PID"; wait_gone "$LAST_PID"
check "the written image compares equal" $R compare -f qcow2 -F raw dst.qcow2 copy.raw
check "and passes Debian's qemu-img check" $R check -q dst.qcow2

$R create -q -f qcow2 base.qcow2 4M
qemu-io -f qcow2 -c 'write -P 1 0 1M' base.qcow2 >/dev/null
$R create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
qemu-io -f qcow2 -c 'write -P 2 512k 1M' top.qcow2 >/dev/null
for who in ours theirs; do
    $who "$TMP/$who.sock" -f qcow2 -r -t -A top.qcow2 || sed 's/^/# /' start.err
    eval "pid_$who=\$LAST_PID"
done
check_eq "--map qemu:allocation-depth with -A equals Debian's" \
    "$(nbdinfo --map=qemu:allocation-depth "$(uri "$TMP/theirs.sock")")" \
    "$(nbdinfo --map=qemu:allocation-depth "$(uri "$TMP/ours.sock")")"
check_eq "--map over the backing chain equals Debian's" \
    "$(nbdinfo --map "$(uri "$TMP/theirs.sock")")" "$(nbdinfo --map "$(uri "$TMP/ours.sock")")"
# shellcheck disable=SC2154
kill "$pid_ours" "$pid_theirs"

# ---- -P: an MBR with two primaries and an extended partition holding two logicals ----
python3 - <<'EOF'
import struct
img = bytearray(8 * 1024 * 1024)
def entry(t, lba, n):
    return struct.pack("<B3sB3sII", 0, b"\0\0\0", t, b"\0\0\0", lba, n)
def table(entries):
    t = b"".join(entries) + b"\0" * 16 * (4 - len(entries))
    return t + b"\x55\xaa"
img[446:512] = table([entry(0x83, 2048, 2048), entry(0x83, 4096, 2048),
                      entry(0x05, 6144, 8192)])
# first EBR at 6144: logical 5 at 6144+64, next EBR at 6144+4096
img[6144*512+446:6144*512+512] = table([entry(0x83, 64, 1024), entry(0x05, 4096, 4096)])
img[10240*512+446:10240*512+512] = table([entry(0x83, 64, 2048)])
for lba, n, b in ((2048, 2048, 1), (4096, 2048, 2), (6208, 1024, 5), (10304, 2048, 6)):
    img[lba*512:(lba+n)*512] = bytes([b]) * (n * 512)
open("mbr.img", "wb").write(img)
EOF
for p in 1:2048:2048 2:4096:2048 5:6208:1024 6:10304:2048; do
    n=${p%%:*}; rest=${p#*:}; start=${rest%%:*}; len=${rest#*:}
    dd if=mbr.img of=part$n.want bs=512 skip="$start" count="$len" 2>/dev/null
    if ours "$TMP/p.sock" -f raw -r -t -P "$n" mbr.img; then
        nbdcopy "$(uri "$TMP/p.sock")" part$n.got
        check "-P $n exports exactly partition $n" cmp part$n.want part$n.got
        kill "$LAST_PID"
    else
        tap_result 1 "-P $n starts"; sed 's/^/# /' start.err
    fi
done
check_err "-P 3 (the extended partition) is refused" "*partition 3*extended*" \
    "$QEMU_NBD" -k "$TMP/p.sock" -f raw -P 3 mbr.img
check_err "-P 4 (unused) is refused" "*partition 4*" \
    "$QEMU_NBD" -k "$TMP/p.sock" -f raw -P 4 mbr.img
check_err "-P 7 (no such logical) is refused" "*partition 7*" \
    "$QEMU_NBD" -k "$TMP/p.sock" -f raw -P 7 mbr.img
check_err "-P on an image without an MBR is refused" "*MBR signature*" \
    "$QEMU_NBD" -k "$TMP/p.sock" -f raw -P 1 s.raw
# A chain that loops back on itself ends with an error, not a hang.
cp mbr.img loop.img
# EBR 2's link entry: type 05, then (4 bytes on) a start of 4096: EBR 2 itself.
printf '\005\0\0\0\0\020\0\0\0\020\0\0' | dd of=loop.img bs=1 \
    seek=$((10240*512+446+16+4)) conv=notrunc 2>/dev/null
check_err "a looping EBR chain is refused" "*outside*" \
    "$QEMU_NBD" -k "$TMP/p.sock" -f raw -P 7 loop.img

# ---- -o: the export starts at the offset ----
dd if=s.raw of=off.want bs=1M skip=1 2>/dev/null
ours "$TMP/o.sock" -f raw -r -t -o 1048576 s.raw || sed 's/^/# /' start.err
nbdcopy "$(uri "$TMP/o.sock")" off.got
check "-o 1M exports the image from 1M on" cmp off.want off.got
kill "$LAST_PID"

# ---- -s: writes land in a throw-away overlay ----
cp s.qcow2 snap.qcow2
mkdir -p tmpdir
TMPDIR=$TMP/tmpdir ours "$TMP/o.sock" -f qcow2 -s -t snap.qcow2 || sed 's/^/# /' start.err
check "-s: the export takes writes" qemu-io -f raw -c 'write -P 0x55 0 64k' "$(uri "$TMP/o.sock")"
check "-s: reads see them" qemu-io -f raw -c 'read -P 0x55 0 64k' "$(uri "$TMP/o.sock")"
check_eq "-s: the overlay is not visible in TMPDIR" "" "$(ls tmpdir)"
kill "$LAST_PID"; wait_gone "$LAST_PID"
check "-s: the image itself is unchanged" $R compare snap.qcow2 s.qcow2

# ---- -l: an internal snapshot, read-only ----
cp s.qcow2 sn.qcow2
$R snapshot -c first sn.qcow2
qemu-io -f qcow2 -c 'write -P 0x77 0 1M' sn.qcow2 >/dev/null
for param in first snapshot.name=first 1 snapshot.id=1; do
    ours "$TMP/o.sock" -f qcow2 -t -l "$param" sn.qcow2 || sed 's/^/# /' start.err
    check "-l $param exports the snapshot" $R compare -F qcow2 "$(uri "$TMP/o.sock")" s.qcow2
    kill "$LAST_PID"; wait_gone "$LAST_PID"
done
ours "$TMP/o.sock" -f qcow2 -t -l first sn.qcow2 || sed 's/^/# /' start.err
check "-l is read-only" $PYCLIENT "$TMP/o.sock" "" rowrite
kill "$LAST_PID"
check_err "-l with an unknown snapshot" "*Failed to load snapshot*" \
    "$QEMU_NBD" -k "$TMP/o.sock" -f qcow2 -l nosuch sn.qcow2
check_err "-l with a bad parameter" "*Invalid parameter 'foo'*" \
    "$QEMU_NBD" -k "$TMP/o.sock" -f qcow2 -l snapshot.id=1,foo=2 sn.qcow2

# ---- -e / -t ----
# Without -t the server leaves after its last client.
ours "$TMP/o.sock" -f qcow2 -r s.qcow2 || sed 's/^/# /' start.err
pid=$LAST_PID
check "without -t: the server runs until a client came" kill -0 "$pid"
nbdinfo --size "$(uri "$TMP/o.sock")" >/dev/null
check "without -t: it exits after the last client" wait_gone "$pid"
check "without -t: the socket is removed" test ! -e "$TMP/o.sock"
ours "$TMP/o.sock" -f qcow2 -r -t s.qcow2 || sed 's/^/# /' start.err
pid=$LAST_PID
nbdinfo --size "$(uri "$TMP/o.sock")" >/dev/null
nbdinfo --size "$(uri "$TMP/o.sock")" >/dev/null
check "with -t: it keeps running" kill -0 "$pid"
kill "$pid"

# -e 1: a second client waits while the first holds the connection.
ours "$TMP/o.sock" -f qcow2 -r -t s.qcow2 || sed 's/^/# /' start.err
pid=$LAST_PID
$PYCLIENT "$TMP/o.sock" "" hold >hold.out 2>&1 &
holder=$!
wait_file hold.out
check_fails "-e 1: a second client is not served while the first is connected" \
    timeout 2 nbdinfo --size "$(uri "$TMP/o.sock")"
kill "$holder"; wait "$holder" 2>/dev/null
check "-e 1: it is served once the first has left" \
    timeout 20 nbdinfo --size "$(uri "$TMP/o.sock")"
kill "$pid"; wait_gone "$pid"
ours "$TMP/o.sock" -f qcow2 -r -t -e 2 s.qcow2 || sed 's/^/# /' start.err
pid=$LAST_PID
rm -f hold.out
$PYCLIENT "$TMP/o.sock" "" hold >hold.out 2>&1 &
holder=$!
wait_file hold.out
check "-e 2: a second client is served alongside" \
    timeout 20 nbdinfo --size "$(uri "$TMP/o.sock")"
# ---- shutdown with a client connected ----
kill -TERM "$pid"
check "SIGTERM: the server exits with a client connected" wait_gone "$pid" 20
check "SIGTERM: the connected client sees the end of the connection" wait_gone "$holder" 10
wait "$holder" 2>/dev/null

# Foreground server: exit status 0 on SIGTERM, pid file and socket removed,
# the data a client wrote is on disk and the image is clean.
cp s.qcow2 term.qcow2
"$QEMU_NBD" -k "$TMP/t.sock" --pid-file "$TMP/t.pid" -f qcow2 -t term.qcow2 2>t.err &
fg=$!
wait_file t.pid
rm -f hold.out
$PYCLIENT "$TMP/t.sock" "" write 4194304 65536 ee >hold.out 2>&1 &
holder=$!
wait_file hold.out
check_eq "the client's write was answered" "ready" "$(cat hold.out)"
check_eq "--pid-file holds the server's pid" "$fg" "$(cat t.pid)"
kill -TERM "$fg"
wait "$fg"
check_eq "SIGTERM: exit status 0" "0" "$?"
wait "$holder" 2>/dev/null
check "SIGTERM: the pid file is removed" test ! -e t.pid
check "SIGTERM: the socket is removed" test ! -e t.sock
check "the written data is in the image" qemu-io -f qcow2 -c 'read -P 0xee 4M 64k' term.qcow2
check "the image passes Debian's qemu-img check" $R check -q term.qcow2

# SIGINT and SIGHUP stop the server the same way.
for sig in INT HUP; do
    rm -f t.pid
    "$QEMU_NBD" -k "$TMP/t.sock" --pid-file "$TMP/t.pid" -f qcow2 -r -t s.qcow2 2>t.err &
    fg=$!
    wait_file t.pid
    kill -"$sig" "$fg"
    wait "$fg"
    check_eq "SIG$sig: exit status 0" "0" "$?"
    check "SIG$sig: the socket is removed" test ! -e t.sock
done

# ---- TCP: nbd:// URIs on a free port of 127.0.0.1 ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$QEMU_NBD" -b 127.0.0.1 -p "$port" --fork --pid-file "$TMP/tcp.pid" -f qcow2 -r -t \
    -x exp s.qcow2 2>tcp.err || sed 's/^/# /' tcp.err
[ -s tcp.pid ] && NBD_PIDS="$NBD_PIDS $(cat tcp.pid)"
check_eq "TCP: nbdinfo --size on nbd://127.0.0.1:$port/exp" "67108864" \
    "$(nbdinfo --size "nbd://127.0.0.1:$port/exp" 2>&1)"
check "TCP: Debian's qemu-img compares the export with the image" \
    $R compare "nbd://127.0.0.1:$port/exp" s.qcow2
check_eq "TCP: our -L -b -p" "exports available: 1" \
    "$("$QEMU_NBD" -L -b 127.0.0.1 -p "$port" 2>&1 | head -1)"
[ -s tcp.pid ] && kill "$(cat tcp.pid)"

# ---- --fork ----
check_err "--fork: an error before serving makes the parent fail with the message" \
    "*nosuch.img*" "$QEMU_NBD" -k "$TMP/f.sock" --fork nosuch.img
# (captured output: the daemon must not keep the caller's stderr pipe open)
check "--fork: the parent returns once the socket is listening" \
    "$QEMU_NBD" -k "$TMP/f.sock" --fork --pid-file "$TMP/f.pid" -f qcow2 -r s.qcow2
fpid=$(cat f.pid 2>/dev/null)
NBD_PIDS="$NBD_PIDS $fpid"
check "--fork: a client is served at once" nbdinfo --size "$(uri "$TMP/f.sock")"
check "--fork: the daemon exits after its client" wait_gone "$fpid"

done_testing
