#!/bin/sh
# scripts/qemu-binfmt-conf.sh: the --systemd and --debian files it writes (checked
# field by field against the ELF facts), flags, --help and its errors. Direct
# registration needs root and binfmt_misc, so only its refusal is checked here.
. "$top_srcdir/tests/functional/common.sh"

CONF=$top_srcdir/scripts/qemu-binfmt-conf.sh
[ -x "$CONF" ] || skip_all "scripts/qemu-binfmt-conf.sh is missing"

RV64_MAGIC='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xf3\x00'
LE_MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
BE_MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff'

# field FILE N: the N-th ':'-separated field of a registration line.
field() { cut -d: -f"$2" "$1"; }

# --systemd: one .conf per arch, ":name:M::magic:mask:interpreter:flags".
d=$TMP/systemd
check "--systemd riscv64 succeeds" "$CONF" --systemd riscv64 --exportdir "$d" --qemu-path /opt/q/bin
f=$d/qemu-riscv64.conf
check "riscv64 conf written" test -f "$f"
check_eq "conf: only riscv64 written" "qemu-riscv64.conf" "$(ls "$d")"
check_eq "conf: one line" 1 "$(wc -l < "$f")"
check_eq "conf: starts with a colon" "" "$(field "$f" 1)"
check_eq "conf: name" qemu-riscv64 "$(field "$f" 2)"
check_eq "conf: type M (magic)" M "$(field "$f" 3)"
check_eq "conf: offset empty (0)" "" "$(field "$f" 4)"
check_eq "conf: magic" "$RV64_MAGIC" "$(field "$f" 5)"
check_eq "conf: mask" "$LE_MASK" "$(field "$f" 6)"
check_eq "conf: interpreter" /opt/q/bin/qemu-riscv64 "$(field "$f" 7)"
check_eq "conf: no flags by default" "" "$(field "$f" 8)"

# Flags: P (preserve argv0), C (credential), F (persistent); suffix.
d=$TMP/flags
check "--systemd with every flag" "$CONF" --systemd riscv64 --exportdir "$d" \
    --preserve-argv0 yes --credential yes --persistent yes --qemu-suffix -static
f=$d/qemu-riscv64.conf
check_eq "flags PCF" PCF "$(field "$f" 8)"
check_eq "suffix and default path" /usr/local/bin/qemu-riscv64-static "$(field "$f" 7)"
check "--opt=value form" "$CONF" --systemd=riscv64 --exportdir="$TMP/eq" --credential=yes
check_eq "--opt=value flags" C "$(field "$TMP/eq/qemu-riscv64.conf" 8)"

# Every arch's e_machine / class / byte order (ALL; the host's own is skipped).
d=$TMP/all
check "--systemd ALL" "$CONF" --systemd ALL --exportdir "$d"
machine_bytes() { field "$1" 5 | sed 's/.*\(\\x..\\x..\)$/\1/'; }
class_byte() { field "$1" 5 | cut -c17-20; }
data_byte() { field "$1" 5 | cut -c21-24; }
for spec in 'aarch64 \xb7\x00 \x02 \x01 LE' 'aarch64_be \x00\xb7 \x02 \x02 BE' \
            'arm \x28\x00 \x01 \x01 LE' 'armeb \x00\x28 \x01 \x02 BE' \
            'x86_64 \x3e\x00 \x02 \x01 LE' 'riscv64 \xf3\x00 \x02 \x01 LE'; do
    set -- $spec
    f=$d/qemu-$1.conf
    host=$(uname -m)
    if [ "$1" = "$host" ] || { [ "$1" = x86_64 ] && [ "$host" = x86_64 ]; }; then
        check "$1: the host arch is skipped" test ! -e "$f"
        continue
    fi
    check_eq "$1: e_machine" "$2" "$(machine_bytes "$f")"
    check_eq "$1: ELF class" "$3" "$(class_byte "$f")"
    check_eq "$1: byte order" "$4" "$(data_byte "$f")"
    if [ "$5" = LE ]; then m=$LE_MASK; else m=$BE_MASK; fi
    check_eq "$1: mask" "$m" "$(field "$f" 6)"
