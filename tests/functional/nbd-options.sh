#!/bin/sh
# qemu-nbd's command line: --help and -V, every refused option and bad
# combination (exit status 1 and a message naming the problem; where Debian's
# qemu-nbd refuses the same thing, its message carries the same key words),
# the kernel client without the nbd module, and systemd socket activation.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/nbd-lib.sh"
need_ref_qemu_img
cd "$TMP"
Q=$QEMU_NBD
$REF_QEMU_IMG create -q -f qcow2 a.qcow2 1M

# ---- help and version ----
help=$("$Q" --help); rc=$?
check_eq "--help exits 0" 0 "$rc"
missing=""
for opt in --port --bind --socket --shared --persistent --verbose --export-name \
    --description --offset --partition --allocation-depth --bitmap --list --object \
    --tls-creds --tls-hostname --tls-authz --trace --fork --pid-file --selinux-label \
    --connect --disconnect --format --read-only --snapshot --load-snapshot --nocache \
    --cache --aio --discard --detect-zeroes --image-opts --help --version; do
    case $help in *"$opt"*) ;; *) missing="$missing $opt";; esac
done
check_eq "--help lists every option" "" "$missing"
if [ -x "$REF_QEMU_NBD" ]; then
    theirs_opts=$("$REF_QEMU_NBD" --help | grep -o -- '--[a-z-]*' | sort -u)
    missing=""
    for opt in $theirs_opts; do
        case $help in *"$opt"*) ;; *) missing="$missing $opt";; esac
    done
    check_eq "every option of Debian's --help is in ours" "" "$missing"
fi
check_eq "-V" "qemu-nbd version 7.2.0" "$("$Q" -V | head -1 | cut -d' ' -f1-3)"
check_eq "--version" "qemu-nbd version 7.2.0" "$("$Q" --version | head -1 | cut -d' ' -f1-3)"
check "--object help exits 0" "$Q" --object help

# ---- refused: exit 1 with a message matching the pattern ----
# bad PATTERN ARGS...: ours fails with PATTERN; REF: Debian's fails the same way.
# (descriptions show the arguments cut to 70 characters)
bad() {
    local bad_pat="$1"; shift
    check_err "qemu-nbd $(echo "$*" | cut -c1-70)" "qemu-nbd: $bad_pat" "$Q" "$@"
}
ref_too() {
    local ref_pat="$1"; shift
    bad "$ref_pat" "$@"
    [ -x "$REF_QEMU_NBD" ] || return 0
    check_err "Debian's qemu-nbd $(echo "$*" | cut -c1-60) (same wording)" \
        "qemu-nbd: $ref_pat" timeout 5 "$REF_QEMU_NBD" "$@"
}
K="-k $TMP/never.sock"
ref_too "Invalid number of arguments*"
ref_too "Invalid number of arguments*" a.qcow2 a.qcow2
bad "unrecognized option '--bogus'*" --bogus a.qcow2
ref_too "Invalid shared device number '-1'*" -e -1 a.qcow2
ref_too "Invalid shared device number 'x'*" -e x a.qcow2
ref_too "Invalid offset 'x'*" -o x a.qcow2
ref_too "Invalid offset '1G'*" -o 1G a.qcow2
bad "Invalid partition '0'*" -P 0 a.qcow2
bad "Invalid partition 'x'*" -P x a.qcow2
bad "--partition and --offset cannot be used together*" -P 1 -o 512 a.qcow2
ref_too "Invalid cache mode \`bad'*" --cache=bad a.qcow2
ref_too "-n and --cache can only be specified once*" -n --cache=none a.qcow2
ref_too "Invalid aio mode 'bad'*" --aio=bad a.qcow2
ref_too "--aio can only be specified once*" --aio=threads --aio=threads a.qcow2
bad "*aio=native is not supported*" $K --aio=native a.qcow2
bad "*aio=io_uring is not supported*" $K --aio=io_uring a.qcow2
ref_too "Invalid discard mode \`bad'*" --discard=bad a.qcow2
ref_too "--discard can only be specified once*" --discard=on --discard=on a.qcow2
ref_too "Failed to parse detect_zeroes mode*bad*" --detect-zeroes=bad a.qcow2
ref_too "setting detect-zeroes to unmap is not allowed without setting discard*" \
    --detect-zeroes=unmap a.qcow2
