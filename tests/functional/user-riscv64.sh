#!/bin/sh
# Differential test of qemu-riscv64: every guest program in tests/guest/riscv64
# (*.c and *.S, settings in a "/* guest: ... */" comment, see the README there)
# is cross-compiled, run under our qemu-riscv64 and Debian's with the same
# arguments, and its stdout, stderr (less the emulators' own "qemu..." lines)
# and exit status must be equal. One TAP line per program and build mode.
# Builds are cached by content hash in $top_builddir/tests/guest-cache.
# Environment: GUEST_ONLY (space-separated program names to run), GUEST_TIMEOUT
# (default per-run limit in seconds, 30), GUEST_TWICE=1 (also run Debian's a
# second time and require identical results: a determinism check).
. "$top_srcdir/tests/functional/common.sh"

OURS=$top_builddir/qemu-riscv64
REF=/usr/bin/qemu-riscv64
CC=riscv64-linux-gnu-gcc
SYSROOT=/usr/riscv64-linux-gnu
SRC=$top_srcdir/tests/guest/riscv64
CACHE=$top_builddir/tests/guest-cache
DEFAULT_TIMEOUT=${GUEST_TIMEOUT:-30}

# Known failures of our emulator, as "name:mode reason" lines. A listed
# program that fails is reported "not ok ... # TODO reason" (an expected
# failure); one that passes is an ordinary "ok": then delete its line.
GUEST_XFAIL=''

command -v "$CC" >/dev/null 2>&1 || skip_all "$CC (gcc-riscv64-linux-gnu) is not installed"
[ -x "$REF" ] || skip_all "Debian's qemu-riscv64 (qemu-user) is not installed"
[ -x "$OURS" ] || skip_all "$OURS is not built"
command -v timeout >/dev/null 2>&1 || skip_all "timeout (coreutils) is missing"
[ -d "$SRC" ] || skip_all "$SRC is missing"

# The emulators must not pick up settings from the caller's environment.
unset QEMU_LD_PREFIX QEMU_STRACE QEMU_LOG QEMU_LOG_FILENAME QEMU_CPU QEMU_GUEST_BASE \
    QEMU_RESERVED_VA QEMU_STACK_SIZE QEMU_SET_ENV QEMU_UNSET_ENV QEMU_ARGV0 \
    QEMU_UNAME QEMU_SINGLESTEP QEMU_GDB QEMU_RAND_SEED QEMU_PAGESIZE 2>/dev/null || true

mkdir -p "$CACHE" || skip_all "cannot create $CACHE"
BIN=$TMP/bin
mkdir -p "$BIN"

# reap: kill what is left of the guest programs (all of them run from $BIN):
# timeout kills its process group, but a guest may have made another one, and
# a hung child of a killed guest would otherwise live on.
reap() {
    for _p in $(pgrep -f "$BIN/" 2>/dev/null); do
        [ "$_p" != $$ ] && kill -9 "$_p" 2>/dev/null
    done
    return 0
}
trap 'reap; rm -rf "$TMP"' EXIT
CC_ID=$($CC --version 2>/dev/null | head -n 1)

# parse_header FILE: set h_args h_cflags h_march h_dynamic h_ref h_timeout from
# the first "guest:" comment line. Values run until the next "key=" word, so
# args and cflags may hold several words.
parse_header() {
    h_args=""; h_cflags=""; h_march=""; h_dynamic=no; h_ref=yes; h_timeout=$DEFAULT_TIMEOUT
    _line=$(head -n 40 "$1" | grep -m 1 -E '^[[:space:]]*(/\*|//)[[:space:]]*guest:' |
            sed -e 's|^[[:space:]]*/[*/][[:space:]]*guest:||' -e 's|\*/.*$||')
    _key=""
    for _w in $_line; do
        case $_w in
            args=*|cflags=*|march=*|dynamic=*|ref=*|timeout=*)
                _key=${_w%%=*}
                eval "h_$_key=\${_w#*=}";;
            *=*)
                echo "# $1: unknown setting '$_w'" >&2; h_bad="unknown setting $_w";;
            *)
                [ -n "$_key" ] || { h_bad="text before the first setting: $_w"; continue; }
                eval "h_$_key=\"\$h_$_key \$_w\"";;
        esac
    done
}

