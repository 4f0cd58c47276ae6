#!/bin/sh
# Register the user-mode emulators with the kernel's binfmt_misc, so foreign ELF
# programs run directly (./prog runs qemu-riscv64 ./prog), or write the same
# registrations as configuration files for systemd-binfmt or Debian's update-binfmts.
# Run with --help for the options.
set -eu

prog=qemu-binfmt-conf.sh
BINFMT_DIR=/proc/sys/fs/binfmt_misc

# Every architecture we know: name, ELF e_ident + e_type + e_machine bytes to match,
# and the mask applied first. The mask ignores EI_OSABI (byte 7) and the low bit of
# e_type, so ET_EXEC (2) and ET_DYN (3: PIE) programs both match.
ARCHES="riscv64 aarch64 aarch64_be arm armeb x86_64"
# Little-endian 64-bit and 32-bit, big-endian ones, with e_type/e_machine swapped.
ELF64LE='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00'
ELF32LE='\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00'
ELF64BE='\x7f\x45\x4c\x46\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02'
ELF32BE='\x7f\x45\x4c\x46\x01\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02'
MASK_LE='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
MASK_BE='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff'

# arch_info ARCH: set magic, mask and family (the host families that run ARCH
# natively), or return 1 for an unknown name.
arch_info() {
    case $1 in
    riscv64)    magic="${ELF64LE}"'\xf3\x00'; mask=$MASK_LE; family=riscv ;;
    aarch64)    magic="${ELF64LE}"'\xb7\x00'; mask=$MASK_LE; family=arm64 ;;
    aarch64_be) magic="${ELF64BE}"'\x00\xb7'; mask=$MASK_BE; family=arm64 ;;
    arm)        magic="${ELF32LE}"'\x28\x00'; mask=$MASK_LE; family=arm ;;
    armeb)      magic="${ELF32BE}"'\x00\x28'; mask=$MASK_BE; family=arm ;;
    x86_64)     magic="${ELF64LE}"'\x3e\x00'; mask=$MASK_LE; family=x86 ;;
    *) return 1 ;;
    esac
}

# The family of the machine we run on: its own programs need no emulator.
host_family() {
    case $(uname -m) in
    x86_64|amd64|i?86) echo x86 ;;
    aarch64|arm64) echo arm64 ;;
    arm*) echo arm ;;
    riscv64) echo riscv ;;
    *) echo none ;;
    esac
}

usage() {
    cat <<EOF
Usage: $prog [OPTION]... [ARCH...]

Register the user-mode emulators (qemu-ARCH) as interpreters of foreign ELF
programs with the kernel's binfmt_misc, or write the registrations to files.
ARCH is one of: $ARCHES, or ALL (the default). The host's own
architecture is always left out.

Options:
  -Q, --qemu-path PATH       directory of the qemu-ARCH programs (default $QEMU_PATH)
  -F, --qemu-suffix SUFFIX   append SUFFIX to the program names (qemu-ARCHSUFFIX)
  -d, --debian               write update-binfmts(8) format files to the export
                             directory (default /usr/share/binfmts) instead of
                             registering
  -s, --systemd ARCH         write systemd-binfmt(8) .conf files for ARCH (or ALL)
                             to the export directory (default /etc/binfmt.d)
                             instead of registering
  -e, --exportdir DIR        the export directory for --debian and --systemd
  -c, --credential yes|no    compute credentials and security token from the
                             program, not the interpreter (binfmt 'C' flag, which
                             implies 'O')
  -p, --persistent yes|no    open the interpreter once at registration time, so it
                             keeps working in other mount namespaces and chroots
                             (binfmt 'F' flag)
  -0, --preserve-argv0 yes|no
                             pass the program's original argv[0] to the emulator
                             (binfmt 'P' flag)
  -h, --help                 show this help and exit

Without --debian or --systemd the registrations are written to
$BINFMT_DIR/register, which needs root and a mounted binfmt_misc
(mount -t binfmt_misc binfmt_misc $BINFMT_DIR).

Examples:
  $prog --qemu-path /usr/bin riscv64
  $prog --systemd ALL --exportdir /tmp/binfmt.d --persistent yes
EOF
}

die() {
    echo "$prog: $*" >&2
    exit 1
}

yes_no() {     # yes_no OPTION VALUE: refuse anything but yes or no
    case $2 in
    yes|no) ;;
    *) die "$1: expected 'yes' or 'no', not '$2'" ;;
    esac
}

# need_arg OPTION COUNT: the option's value must be there.
need_arg() {
    [ "$2" -ge 2 ] || die "option '$1' needs an argument"
}

QEMU_PATH=/usr/local/bin
QEMU_SUFFIX=
MODE=register
EXPORTDIR=
CREDENTIAL=no
PERSISTENT=no
PRESERVE_ARG0=no
SELECTED=