ref_too "--image-opts and -f are mutually exclusive*" -f qcow2 --image-opts a.qcow2
ref_too "Failed to blk_new_open 'a.qcow2': Unknown driver 'bad'*" $K -f bad a.qcow2
ref_too "Failed to blk_new_open 'nosuch.img':*No such file or directory*" $K nosuch.img
ref_too "List mode is incompatible with a file name*" -L a.qcow2
ref_too "List mode is incompatible with per-device settings*" -L -x foo
ref_too "List mode is incompatible with per-device settings*" -L -f raw
ref_too "List mode is incompatible with forking*" -L --fork
ref_too "--tls-hostname is not permitted without --tls-creds*" -L --tls-hostname=x
ref_too "TLS hostname is only supported with export list*" --tls-creds=x --tls-hostname=y \
    a.qcow2
ref_too "Failed to get TLS creds: No TLS credentials with id 'x'*" $K --tls-creds=x a.qcow2
ref_too "Failed to get TLS creds: Expect* server endpoint*" $K \
    --object tls-creds-anon,id=t0,endpoint=client --tls-creds=t0 a.qcow2
ref_too "Failed to get TLS creds: Expect* client endpoint*" -L -k "$TMP/never.sock" \
    --object tls-creds-anon,id=t0,endpoint=server --tls-creds=t0
ref_too "TLS is not supported with a host device*" \
    --object tls-creds-anon,id=t0,endpoint=server --tls-creds=t0 -c /dev/nbd0 a.qcow2
bad "--tls-authz authz0: *not supported*" --tls-authz=authz0 a.qcow2
bad "-T foo: tracing is not supported*" -T foo a.qcow2
bad "--bitmap b0: *not supported*" -B b0 a.qcow2
bad "--selinux-label x: *not supported*" --selinux-label=x a.qcow2
ref_too "socket path must be absolute*" -k rel.sock --fork a.qcow2
bad "--socket cannot be combined with --bind or --port*" -k "$TMP/x.sock" -p 1234 a.qcow2
long=$(head -c 5000 /dev/zero | tr '\0' n)
ref_too "export name '$long' too long*" -x "$long" a.qcow2
ref_too "export description '$long' too long*" -D "$long" a.qcow2
ref_too "Failed to bind socket to $TMP/nodir/s.sock: No such file or directory*" \
    -k "$TMP/nodir/s.sock" a.qcow2
bad "Could not create '$TMP/nodir/p'*" -k "$TMP/p.sock" --pid-file="$TMP/nodir/p" \
    -f qcow2 a.qcow2
check "no socket file is left behind by a failed start" test ! -e "$TMP/p.sock"
ref_too "Failed to connect to '$TMP/never.sock': No such file or directory*" \
    -L -k "$TMP/never.sock"

# ---- the kernel client without the nbd module ----
if [ -e /dev/nbd0 ]; then
    skip "-c: /dev/nbd0 exists here, the no-module message cannot be checked"
else
    check_eq "-c without the nbd module" \
        "qemu-nbd: Failed to open /dev/nbd0: No such file or directory (is the nbd kernel module loaded? modprobe nbd)" \
        "$("$Q" -c /dev/nbd0 -f qcow2 a.qcow2 2>&1)"
    check_err "-d without the nbd module" \
        "qemu-nbd: Cannot open /dev/nbd0: No such file or directory (is the nbd kernel module loaded? modprobe nbd)" \
        "$Q" -d /dev/nbd0
fi

# ---- systemd socket activation ----
if command -v systemd-socket-activate >/dev/null && command -v nbdinfo >/dev/null; then
    systemd-socket-activate -l "$TMP/act.sock" "$Q" -f qcow2 -r -t a.qcow2 \
        >act.log 2>&1 &
    act=$!
    NBD_PIDS="$NBD_PIDS $act"
    wait_file act.log 1 || true
    n=50
    while [ ! -S "$TMP/act.sock" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    check_eq "socket activation: the inherited socket is served" "1048576" \
        "$(timeout 20 nbdinfo --size "$(uri "$TMP/act.sock")" 2>&1)"
    kill "$act" 2>/dev/null
    # (the activated qemu-nbd is a child of systemd-socket-activate's exec: it is
    # the same process, so killing it ends the server too)
    systemd-socket-activate -l "$TMP/act2.sock" "$Q" -k "$TMP/other.sock" -f qcow2 -r \
        a.qcow2 >act2.log 2>&1 &
    act2=$!
    NBD_PIDS="$NBD_PIDS $act2"
    n=50
    while [ ! -S "$TMP/act2.sock" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    timeout 10 nbdinfo --size "$(uri "$TMP/act2.sock")" >/dev/null 2>&1
    wait_gone "$act2" 10
    case $(cat act2.log) in
        *"cannot be used with socket activation"*) tap_result 0 "socket activation refuses -k";;
        *) tap_result 1 "socket activation refuses -k"; sed 's/^/# /' act2.log;;
    esac
else
    skip "systemd-socket-activate or nbdinfo not installed"
fi

done_testing