# build NAME SRCFILE MODE: compile (or take from the cache) into $BIN/NAME or
# $BIN/NAME-dyn. Prints the compiler's messages on failure.
build() {
    _out=$BIN/$1; _link=-static
    [ "$3" = dynamic ] && { _out=$BIN/$1-dyn; _link=""; }
    _flags="-O2 -Wall $_link ${h_march:+-march=$h_march}"
    # The key covers the files it includes from this folder too (#include "x.c").
    _incs=$(sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"/]*\)".*|\1|p' "$2")
    _key=$( { cat "$2"; for _i in $_incs; do cat "$SRC/$_i" 2>/dev/null; done
              echo "$_flags|$h_cflags|$CC_ID"; } | sha256sum | cut -c1-32)
    if [ ! -s "$CACHE/$_key" ]; then
        # shellcheck disable=SC2086
        $CC $_flags -o "$CACHE/$_key.tmp.$$" "$2" $h_cflags >"$TMP/cc.log" 2>&1 || {
            sed 's/^/# /' "$TMP/cc.log" | head -n 30; rm -f "$CACHE/$_key.tmp.$$"; return 1; }
        mv -f "$CACHE/$_key.tmp.$$" "$CACHE/$_key"
    fi
    cp "$CACHE/$_key" "$_out"
}

# run WHO EXE MODE OUTPREFIX: run EXE under emulator WHO (ours|ref) in a
# scratch directory, leaving OUTPREFIX.out, .err (filtered) and .rc.
run() {
    _emu=$OURS; [ "$1" = ref ] && _emu=$REF
    _dir=$TMP/run-$1
    rm -rf "$_dir"; mkdir -p "$_dir/tmp" "$_dir/cwd"
    _args=""
    for _a in $h_args; do
        case $_a in
            TMPDIR) _a=$_dir/tmp;;
            BINDIR) _a=$BIN;;
        esac
        _args="$_args $_a"
    done
    _l=""; [ "$3" = dynamic ] && _l="-L $SYSROOT"
    # An inner shell waits for it so that ours dying of a signal does not make
    # this one print "Aborted" and the like.
    # shellcheck disable=SC2016,SC2086
    sh -c 'cd "$1" || exit 1; o=$2; shift 2
           timeout -k 5 "$@" </dev/null >"$o.out" 2>"$o.err.raw"; echo $? >"$o.rc"' \
        run "$_dir/cwd" "$4" "$h_timeout" "$_emu" $_l "$2" $_args 2>/dev/null
    [ -s "$4.rc" ] || echo 255 >"$4.rc"
    # The scratch path differs between the two runs; emulator diagnostics differ by design.
    sed -i "s|$_dir|@SCRATCH@|g" "$4.out"
    sed -e "s|$_dir|@SCRATCH@|g" -e '/^qemu[-a-z0-9]*: /d' "$4.err.raw" >"$4.err"
}

# compare A B: describe the first difference between two runs, or nothing
compare() {
    _d=""
    cmp -s "$1.rc" "$2.rc" || _d="exit status $(cat "$1.rc") vs $(cat "$2.rc")"
    cmp -s "$1.out" "$2.out" || _d="$_d${_d:+; }stdout differs"
    cmp -s "$1.err" "$2.err" || _d="$_d${_d:+; }stderr differs"
    echo "$_d"
}

# report NAME MODE DESC FAILURE-TEXT: one TAP line, honouring GUEST_XFAIL
report() {
    _reason=$(printf '%s\n' "$GUEST_XFAIL" | sed -n "s|^$1:$2 ||p" | head -n 1)
    if [ -z "$4" ]; then
        tap_result 0 "$3${_reason:+ (listed in GUEST_XFAIL but passes: remove it)}"
    elif [ -n "$_reason" ]; then
        _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $3: $4 # TODO $_reason"
    else
        tap_result 1 "$3: $4"
    fi
}

show_diff() {
    diff -u "$1.out" "$2.out" | head -n 40 | sed 's/^/# /'
    diff -u "$1.err" "$2.err" | head -n 20 | sed 's/^/# /'
}

