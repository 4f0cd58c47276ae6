#!/bin/sh
# qemu-riscv64: command line options, environment variables, start-up errors, the
# ELF loader's initial state (auxv, stack, argv/envp) against Debian's qemu-riscv64.
. "$top_srcdir/tests/functional/common.sh"

Q=$top_builddir/qemu-riscv64
REF=/usr/bin/qemu-riscv64
CC=riscv64-linux-gnu-gcc
SYSROOT=/usr/riscv64-linux-gnu
[ -x "$Q" ] || skip_all "qemu-riscv64 is not built"
command -v $CC >/dev/null 2>&1 || skip_all "$CC is not installed"

cat > "$TMP/hello.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <sys/syscall.h>
extern char **environ;
static void stack_use(size_t n) { volatile char *p = __builtin_alloca(n); p[0] = 1; p[n - 1] = 2; }
int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "hello";
    if (!strcmp(cmd, "hello")) { printf("hello\n"); return 0; }
    if (!strcmp(cmd, "exit")) return atoi(argv[2]);
    if (!strcmp(cmd, "argv")) { for (int i = 0; i < argc; i++) printf("[%s]", argv[i]); printf("\n"); return 0; }
    if (!strcmp(cmd, "env")) { const char *v = getenv(argv[2]); printf("%s\n", v ? v : "(unset)"); return 0; }
    if (!strcmp(cmd, "auxtypes")) {
        char **e = environ; while (*e) e++;
        for (Elf64_auxv_t *a = (Elf64_auxv_t *)(e + 1); a->a_type; a++) printf("%lu ", (unsigned long)a->a_type);
        printf("\n"); return 0;
    }
    if (!strcmp(cmd, "aux")) { printf("%lx\n", getauxval(strtoul(argv[2], 0, 0))); return 0; }
    if (!strcmp(cmd, "random")) {
        unsigned char *r = (unsigned char *)getauxval(AT_RANDOM);
        for (int i = 0; i < 16; i++) printf("%02x", r[i]);
        printf("\n"); return 0;
    }
    if (!strcmp(cmd, "execfn")) { printf("%s\n", (char *)getauxval(AT_EXECFN)); return 0; }
    if (!strcmp(cmd, "sp")) { int x; printf("%d\n", (unsigned long)&x % 16 == 0 || 1); printf("%lx\n", (unsigned long)&x); return 0; }
    if (!strcmp(cmd, "stack")) { stack_use(strtoul(argv[2], 0, 0)); printf("ok\n"); return 0; }
    if (!strcmp(cmd, "hwprobe")) {
        long long pr[2] = { 4, 0 };     /* RISCV_HWPROBE_KEY_IMA_EXT_0 */
        long r = syscall(258, pr, 1, 0, 0, 0);
        printf("%ld %llx\n", r, (unsigned long long)pr[1]); return 0;
    }
    if (!strcmp(cmd, "uname")) { struct utsname u; uname(&u); printf("%s\n", u.release); return 0; }
    return 99;
}
C
$CC -static -O1 -o "$TMP/hello" "$TMP/hello.c" || skip_all "cannot build a static guest program"
HELLO=$TMP/hello

# --- help, version, lists (check() reuses $out: keep outputs in files)
"$Q" -h > "$TMP/help"; rc=$?
check_eq "-h exits 0" 0 "$rc"
check "-h prints the usage line" grep -q '^usage: qemu-riscv64 \[options\] program \[arguments...\]' "$TMP/help"
check "-h has the option table" grep -q '^-L path  *QEMU_LD_PREFIX  *look up the ELF interpreter' "$TMP/help"
check "-h lists -one-insn-per-tb" grep -q '^-one-insn-per-tb' "$TMP/help"
check "-help works too" "$Q" -help
check "--h (double dash) works" "$Q" --h
"$Q" -version > "$TMP/version"
check "-version names the program" grep -q '^qemu-riscv64 version ' "$TMP/version"
"$Q" -cpu help > "$TMP/cpus"
check "-cpu help lists rv64" grep -q 'rv64' "$TMP/cpus"
"$Q" -d help > "$TMP/items"
check "-d help lists in_asm" grep -q '^in_asm' "$TMP/items"
check "-d help lists strace" grep -q '^strace' "$TMP/items"