add_arch() {
    if [ "$1" = ALL ]; then
        SELECTED="$SELECTED $ARCHES"
    else
        arch_info "$1" || die "unknown architecture '$1' (known: $ARCHES)"
        SELECTED="$SELECTED $1"
    fi
}

while [ $# -gt 0 ]; do
    opt=$1
    case $opt in
    --*=*) # --option=value is the same as --option value
        val=${opt#*=}; opt=${opt%%=*}; shift; set -- "$opt" "$val" "$@"; continue ;;
    esac
    case $opt in
    -h|--help) usage; exit 0 ;;
    -Q|--qemu-path) need_arg "$opt" $#; QEMU_PATH=${2%/}; shift ;;
    -F|--qemu-suffix) need_arg "$opt" $#; QEMU_SUFFIX=$2; shift ;;
    -d|--debian) MODE=debian ;;
    -s|--systemd) need_arg "$opt" $#; MODE=systemd; add_arch "$2"; shift ;;
    -e|--exportdir) need_arg "$opt" $#; EXPORTDIR=$2; shift ;;
    -c|--credential) need_arg "$opt" $#; yes_no "$opt" "$2"; CREDENTIAL=$2; shift ;;
    -p|--persistent) need_arg "$opt" $#; yes_no "$opt" "$2"; PERSISTENT=$2; shift ;;
    -0|--preserve-argv0) need_arg "$opt" $#; yes_no "$opt" "$2"; PRESERVE_ARG0=$2; shift ;;
    --) shift; break ;;
    -*) die "unknown option '$opt' (try --help)" ;;
    *) add_arch "$opt" ;;
    esac
    shift
done
for a in "$@"; do
    add_arch "$a"
done
[ -n "$SELECTED" ] || SELECTED=$ARCHES

FLAGS=
[ "$PRESERVE_ARG0" = yes ] && FLAGS="${FLAGS}P"
[ "$CREDENTIAL" = yes ] && FLAGS="${FLAGS}C"
[ "$PERSISTENT" = yes ] && FLAGS="${FLAGS}F"

case $MODE in
debian) : "${EXPORTDIR:=/usr/share/binfmts}" ;;
systemd) : "${EXPORTDIR:=/etc/binfmt.d}" ;;
register)
    [ -z "$EXPORTDIR" ] || die "--exportdir is only for --debian and --systemd"
    [ -f "$BINFMT_DIR/register" ] ||
        die "$BINFMT_DIR is not mounted (mount -t binfmt_misc binfmt_misc $BINFMT_DIR)"
    [ -w "$BINFMT_DIR/register" ] ||
        die "cannot write $BINFMT_DIR/register (registering needs root)"
    ;;
esac
if [ "$MODE" != register ]; then
    mkdir -p "$EXPORTDIR" 2>/dev/null || true
    [ -d "$EXPORTDIR" ] && [ -w "$EXPORTDIR" ] ||
        die "cannot write to the export directory '$EXPORTDIR'"
fi

# The kernel's registration line for the current arch.
register_line() {
    printf ':%s:M::%s:%s:%s:%s\n' "$name" "$magic" "$mask" "$interp" "$FLAGS"
}

write_debian() {
    {
        echo "package $name"
        echo "interpreter $interp"
        echo "magic $magic"
        echo "offset 0"
        echo "mask $mask"
        echo "credentials $CREDENTIAL"
        echo "fix_binary $PERSISTENT"
        echo "preserve $PRESERVE_ARG0"
    } > "$EXPORTDIR/$name" || die "cannot write $EXPORTDIR/$name"
}

write_systemd() {
    register_line > "$EXPORTDIR/$name.conf" || die "cannot write $EXPORTDIR/$name.conf"
}

register_now() {
    if [ "$PERSISTENT" = yes ] && [ ! -x "$interp" ]; then
        die "$interp: no such program (the 'F' flag opens it now)"
    fi
    [ -x "$interp" ] || echo "$prog: warning: $interp does not exist (yet)" >&2
    # Replace an older registration of the same name.
    if [ -e "$BINFMT_DIR/$name" ]; then
        echo -1 > "$BINFMT_DIR/$name" || die "cannot remove the old $name entry"
    fi
    register_line > "$BINFMT_DIR/register" || die "the kernel refused the $name entry"
}

hostfam=$(host_family)
done_list=
for arch in $SELECTED; do
    case " $done_list " in *" $arch "*) continue ;; esac
    done_list="$done_list $arch"
    arch_info "$arch"
    if [ "$family" = "$hostfam" ]; then
        echo "$prog: skipping $arch: the host runs it natively" >&2
        continue
    fi
    name=qemu-$arch
    interp=$QEMU_PATH/qemu-$arch$QEMU_SUFFIX
    case $MODE in
    debian) write_debian ;;
    systemd) write_systemd ;;
    register) register_now ;;
    esac
done
