#!/bin/sh
# qemu-riscv64 -g: gdb-multiarch debugs a small static riscv64 program through our
# gdbstub (breakpoint at the right line, registers, a variable, a single step,
# memory, the exit code), over TCP and over a unix socket. The same session runs
# first against Debian's qemu-riscv64, so the expected strings are the reference's.
. "$top_srcdir/tests/functional/common.sh"

OURS=${QEMU_RISCV64:-$top_builddir/qemu-riscv64}
REF=/usr/bin/qemu-riscv64
CC=riscv64-linux-gnu-gcc
GDB=gdb-multiarch

command -v "$CC" >/dev/null 2>&1 || skip_all "$CC (gcc-riscv64-linux-gnu) is not installed"
command -v "$GDB" >/dev/null 2>&1 || skip_all "$GDB is not installed"
[ -x "$OURS" ] || skip_all "qemu-riscv64 is not built ($OURS)"

cat > "$TMP/prog.c" <<'CEOF'
#include <stdio.h>

volatile int counter = 41;
unsigned int table[4] = { 0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u };

__attribute__((noinline)) int bump(int x)
{
    counter = counter + x;      /* BUMP_LINE */
    return counter;
}

int main(void)
{
    int r = bump(1);
    printf("r=%d\n", r);
    return r - 39;
}
CEOF
"$CC" -static -g -O1 -o "$TMP/prog" "$TMP/prog.c" || skip_all "cannot build the riscv64 test program"
BUMP_LINE=$(grep -n BUMP_LINE "$TMP/prog.c" | cut -d: -f1)

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listen PORT|PATH: until the emulator listens (connecting would take its
# only accept). TCP listeners show in /proc/net/tcp with state 0A.
wait_listen() {
    i=0
    while [ $i -lt 100 ]; do
        case $1 in
        /*) [ -S "$1" ] && return 0 ;;
        *) grep -qi ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp && return 0 ;;
        esac
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# session EMULATOR WHERE OUTFILE: run prog under EMULATOR -g WHERE and gdb on it.
session() {
    emu=$1 where=$2 out=$3
    timeout 60 "$emu" -g "$where" "$TMP/prog" > "$out.guest" 2>&1 &
    qpid=$!
    case $where in /*) target=$where ;; *) target=:$where ;; esac
    if wait_listen "$where"; then
        timeout 60 "$GDB" --batch -nx "$TMP/prog" \
            -ex "target remote $target" -ex 'break bump' -ex continue \
            -ex 'info registers pc' -ex 'p counter' -ex 'p x' -ex 'p $a0' \
            -ex 'p/x $sp' -ex stepi -ex 'info registers pc' \
            -ex 'x/4xw table' -ex 'set var table[1] = 0x55' -ex 'p/x table[1]' \
            -ex 'p $fcsr' -ex continue > "$out" 2>&1
    else
        echo "emulator never listened on $where" > "$out"
    fi
    wait "$qpid"
    echo "exit=$?" >> "$out.guest"
}

# expect LABEL FILE STRING: FILE contains STRING (a fixed string).
expect() {
    if grep -qF -- "$3" "$2"; then tap_result 0 "$1"
    else tap_result 1 "$1"; echo "# wanted: $3"; sed 's/^/#   /' "$2" | head -40; fi
}

# check_session LABEL OUTFILE
check_session() {
    l=$1 o=$2
    bp_addr=$(sed -n 's/^Breakpoint 1 at \(0x[0-9a-f]*\): .*/\1/p' "$o")
    expect "$l: breakpoint set in prog.c" "$o" "Breakpoint 1 at $bp_addr: file $TMP/prog.c, line $BUMP_LINE."
    expect "$l: breakpoint hit with the argument" "$o" "Breakpoint 1, bump (x=x@entry=1) at $TMP/prog.c:$BUMP_LINE"
    expect "$l: source line shown" "$o" "$BUMP_LINE	    counter = counter + x;"
    expect "$l: pc at the breakpoint" "$o" "$(printf 'pc             %s\t%s <bump>' "$bp_addr" "$bp_addr")"
    expect "$l: global variable" "$o" '$1 = 41'
    expect "$l: argument" "$o" '$2 = 1'
    expect "$l: a0 register" "$o" '$3 = 1'
    expect "$l: stack pointer read" "$o" '$4 = 0x'
    step_pc=$(sed -n 's/^pc  *\(0x[0-9a-f]*\)	.*/\1/p' "$o" | sed -n 2p)
    check "$l: stepi moved the pc forward" test -n "$step_pc" -a \
        "$(printf '%d' "$step_pc" 2>/dev/null || echo 0)" -gt "$(printf '%d' "${bp_addr:-0}")"
    expect "$l: memory read" "$o" "<table>:	0x11111111	0x22222222	0x33333333	0x44444444"
    expect "$l: memory write" "$o" '$5 = 0x55'
    expect "$l: fcsr readable" "$o" '$6 = '
    expect "$l: exit code reported" "$o" "[Inferior 1 (process 1) exited with code 03]"
    expect "$l: program output" "$o.guest" "r=42"
    expect "$l: emulator exit status" "$o.guest" "exit=3"
}

if [ -x "$REF" ]; then
    session "$REF" "$(free_port)" "$TMP/ref.out"
    check_session "reference" "$TMP/ref.out"
else
    skip "Debian's qemu-riscv64 (qemu-user) is not installed: no reference run"
fi

session "$OURS" "$(free_port)" "$TMP/ours.out"
check_session "ours (tcp)" "$TMP/ours.out"

session "$OURS" "$TMP/gdb.sock" "$TMP/unix.out"
expect "ours (unix socket): breakpoint hit" "$TMP/unix.out" "Breakpoint 1, bump (x=x@entry=1)"
expect "ours (unix socket): exit code" "$TMP/unix.out" "exited with code 03"

# Errors: a bad port is refused before the guest runs.
out=$("$OURS" -g 99999 "$TMP/prog" 2>&1); rc=$?
check_eq "bad port: exit 1" 1 "$rc"
case $out in *qemu-riscv64:*99999*) tap_result 0 "bad port: message" ;;
*) tap_result 1 "bad port: message"; echo "# $out" ;; esac

done_testing