# --- errors: one line "qemu-riscv64: ...", exit 1
expect_error() {    # DESC PATTERN ARGS...
    desc=$1; pat=$2; shift 2
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" -eq 1 ] && printf '%s\n' "$err" | grep -q -- "$pat"; then tap_result 0 "$desc"
    else tap_result 1 "$desc"; echo "# rc=$rc: $err"; fi
}
expect_error "no program" "^qemu-riscv64: no user program specified" "$Q"
expect_error "unknown option" "^qemu-riscv64: unknown option '-bogus'" "$Q" -bogus "$HELLO"
expect_error "missing option argument" "^qemu-riscv64: missing argument for option '-L'" "$Q" -L
expect_error "missing file" "^qemu-riscv64: $TMP/nonexistent: No such file or directory" "$Q" "$TMP/nonexistent"
expect_error "a directory" "^qemu-riscv64: $TMP: Permission denied" "$Q" "$TMP"
expect_error "non-RISC-V ELF" "Invalid ELF image for this architecture" "$Q" /bin/true
: > "$TMP/empty"
expect_error "empty file" "^qemu-riscv64: $TMP/empty: " "$Q" "$TMP/empty"
printf '#!/bin/sh\necho hi\n' > "$TMP/script"
expect_error "shell script" "^qemu-riscv64: $TMP/script: " "$Q" "$TMP/script"
expect_error "-p other than 4096" "^qemu-riscv64: -p: page size 8192 is not supported" "$Q" -p 8192 "$HELLO"
expect_error "bad -s size" "^qemu-riscv64: -s: " "$Q" -s 12x "$HELLO"
expect_error "bad QEMU_STACK_SIZE" "^qemu-riscv64: -s: " env QEMU_STACK_SIZE=zz "$Q" "$HELLO"
expect_error "unknown -cpu model" "^qemu-riscv64: -cpu: .*foo" "$Q" -cpu foo "$HELLO"
expect_error "unknown -d item" "^qemu-riscv64: -d: .*foo" "$Q" -d foo "$HELLO"
expect_error "-trace is refused" "^qemu-riscv64: -trace: " "$Q" -trace 'x*' "$HELLO"
expect_error "-plugin is refused" "^qemu-riscv64: -plugin: " "$Q" -plugin foo.so "$HELLO"
expect_error "unaligned -B" "^qemu-riscv64: -B: " "$Q" -B 0x12345 "$HELLO"
expect_error "-R larger than the address space" "^qemu-riscv64: -R: " "$Q" -R 0x200000000000 "$HELLO"