done

# The Debian reference, when qemu-user-binfmt is installed: same magic and mask.
for a in riscv64 aarch64 arm armeb; do
    ref=/usr/lib/binfmt.d/qemu-$a.conf
    if [ -f "$ref" ]; then
        check_eq "$a: magic and mask as Debian's" "$(cut -d: -f5-6 "$ref")" \
            "$(cut -d: -f5-6 "$d/qemu-$a.conf")"
    else
        skip "$a: no Debian binfmt reference ($ref)"
    fi
done

# --debian: update-binfmts import files.
d=$TMP/debian
check "--debian riscv64 arm" "$CONF" --debian --exportdir "$d" --qemu-path /usr/bin \
    --credential yes riscv64 arm
f=$d/qemu-riscv64
key() { sed -n "s/^$2 //p" "$1"; }
check_eq "debian: package" qemu-riscv64 "$(key "$f" package)"
check_eq "debian: interpreter" /usr/bin/qemu-riscv64 "$(key "$f" interpreter)"
check_eq "debian: magic" "$RV64_MAGIC" "$(key "$f" magic)"
check_eq "debian: offset" 0 "$(key "$f" offset)"
check_eq "debian: mask" "$LE_MASK" "$(key "$f" mask)"
check_eq "debian: credentials" yes "$(key "$f" credentials)"
check_eq "debian: fix_binary" no "$(key "$f" fix_binary)"
check_eq "debian: preserve" no "$(key "$f" preserve)"
check_eq "debian: arm written too" qemu-arm "$(key "$d/qemu-arm" package)"
check_eq "debian: two files" 2 "$(ls "$d" | wc -l)"
if [ -f /usr/share/binfmts/qemu-riscv64 ]; then
    check_eq "debian: same keys as Debian's own file" \
        "$(cut -d' ' -f1 /usr/share/binfmts/qemu-riscv64 | sort | tr '\n' ' ')" \
        "$(cut -d' ' -f1 "$f" | sort | tr '\n' ' ')"
else
    skip "no /usr/share/binfmts/qemu-riscv64 to compare with"
fi

# --help and errors.
out=$("$CONF" --help 2>&1); rc=$?
check_eq "--help exits 0" 0 "$rc"
for word in --qemu-path --qemu-suffix --debian --systemd --exportdir --credential \
            --persistent --preserve-argv0 riscv64; do
    case $out in *"$word"*) tap_result 0 "--help mentions $word" ;;
    *) tap_result 1 "--help mentions $word" ;; esac
done
out=$("$CONF" --systemd sparc99 --exportdir "$TMP/bad" 2>&1); rc=$?
check_eq "bad arch: exit 1" 1 "$rc"
case $out in *"unknown architecture 'sparc99'"*) tap_result 0 "bad arch: message names it" ;;
*) tap_result 1 "bad arch: message names it"; echo "# $out" ;; esac
check "bad arch: nothing written" test ! -e "$TMP/bad/qemu-sparc99.conf"
check_fails "bad yes/no value" "$CONF" --systemd riscv64 --exportdir "$TMP/x" --credential maybe
check_fails "unknown option" "$CONF" --frobnicate
check_fails "missing option value" "$CONF" --systemd
check_fails "--exportdir without --debian/--systemd" "$CONF" --exportdir "$TMP/y" riscv64
if [ "$(id -u)" != 0 ] || [ ! -w /proc/sys/fs/binfmt_misc/register ]; then
    out=$("$CONF" --qemu-path /nonexistent riscv64 2>&1); rc=$?
    check_eq "direct registration refused here" 1 "$rc"
    case $out in *binfmt_misc*) tap_result 0 "refusal names binfmt_misc" ;;
    *) tap_result 1 "refusal names binfmt_misc"; echo "# $out" ;; esac
else
    skip "binfmt_misc is writable here: not registering for real in a test"
fi

done_testing