# programs NAME...: the guest sources to test, honouring GUEST_ONLY
programs() {
    for _src in "$SRC"/*.c "$SRC"/*.S; do
        [ -f "$_src" ] || continue
        _name=$(basename "$_src"); _name=${_name%.*}
        if [ -n "${GUEST_ONLY:-}" ]; then
            case " $GUEST_ONLY " in *" $_name "*) ;; *) continue;; esac
        fi
        echo "$_src"
    done
}

# settings SRC: parse the header and set name, modes and h_bad
settings() {
    name=$(basename "$1"); name=${name%.*}
    h_bad=""
    parse_header "$1"
    case $h_dynamic in
        no) modes=static;; yes) modes=dynamic;; both) modes="static dynamic";;
        *) h_bad="dynamic=$h_dynamic (want no, yes or both)"; modes=static;;
    esac
    case $h_ref in yes|no) ;; *) h_bad="ref=$h_ref (want yes or no)";; esac
}

# Build everything first (even outside GUEST_ONLY): a program may execve
# another one from BINDIR.
for src in $(GUEST_ONLY="" programs); do
    settings "$src"
    [ -z "$h_bad" ] || continue
    for mode in $modes; do
        if ! build "$name" "$src" "$mode" >"$TMP/build-$name-$mode.log"; then
            touch "$TMP/build-$name-$mode.failed"
        fi
    done
done

for src in $(programs); do
    settings "$src"
    for mode in $modes; do
        desc="$name ($mode)"
        if [ -n "$h_bad" ]; then
            tap_result 1 "$desc: bad guest header: $h_bad"; continue
        fi
        if [ -f "$TMP/build-$name-$mode.failed" ]; then
            tap_result 1 "$desc: does not compile"; cat "$TMP/build-$name-$mode.log"; continue
        fi
        exe=$BIN/$name; [ "$mode" = dynamic ] && exe=$BIN/$name-dyn
        res=$TMP/res-$name-$mode
        if [ "$h_ref" = no ]; then
            # Debian's cannot run it (e.g. execve of a guest program needs binfmt_misc):
            # ours must exit 0 and print the checked-in expected output when there is one.
            run ours "$exe" "$mode" "$res.ours"
            reap
            fail=""
            [ "$(cat "$res.ours.rc")" = 0 ] || fail="exit status $(cat "$res.ours.rc")"
            if [ -f "$SRC/$name.out" ] && ! cmp -s "$SRC/$name.out" "$res.ours.out"; then
                fail="$fail${fail:+; }stdout differs from $name.out"
            fi
            report "$name" "$mode" "$desc (against $name.out)" "$fail"
            if [ -n "$fail" ]; then
                [ -f "$SRC/$name.out" ] &&
                    diff -u "$SRC/$name.out" "$res.ours.out" | head -n 40 | sed 's/^/# /'
                head -n 20 "$res.ours.err" | sed 's/^/# stderr: /'
            fi
            continue
        fi
        # The two emulators run concurrently, each in its own scratch directory.
        run ref "$exe" "$mode" "$res.ref" &
        refpid=$!
        run ours "$exe" "$mode" "$res.ours"
        wait "$refpid"
        if [ "$(cat "$res.ref.rc")" = 124 ] || [ "$(cat "$res.ref.rc")" = 137 ]; then
            tap_result 1 "$desc: Debian's qemu-riscv64 timed out (a broken test program?)"
            continue
        fi
        if [ "${GUEST_TWICE:-0}" = 1 ]; then
            run ref "$exe" "$mode" "$res.ref2"
            d=$(compare "$res.ref" "$res.ref2")
            [ -z "$d" ] || { tap_result 1 "$desc: not deterministic under Debian's ($d)"
                             show_diff "$res.ref" "$res.ref2"; continue; }
        fi
        reap
        d=$(compare "$res.ref" "$res.ours")
        case $(cat "$res.ours.rc") in 124|137) d="timed out after ${h_timeout}s; $d";; esac
        report "$name" "$mode" "$desc" "$d"
        [ -z "$d" ] || show_diff "$res.ref" "$res.ours"
    done
done
done_testing