# --- running
check_eq "static program runs" "hello" "$("$Q" "$HELLO" hello)"
"$Q" "$HELLO" exit 42; check_eq "exit status is the guest's" 42 "$?"
check_eq "argv reaches the guest" "[$HELLO][argv][a b][]" "$("$Q" "$HELLO" argv 'a b' '')"
check_eq "-- ends the options" "hello" "$("$Q" -- "$HELLO" hello)"
check_eq "-0 sets argv[0]" "[zero][argv]" "$("$Q" -0 zero "$HELLO" argv)"
check_eq "QEMU_ARGV0 sets argv[0]" "[zz][argv]" "$(QEMU_ARGV0=zz "$Q" "$HELLO" argv)"
check_eq "AT_EXECFN is the path as given" "$HELLO" "$("$Q" -0 other "$HELLO" execfn)"
check_eq "-E sets a variable" "v1" "$("$Q" -E QT_A=v1,QT_B=v2 "$HELLO" env QT_A)"
check_eq "-E list sets the second too" "v2" "$("$Q" -E QT_A=v1,QT_B=v2 "$HELLO" env QT_B)"
check_eq "-U unsets a variable" "(unset)" "$(QT_C=1 "$Q" -U QT_C "$HELLO" env QT_C)"
check_eq "QEMU_SET_ENV" "w" "$(QEMU_SET_ENV=QT_D=w "$Q" "$HELLO" env QT_D)"
check_eq "QEMU_UNSET_ENV" "(unset)" "$(QT_E=1 QEMU_UNSET_ENV=QT_E "$Q" "$HELLO" env QT_E)"
check_eq "the last change wins" "(unset)" "$("$Q" -E QT_F=1 -U QT_F "$HELLO" env QT_F)"
check_eq "a set after an unset wins" "2" "$("$Q" -U QT_F -E QT_F=2 "$HELLO" env QT_F)"
check_eq "-p 4096 is accepted" "hello" "$("$Q" -p 4096 "$HELLO")"
check_eq "-one-insn-per-tb runs" "hello" "$("$Q" -one-insn-per-tb "$HELLO")"
check_eq "-singlestep runs" "hello" "$("$Q" -singlestep "$HELLO")"
check_eq "-cpu rv64gc runs" "hello" "$("$Q" -cpu rv64gc "$HELLO")"
check_eq "riscv_hwprobe: FD, C, Zba, Zbb, Zbs, Zbc with the default CPU" "0 bb" "$("$Q" "$HELLO" hwprobe)"
check_eq "riscv_hwprobe: -cpu rv64gc has no Zb*" "0 3" "$("$Q" -cpu rv64gc "$HELLO" hwprobe)"
check_eq "riscv_hwprobe: -cpu rv64,zbb=off" "0 ab" "$("$Q" -cpu rv64,zbb=off "$HELLO" hwprobe)"
check_eq "QEMU_CPU is used" "1" "$(QEMU_CPU=foo "$Q" "$HELLO" >/dev/null 2>&1; echo $?)"

check_eq "-r sets the uname release" "9.8.7-test" "$("$Q" -r 9.8.7-test "$HELLO" uname)"
check_eq "QEMU_UNAME too" "1.2.3" "$(QEMU_UNAME=1.2.3 "$Q" "$HELLO" uname)"

# --- stack size
check_eq "a 16 MiB stack frame fits with -s 32M" "ok" "$("$Q" -s 32M "$HELLO" stack 16777216)"
check_eq "QEMU_STACK_SIZE is used" "ok" "$(QEMU_STACK_SIZE=32M "$Q" "$HELLO" stack 16777216)"
check_fails "a 16 MiB frame does not fit the default 8 MiB stack" sh -c '"$@" 2>/dev/null' x "$Q" "$HELLO" stack 16777216

# --- auxv and AT_RANDOM
if [ -x "$REF" ]; then
    check_eq "auxv types as Debian's qemu-riscv64" "$("$REF" "$HELLO" auxtypes)" "$("$Q" "$HELLO" auxtypes)"
    for t in 3 4 5 6 7 8 9 16 17 23; do
        check_eq "auxv type $t as Debian's qemu-riscv64" "$("$REF" "$HELLO" aux $t)" "$("$Q" "$HELLO" aux $t)"
    done
else
    skip "Debian's qemu-riscv64 is not installed"
fi
check_eq "AT_PAGESZ" "1000" "$("$Q" "$HELLO" aux 6)"
check_eq "-seed makes AT_RANDOM reproducible" "$("$Q" -seed 7 "$HELLO" random)" "$("$Q" -seed 7 "$HELLO" random)"
check "QEMU_RAND_SEED too" test "$(QEMU_RAND_SEED=7 "$Q" "$HELLO" random)" = "$("$Q" -seed 7 "$HELLO" random)"
check "different seeds differ" test "$("$Q" -seed 7 "$HELLO" random)" != "$("$Q" -seed 8 "$HELLO" random)"
check "no seed: random" test "$("$Q" "$HELLO" random)" != "$("$Q" "$HELLO" random)"

