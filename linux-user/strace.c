/*
 * -strace: one line per guest system call, in the shape Debian's qemu-user
 * prints ("<pid> name(args) = result"), driven by the format letters of each
 * SyscallDef, plus the flag-name tables (open, mmap, at-flags, clocks, signals)
 * that custom printers share.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "linux-user/files-int.h"

/* Longest guest string printed in full; longer ones end in "...". */
#define STRACE_STRING_MAX 512

typedef struct FlagName {
    uint64_t val;
    const char *name;
} FlagName;

#define FLAG(v, n) { (v), (n) }
#define FLAG_END { 0, NULL }

static const FlagName open_flag_names[] = {
    FLAG(TARGET_O_CREAT, "O_CREAT"), FLAG(TARGET_O_EXCL, "O_EXCL"),
    FLAG(TARGET_O_NOCTTY, "O_NOCTTY"), FLAG(TARGET_O_TRUNC, "O_TRUNC"),
    FLAG(TARGET_O_APPEND, "O_APPEND"), FLAG(TARGET_O_NONBLOCK, "O_NONBLOCK"),
    FLAG(TARGET_O_DSYNC, "O_DSYNC"), FLAG(TARGET_O_ASYNC, "O_ASYNC"),
    FLAG(TARGET_O_DIRECT, "O_DIRECT"), FLAG(TARGET_O_LARGEFILE, "O_LARGEFILE"),
    FLAG(TARGET_O_DIRECTORY, "O_DIRECTORY"), FLAG(TARGET_O_NOFOLLOW, "O_NOFOLLOW"),
    FLAG(TARGET_O_NOATIME, "O_NOATIME"), FLAG(TARGET_O_CLOEXEC, "O_CLOEXEC"),
    FLAG(TARGET___O_SYNC, "O_SYNC"), FLAG(TARGET_O_PATH, "O_PATH"),
    FLAG(TARGET___O_TMPFILE, "O_TMPFILE"),
    FLAG_END
};

static const FlagName mmap_prot_names[] = {
    FLAG(0x1, "PROT_READ"), FLAG(0x2, "PROT_WRITE"), FLAG(0x4, "PROT_EXEC"),
    FLAG(0x01000000, "PROT_GROWSDOWN"), FLAG(0x02000000, "PROT_GROWSUP"),
    FLAG_END
};

/* asm-generic mman flags (riscv, arm64, x86 share them). */
static const FlagName mmap_flag_names[] = {
    FLAG(0x01, "MAP_SHARED"), FLAG(0x02, "MAP_PRIVATE"),
    FLAG(0x03, "MAP_SHARED_VALIDATE"),
    FLAG(0x10, "MAP_FIXED"), FLAG(0x20, "MAP_ANONYMOUS"),
    FLAG(0x0100, "MAP_GROWSDOWN"), FLAG(0x0800, "MAP_DENYWRITE"),
    FLAG(0x1000, "MAP_EXECUTABLE"), FLAG(0x2000, "MAP_LOCKED"),
    FLAG(0x4000, "MAP_NORESERVE"), FLAG(0x8000, "MAP_POPULATE"),
    FLAG(0x10000, "MAP_NONBLOCK"), FLAG(0x20000, "MAP_STACK"),
    FLAG(0x40000, "MAP_HUGETLB"), FLAG(0x80000, "MAP_SYNC"),
    FLAG(0x100000, "MAP_FIXED_NOREPLACE"), FLAG(0x4000000, "MAP_UNINITIALIZED"),
    FLAG_END
};

/* The names Debian's qemu-user prints; other bits (AT_EMPTY_PATH ...) in hex. */
static const FlagName at_flag_names[] = {
    FLAG(0x100, "AT_SYMLINK_NOFOLLOW"), FLAG(0x200, "AT_REMOVEDIR"),
    FLAG(0x400, "AT_SYMLINK_FOLLOW"),
    FLAG_END
};

/* faccessat's flags: 0x200 is AT_EACCESS there (AT_REMOVEDIR elsewhere). */
static const FlagName faccess_flag_names[] = {
    FLAG(0x200, "AT_EACCESS"), FLAG(0x100, "AT_SYMLINK_NOFOLLOW"),
    FLAG_END
};

static const FlagName access_mode_names[] = {
    FLAG(4, "R_OK"), FLAG(2, "W_OK"), FLAG(1, "X_OK"),
    FLAG_END
};

static const char *const clock_names[] = {
    "CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
    "CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
    "CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM",
    "CLOCK_BOOTTIME_ALARM", NULL, "CLOCK_TAI",
};