# --- address space options
sp=$("$Q" -R 256M "$HELLO" sp | tail -1)
check "-R keeps the guest below the reserved size" test $((0x$sp < 0x10000000)) -eq 1
sp=$(QEMU_RESERVED_VA=64M "$Q" "$HELLO" sp | tail -1)
check "QEMU_RESERVED_VA too" test $((0x$sp < 0x4000000)) -eq 1
check_eq "-B places the guest at a base" "hello" "$("$Q" -B 0x200000000000 "$HELLO")"
check_eq "QEMU_GUEST_BASE too" "hello" "$(QEMU_GUEST_BASE=0x200000000000 "$Q" "$HELLO")"
check_eq "-B with -R" "hello" "$("$Q" -B 0x200000000000 -R 1G "$HELLO")"

# --- logging
"$Q" -d page -D "$TMP/log" "$HELLO" >/dev/null
check "-d page -D writes the mappings to the file" grep -q "start_stack" "$TMP/log"
QEMU_LOG=page QEMU_LOG_FILENAME="$TMP/log2" "$Q" "$HELLO" >/dev/null
check "QEMU_LOG and QEMU_LOG_FILENAME" grep -q "start_stack" "$TMP/log2"
"$Q" -strace "$HELLO" 2> "$TMP/strace" >/dev/null
check "-strace logs write" grep -q 'write(' "$TMP/strace"
check "-strace logs exit_group" grep -q 'exit_group(' "$TMP/strace"
QEMU_STRACE=1 "$Q" "$HELLO" 2> "$TMP/strace2" >/dev/null
check "QEMU_STRACE" grep -q 'write(' "$TMP/strace2"

# --- an ET_DYN program without interpreter (static-pie without libc)
cat > "$TMP/spie.c" <<'C'
static const char msg[] = "static-pie ok\n";
static char bss[10000];
static long sys3(long n, long a, long b, long c)
{
    register long a7 __asm__("a7") = n;
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
    return a0;
}
void _start(void)
{
    bss[9999] = 0;
    sys3(64, 1, (long)msg, sizeof(msg) - 1 + bss[5000]);   /* write */
    sys3(94, 7, 0, 0);                                    /* exit_group */
}
C
if $CC -O1 -nostdlib -static-pie -fPIE -Wl,--no-dynamic-linker -o "$TMP/spie" "$TMP/spie.c" 2>/dev/null; then
    out_spie=$("$Q" "$TMP/spie"); rc=$?
    check_eq "static-pie runs" "static-pie ok" "$out_spie"
    check_eq "static-pie exit status" 7 "$rc"
    "$Q" -d page -D "$TMP/spie.log" "$TMP/spie" >/dev/null
    check "static-pie loads at the ET_DYN base" grep -q '^0000002aaaaab000-' "$TMP/spie.log"
else
    skip "cannot build a static-pie guest program"
fi

# --- dynamic programs and -L
if $CC -O1 -o "$TMP/dyn" "$TMP/hello.c" 2>/dev/null && [ -d "$SYSROOT" ]; then
    check_eq "-L runs a dynamic program" "hello" "$("$Q" -L "$SYSROOT" "$TMP/dyn" hello)"
    check_eq "QEMU_LD_PREFIX runs a dynamic program" "hello" "$(QEMU_LD_PREFIX=$SYSROOT "$Q" "$TMP/dyn" hello)"
    check_eq "dynamic program: argv" "[$TMP/dyn][argv][x]" "$("$Q" -L "$SYSROOT" "$TMP/dyn" argv x)"
    expect_error "missing interpreter" \
        "^qemu-riscv64: Could not open '/lib/ld-linux-riscv64-lp64d.so.1': No such file or directory" \
        "$Q" -L "$TMP/nothing" "$TMP/dyn"
    if [ -x "$REF" ]; then
        check_eq "dynamic: auxv types as Debian's" "$("$REF" -L "$SYSROOT" "$TMP/dyn" auxtypes)" \
            "$("$Q" -L "$SYSROOT" "$TMP/dyn" auxtypes)"
    fi
else
    skip "cannot build a dynamic guest program"
fi

done_testing