/* Linux signal numbers 1..31 are the same on every architecture we emulate. */
static const char *const signal_names[] = {
    NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
    "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE",
    "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
    "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ",
    "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};

/* Calls whose result is an address: printed in hex like the arguments. */
static const int address_result_nrs[] = {
    TARGET_NR_brk, TARGET_NR_mremap, TARGET_NR_shmat,
#ifdef TARGET_NR_mmap
    TARGET_NR_mmap,
#else
    222,    /* asm-generic mmap */
#endif
};

static void print_flag_table(GString *out, const FlagName *tab, uint64_t v)
{
    bool first = true;

    for (const FlagName *f = tab; f->name; f++) {
        if (f->val && (v & f->val) == f->val) {
            g_string_append_printf(out, "%s%s", first ? "" : "|", f->name);
            v &= ~f->val;
            first = false;
        }
    }
    if (v || first) {
        g_string_append_printf(out, first ? "%#" PRIx64 : "|%#" PRIx64, v);
    }
}

void strace_print_flags(GString *out, const char *const names[][2], abi_ulong v)
{
    GArray *tab = g_array_new(FALSE, FALSE, sizeof(FlagName));
    FlagName end = FLAG_END;

    /* names[i] = { value as a C number literal, name }, ended by { NULL, NULL }. */
    for (size_t i = 0; names[i][0]; i++) {
        FlagName f = { strtoull(names[i][0], NULL, 0), names[i][1] };
        g_array_append_val(tab, f);
    }
    g_array_append_val(tab, end);
    if (v == 0) {
        /* A flag whose value is 0 names the empty set (e.g. O_RDONLY). */
        for (size_t i = 0; names[i][0]; i++) {
            if (strtoull(names[i][0], NULL, 0) == 0) {
                g_string_append(out, names[i][1]);
                g_array_free(tab, TRUE);
                return;
            }
        }
    }
    print_flag_table(out, (const FlagName *)(void *)tab->data, v);
    g_array_free(tab, TRUE);
}

void strace_print_pointer(GString *out, abi_ulong p)
{
    if (p == 0) {
        g_string_append(out, "NULL");
    } else {
        g_string_append_printf(out, "0x%016" PRIx64, (uint64_t)p);
    }
}

void strace_print_access_mode(GString *out, abi_long mode)
{
    if (mode == 0) {
        g_string_append(out, "F_OK");
    } else {
        print_flag_table(out, access_mode_names, mode);
    }
}

void strace_print_at_flags(GString *out, abi_long flags)
{
    print_flag_table(out, at_flag_names, flags);
}

void strace_print_faccess_flags(GString *out, abi_long flags)
{
    print_flag_table(out, faccess_flag_names, flags);
}

void strace_print_string(GString *out, abi_ulong guest_str)
{
    char buf[STRACE_STRING_MAX + 1];
    size_t n = 0;

    if (guest_str == 0) {
        g_string_append(out, "NULL");
        return;
    }
    /* Byte by byte: the string may end just before an unmapped page. */
    while (n < STRACE_STRING_MAX) {
        if (copy_from_user(&buf[n], guest_str + n, 1)) {
            if (n == 0) {
                strace_print_pointer(out, guest_str);
                return;
            }
            break;
        }
        if (buf[n] == '\0') {
            break;
        }
        n++;
    }
    buf[n] = '\0';
    g_string_append_printf(out, "\"%s\"%s", buf, n == STRACE_STRING_MAX ? "..." : "");
}

void strace_print_open_flags(GString *out, abi_ulong v)
{
    static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
    abi_ulong rest = v & ~(abi_ulong)TARGET_O_ACCMODE;

    g_string_append(out, acc[v & TARGET_O_ACCMODE]);
    /* O_SYNC includes O_DSYNC's bit: name it once. */
    if ((rest & TARGET_O_SYNC) == TARGET_O_SYNC) {
        g_string_append(out, "|O_SYNC");
        rest &= ~(abi_ulong)TARGET_O_SYNC;
    }
    if (rest) {
        g_string_append_c(out, '|');
        print_flag_table(out, open_flag_names, rest);
    }
}

void strace_print_dirfd(GString *out, abi_long fd)
{
    if ((int)fd == TARGET_AT_FDCWD) {
        g_string_append(out, "AT_FDCWD");
    } else {
        g_string_append_printf(out, "%d", (int)fd);
    }
}

void strace_print_clock(GString *out, abi_long id)
{
    if (id >= 0 && (size_t)id < G_N_ELEMENTS(clock_names) && clock_names[id]) {
        g_string_append(out, clock_names[id]);
    } else {
        g_string_append_printf(out, "%d", (int)id);
    }
}

static void print_signal(GString *out, abi_long sig)
{
    if (sig > 0 && (size_t)sig < G_N_ELEMENTS(signal_names)) {
        g_string_append(out, signal_names[sig]);
    } else if (sig >= 32 && sig <= TARGET_NSIG) {
        g_string_append_printf(out, "SIGRTMIN+%d", (int)sig - 32);
    } else {
        g_string_append_printf(out, "%d", (int)sig);
    }
}

static void print_arg(GString *out, char letter, abi_long a)
{
    switch (letter) {
    case 'd': g_string_append_printf(out, "%" PRId64, (int64_t)a); break;
    case 'u': g_string_append_printf(out, "%" PRIu64, (uint64_t)a); break;
    case 'x': g_string_append_printf(out, "%#" PRIx64, (uint64_t)a); break;
    case 'o': g_string_append_printf(out, "%#" PRIo64, (uint64_t)a); break;
    case 'p': strace_print_pointer(out, a); break;
    case 's': strace_print_string(out, a); break;
    case 'f': g_string_append_printf(out, "%d", (int)a); break;
    case 'a': strace_print_dirfd(out, a); break;
    case 'O': strace_print_open_flags(out, a); break;
    case 'm': g_string_append_printf(out, "%#" PRIo64, (uint64_t)a); break;
    case 'P':
        if (a == 0) {
            g_string_append(out, "PROT_NONE");
        } else {
            print_flag_table(out, mmap_prot_names, a);
        }
        break;
    case 'M': print_flag_table(out, mmap_flag_names, a); break;
    case 'S': print_signal(out, a); break;
    case 'c': strace_print_clock(out, a); break;
    case 'A': print_flag_table(out, at_flag_names, a); break;
    default:  g_string_append_printf(out, "%#" PRIx64, (uint64_t)a); break;
    }
}

static void print_args(GString *out, const SyscallDef *def, const abi_long *args)
{
    const char *fmt = def ? def->fmt : NULL;

    if (def && def->print_args) {
        def->print_args(out, args);
        return;
    }
    if (!fmt) {
        /* No format: all six in the style of unknown calls. */
        for (int i = 0; i < 6; i++) {
            g_string_append_printf(out, "%s%" PRId64, i ? "," : "", (int64_t)args[i]);
        }
        return;
    }
    for (int i = 0; fmt[i] && i < 6; i++) {
        if (i) {
            g_string_append_c(out, ',');
        }
        print_arg(out, fmt[i], args[i]);
    }
}

static bool call_never_returns(int nr)
{
    return nr == TARGET_NR_exit || nr == TARGET_NR_exit_group;
}

void strace_print_call(const SyscallDef *def, int nr, const abi_long *args)
{
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "%d ", (int)getpid());
    if (def) {
        g_string_append_printf(out, "%s(", def->name);
        print_args(out, def, args);
        g_string_append_c(out, ')');
    } else {
        g_string_append_printf(out, "Unknown syscall %d", nr);
    }
    /* The line is complete when no result follows (see strace_print_ret). */
    if (!def || call_never_returns(nr)) {
        g_string_append_c(out, '\n');
    }
    qemu_log("%s", out->str);
    g_string_free(out, TRUE);
}

static bool result_is_address(int nr)
{
    for (size_t i = 0; i < G_N_ELEMENTS(address_result_nrs); i++) {
        if (address_result_nrs[i] == nr) {
            return true;
        }
    }
    return false;
}

void strace_print_ret(const SyscallDef *def, int nr, abi_long ret, const abi_long *args)
{
    GString *out;

    if (!def) {
        return;     /* "Unknown syscall N" has no result part */
    }
    out = g_string_new(" = ");
    if (ret < 0 && ret >= -4095) {
        g_string_append_printf(out, "-1 errno=%d (%s)", (int)-ret,
                               target_strerror((int)-ret));
    } else if (def && def->print_ret) {
        /* Custom printers append what follows " = ". */
        def->print_ret(out, ret, args);
    } else if (result_is_address(nr)) {
        g_string_append_printf(out, "0x%016" PRIx64, (uint64_t)ret);
    } else {
        g_string_append_printf(out, "%" PRId64, (int64_t)ret);
    }
    g_string_append_c(out, '\n');
    qemu_log("%s", out->str);
    g_string_free(out, TRUE);
}
