/*
 * qemu-<arch> (linux-user): the command line and environment variables, the
 * guest address space and execution core set-up, loading the program, and the
 * hand-over to the guest thread's cpu loop. Options and variables follow QEMU's
 * user-mode manual; each is one row of the table below.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "libcore/cutils.h"
#include "linux-user/process-int.h"
#include "linux-user/gdbstub-user.h"

#define PROG_NAME "qemu-" TARGET_NAME
#define COMPAT_VERSION "7.2.0"
#define DEFAULT_LD_PREFIX "/etc/qemu-binfmt/" TARGET_NAME

UserProcess user_proc = { .exec_fd = -1 };
/* The guest's initial environment (kept reachable until it is on the stack). */
static char **guest_env;

/* What the options ask for, before anything is set up. */
typedef struct Settings {
    const char *gdb_port;
    const char *cpu;
    const char *argv0;
    const char *log_items;
    const char *log_file;
    const char *uname;
    uintptr_t guest_base;
    bool has_guest_base;
    abi_ulong reserved_va;
    bool one_insn;
    GPtrArray *env_edits;       /* "+var=value" (-E), "-var" (-U), in order */
} Settings;

typedef struct Option {
    const char *name;           /* without the leading '-' */
    const char *env;            /* environment variable or NULL */
    bool has_arg;
    void (*handle)(Settings *s, const char *arg);
    const char *example;
    const char *help;
} Option;

G_NORETURN static void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, PROG_NAME ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void usage(int status);

static void opt_help(Settings *s, const char *arg)
{
    (void)s; (void)arg;
    usage(0);
}

static void opt_version(Settings *s, const char *arg)
{
    (void)s; (void)arg;
    printf(PROG_NAME " version " COMPAT_VERSION " (" PACKAGE_NAME " " PACKAGE_VERSION ")\n"
           "Copyright (c) the " PACKAGE_NAME " authors\n");
    exit(0);
}

static void opt_gdb(Settings *s, const char *arg)
{
    s->gdb_port = arg;
}

static void opt_ld_prefix(Settings *s, const char *arg)
{
    (void)s;
    g_free(user_proc.ld_prefix);
    user_proc.ld_prefix = g_strdup(arg);
}

static uint64_t parse_size_arg(const char *opt, const char *arg)
{
    uint64_t v;

    if (!parse_size(arg, 'B', &v, NULL)) {
        die("-%s: invalid size '%s'", opt, arg);
    }
    return v;
}

static void opt_stack_size(Settings *s, const char *arg)
{
    uint64_t v = parse_size_arg("s", arg);

    (void)s;
    if (v == 0 || v > (1ull << 40)) {
        die("-s: invalid stack size '%s'", arg);
    }
    user_proc.stack_size = v;
}

static void opt_cpu(Settings *s, const char *arg)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        char *text = target_cpu_list();
        fputs(text, stdout);
        g_free(text);
        exit(0);
    }
    s->cpu = arg;
}

/* Comma-separated lists as getsubopt(3) splits them, each item tagged with op. */
static void add_list(GPtrArray *to, char op, const char *arg)
{
    char **parts = g_strsplit(arg, ",", -1);

    for (char **p = parts; *p; p++) {
        if (**p) {
            g_ptr_array_add(to, g_strdup_printf("%c%s", op, *p));
        }
    }
    g_strfreev(parts);
}

static void opt_set_env(Settings *s, const char *arg)
{
    add_list(s->env_edits, '+', arg);
}

static void opt_unset_env(Settings *s, const char *arg)
{
    add_list(s->env_edits, '-', arg);
}

static void opt_argv0(Settings *s, const char *arg)
{
    s->argv0 = arg;
}

static void opt_uname(Settings *s, const char *arg)
{
    s->uname = arg;
}

static void opt_guest_base(Settings *s, const char *arg)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(arg, &end, 0);
    if (errno || end == arg || *end) {
        die("-B: invalid address '%s'", arg);
    }
    if (v & (TARGET_PAGE_SIZE - 1)) {
        die("-B: guest base 0x%llx is not a multiple of the page size (0x%llx)", v,
            (unsigned long long)TARGET_PAGE_SIZE);
    }
    s->guest_base = v;
    s->has_guest_base = true;
}

static void opt_reserved_va(Settings *s, const char *arg)
{
    uint64_t v = parse_size_arg("R", arg);

    if (v < (1ull << 20) || v > TARGET_VIRT_ADDR_LIMIT) {
        die("-R: reserved size '%s' must be between 1M and 0x%llx", arg,
            (unsigned long long)TARGET_VIRT_ADDR_LIMIT);
    }
    s->reserved_va = TARGET_PAGE_ALIGN(v);
}

static void opt_log(Settings *s, const char *arg)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        char *text = qemu_log_help_text();
        fputs(text, stdout);
        g_free(text);
        exit(0);
    }
    s->log_items = arg;
}

static void opt_log_file(Settings *s, const char *arg)
{
    s->log_file = arg;
}

static void opt_pagesize(Settings *s, const char *arg)
{
    uint64_t v = parse_size_arg("p", arg);

    (void)s;
    if (v != TARGET_PAGE_SIZE) {
        die("-p: page size %s is not supported (only %llu)", arg,
            (unsigned long long)TARGET_PAGE_SIZE);
    }
}

static void opt_singlestep(Settings *s, const char *arg)
{
    (void)arg;
    s->one_insn = true;
}

static void opt_strace(Settings *s, const char *arg)
{
    (void)s; (void)arg;
    user_proc.strace = true;
}

static void opt_seed(Settings *s, const char *arg)
{
    char *end;
    unsigned long long v;

    (void)s;
    errno = 0;
    v = strtoull(arg, &end, 0);
    if (errno || end == arg || *end) {
        die("-seed: invalid seed '%s'", arg);
    }
    user_proc.seed = v;
    user_proc.have_seed = true;
}

static void opt_trace(Settings *s, const char *arg)
{
    (void)s; (void)arg;
    die("-trace: trace events are not supported by this build");
}

static void opt_plugin(Settings *s, const char *arg)
{
    (void)s; (void)arg;
    die("-plugin: TCG plugins are not supported by this build");
}

static const Option options[] = {
    { "h", NULL, false, opt_help, "", "print this help" },
    { "help", NULL, false, opt_help, "", "" },
    { "g", "QEMU_GDB", true, opt_gdb, "port", "wait for gdb on TCP port (or unix socket path) first" },
    { "L", "QEMU_LD_PREFIX", true, opt_ld_prefix, "path",
      "look up the ELF interpreter and absolute paths under path" },
    { "s", "QEMU_STACK_SIZE", true, opt_stack_size, "size",
      "size of the guest's main stack (suffixes k, M, G)" },
    { "cpu", "QEMU_CPU", true, opt_cpu, "model",
      "CPU model and extensions ('-cpu help' lists models)" },
    { "E", "QEMU_SET_ENV", true, opt_set_env, "var=value",
      "set var in the guest's environment (see below)" },
    { "U", "QEMU_UNSET_ENV", true, opt_unset_env, "var",
      "remove var from the guest's environment (see below)" },
    { "0", "QEMU_ARGV0", true, opt_argv0, "argv0",
      "give the guest argv0 as its argv[0]" },
    { "r", "QEMU_UNAME", true, opt_uname, "uname",
      "release string uname(2) reports to the guest" },
    { "B", "QEMU_GUEST_BASE", true, opt_guest_base, "address",
      "host address where guest address 0 lives" },
    { "R", "QEMU_RESERVED_VA", true, opt_reserved_va, "size",
      "reserve size bytes of address space for the guest up front" },
    { "d", "QEMU_LOG", true, opt_log, "item[,...]",
      "debug log items ('-d help' lists them)" },
    { "D", "QEMU_LOG_FILENAME", true, opt_log_file, "logfile",
      "write the debug log to logfile, not stderr" },
    { "p", "QEMU_PAGESIZE", true, opt_pagesize, "pagesize",
      "guest page size; only 4096 is accepted" },
    { "one-insn-per-tb", "QEMU_ONE_INSN_PER_TB", false, opt_singlestep, "",
      "translate one guest instruction per block" },
    { "singlestep", "QEMU_SINGLESTEP", false, opt_singlestep, "",
      "older name of -one-insn-per-tb" },
    { "strace", "QEMU_STRACE", false, opt_strace, "", "print each system call and its result on stderr" },
    { "seed", "QEMU_RAND_SEED", true, opt_seed, "number",
      "make AT_RANDOM and getrandom reproducible" },
    { "trace", "QEMU_TRACE", true, opt_trace, "options",
      "refused: trace events are not supported" },
    { "plugin", "QEMU_PLUGIN", true, opt_plugin, "options",
      "refused: TCG plugins are not supported" },
    { "version", "QEMU_VERSION", false, opt_version, "",
      "print the version and exit" },
};

static void usage(int status)
{
    FILE *out = status ? stderr : stdout;

    fprintf(out, "usage: " PROG_NAME " [options] program [arguments...]\n"
            "Runs " TARGET_NAME " Linux programs on this host.\n\n"
            "Options and associated environment variables:\n\n"
            "Argument             Env-variable      Description\n");
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        const Option *o = &options[i];
        char arg[64];
        snprintf(arg, sizeof(arg), "-%s %s", o->name, o->example);
        fprintf(out, "%-20s %-17s %s\n", arg, o->env ? o->env : "", o->help);
    }
    fprintf(out, "\nDefaults:\n"
            "QEMU_LD_PREFIX  = %s\n"
            "QEMU_STACK_SIZE = %llu byte\n\n"
            "-E and -U (or QEMU_SET_ENV and QEMU_UNSET_ENV) edit the environment the guest\n"
            "starts with. Each takes a comma-separated list and may be repeated; when a\n"
            "variable is named more than once, the last change wins. For example, these\n"
            "three are the same:\n"
            "    -E A=1 -E B=2 -U LD_PRELOAD\n"
            "    -E A=1,B=2 -U LD_PRELOAD\n"
            "    QEMU_SET_ENV=A=1,B=2 QEMU_UNSET_ENV=LD_PRELOAD\n",
            DEFAULT_LD_PREFIX, (unsigned long long)TARGET_STACK_DEFAULT);
    exit(status);
}

/* Options to give again to the emulator that runs a guest's execve. */
static void remember_exec_arg(const Option *o, const char *arg)
{
    static const char *const pass_on[] = { "L", "s", "cpu", "R", "B", "d", "D",
                                           "one-insn-per-tb", "singlestep", "strace",
                                           "r", "p" };
    for (size_t i = 0; i < G_N_ELEMENTS(pass_on); i++) {
        if (!strcmp(o->name, pass_on[i])) {
            g_ptr_array_add(user_proc.exec_args, g_strconcat("-", o->name, NULL));
            if (o->has_arg) {
                g_ptr_array_add(user_proc.exec_args, g_strdup(arg));
            }
            return;
        }
    }
}

static void parse_env_vars(Settings *s)
{
    for (size_t i = 0; i < G_N_ELEMENTS(options); i++) {
        const Option *o = &options[i];
        const char *v = o->env ? getenv(o->env) : NULL;
        if (v && !(o->handle == opt_version)) {
            o->handle(s, v);
        }
    }
}

/* Returns the index of the program argument. */
static int parse_args(Settings *s, int argc, char **argv)
{
    int i = 1;

    while (i < argc) {
        const char *a = argv[i];
        const Option *o = NULL;

        if (a[0] != '-') {
            break;
        }
        i++;
        a++;
        if (a[0] == '-') {
            a++;                /* --option is -option */
            if (!a[0]) {
                break;          /* "--" ends the options */
            }
        }
        for (size_t k = 0; k < G_N_ELEMENTS(options); k++) {
            if (!strcmp(a, options[k].name)) {
                o = &options[k];
                break;
            }
        }
        if (!o) {
            die("unknown option '%s'", argv[i - 1]);
        }
        if (o->has_arg && i >= argc) {
            die("missing argument for option '%s'", argv[i - 1]);
        }
        remember_exec_arg(o, o->has_arg ? argv[i] : NULL);
        o->handle(s, o->has_arg ? argv[i] : NULL);
        if (o->has_arg) {
            i++;
        }
    }
    if (i >= argc) {
        die("no user program specified");
    }
    return i;
}

/* The guest's environment: ours, with -E / -U applied in order. */
static char **guest_environment(Settings *s)
{
    char **env = g_get_environ();

    /* In the order given, so that the last change of a variable wins. */
    for (guint i = 0; i < s->env_edits->len; i++) {
        const char *edit = s->env_edits->pdata[i];
        const char *kv = edit + 1;
        const char *eq = strchr(kv, '=');

        if (edit[0] == '-') {
            env = g_environ_unsetenv(env, kv);
        } else {
            char *name = eq ? g_strndup(kv, eq - kv) : g_strdup(kv);
            env = g_environ_setenv(env, name, eq ? eq + 1 : "", true);
            g_free(name);
        }
    }
    return env;
}

static int log_page(void *opaque, abi_ulong start, abi_ulong end, int flags)
{
    (void)opaque;
    qemu_log("%016" PRIx64 "-%016" PRIx64 " %016" PRIx64 " %c%c%c\n",
             (uint64_t)start, (uint64_t)end, (uint64_t)(end - start),
             (flags & PAGE_READ) ? 'r' : '-', (flags & PAGE_WRITE_ORG) ? 'w' : '-',
             (flags & PAGE_EXEC) ? 'x' : '-');
    return 0;
}

static void setup_logging(Settings *s)
{
    Error *err = NULL;
    unsigned mask = 0;

    if (s->log_items && !qemu_log_parse_mask(s->log_items, &mask, &err)) {
        die("-d: %s", error_message(err));
    }
    if (s->log_file && !qemu_log_set_file(s->log_file, &err)) {
        die("-D: %s", error_message(err));
    }
    qemu_log_set_mask(mask);
    if (mask & LOG_STRACE) {
        user_proc.strace = true;
    }
}

static void log_start_state(void)
{
    if (!qemu_loglevel_mask(LOG_PAGE)) {
        return;
    }
    qemu_log_lock();
    qemu_log("guest_base  0x%" PRIxPTR "\n", guest_base);
    qemu_log("start            end              size             prot\n");
    walk_memory_regions(NULL, log_page);
    qemu_log("start_brk   0x%016" PRIx64 "\n", (uint64_t)user_proc.start_brk);
    qemu_log("entry       0x%016" PRIx64 "\n", (uint64_t)user_proc.entry);
    qemu_log("start_stack 0x%016" PRIx64 "\n", (uint64_t)user_proc.start_stack);
    qemu_log_unlock();
}

static TCGExec *setup_exec(Settings *s)
{
    TCGExecConfig cfg = {
        .guest = target_exec_guest(),
        .guest_base = guest_base,
        .page_bits = TARGET_PAGE_BITS,
        .fetch = guest_code_fetch,
        .code_page_added = code_page_added,
    };
    Error *err = NULL;
    TCGExec *ex = tcg_exec_new(&cfg, &err);

    if (!ex) {
        die("%s", error_message(err));
    }
    if (s->one_insn) {
        tcg_exec_set_max_insns(ex, 1);
    }
    if (qemu_loglevel_mask(LOG_NOCHAIN)) {
        tcg_exec_set_chaining(ex, false);
    }
    return ex;
}

int main(int argc, char **argv)
{
    Settings s = { 0 };
    Error *err = NULL;
    int prog, fd;
    char **guest_argv;
    const char *filename;
    CPUArchState *env;
    TaskState *ts;
    unsigned long at_flags = getauxval(AT_FLAGS);
    long execfd;

    /* binfmt_misc O flag: the kernel opened the program for us. */
    errno = 0;
    execfd = (long)getauxval(AT_EXECFD);
    if (errno) {
        execfd = -1;
    }

    error_set_progname(PROG_NAME);
    s.env_edits = g_ptr_array_new_with_free_func(g_free);
    user_proc.exec_args = g_ptr_array_new_with_free_func(g_free);
    user_proc.stack_size = TARGET_STACK_DEFAULT;
    user_proc.ld_prefix = g_strdup(DEFAULT_LD_PREFIX);

    parse_env_vars(&s);
    prog = parse_args(&s, argc, argv);
    filename = argv[prog];

    /* binfmt_misc P flag: argv[prog + 1] is the guest's own argv[0]. */
    if ((at_flags & 1) && prog + 1 < argc) {
        user_proc.preserve_argv0 = true;
        guest_argv = g_new0(char *, argc - prog);
        for (int i = prog + 1; i < argc; i++) {
            guest_argv[i - prog - 1] = g_strdup(argv[i]);
        }
        user_proc.argc = argc - prog - 1;
    } else {
        guest_argv = g_new0(char *, argc - prog + 1);
        for (int i = prog; i < argc; i++) {
            guest_argv[i - prog] = g_strdup(argv[i]);
        }
        user_proc.argc = argc - prog;
    }
    if (s.argv0) {
        g_free(guest_argv[0]);
        guest_argv[0] = g_strdup(s.argv0);
        user_proc.preserve_argv0 = true;
    }
    user_proc.argv = guest_argv;
    guest_env = guest_environment(&s);
    if (s.uname) {
        /* syscall-misc's uname reads the release from here. */
        setenv("QEMU_UNAME", s.uname, 1);
    }

    setup_logging(&s);
    user_proc.cpu_spec = g_strdup(s.cpu ? s.cpu : "");
    if (!target_cpu_parse(s.cpu, &user_proc.cpu_ext, &err)) {
        die("-cpu: %s", error_message(err));
    }

    if (execfd >= 0) {
        fd = (int)execfd;
        user_proc.exec_fd = fd;
    } else {
        fd = open(filename, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            die("%s: %s", filename, g_strerror(errno));
        }
    }
    user_proc.exec_path = g_strdup(filename);
    user_proc.exec_realpath = realpath(filename, NULL);
    if (!user_proc.exec_realpath) {
        user_proc.exec_realpath = g_strdup(filename);
    }
    user_proc.self_path = realpath("/proc/self/exe", NULL);

    if (!mmap_init(s.guest_base, s.has_guest_base, s.reserved_va, &err)) {
        die("%s", error_message(err));
    }
    user_proc.exec = setup_exec(&s);

    env = target_cpu_new(user_proc.cpu_ext);
    ts = g_new0(TaskState, 1);
    ts->env = env;
    ts->tid = gettid();
    ts->cpu = tcg_exec_cpu_new(user_proc.exec, env);
    task_set_current(ts);

    if (!elf_load_program(filename, fd, guest_argv, guest_env, env, &err)) {
        die("%s", error_message(err));
    }
    if (user_proc.exec_fd < 0) {
        close(fd);
    }
    g_strfreev(guest_env);
    guest_env = NULL;
    log_start_state();

    signal_init();
    signal_task_init(ts, NULL);
    task_list_add(ts);
    if (s.gdb_port && !gdb_user_start(s.gdb_port, &err)) {
        die("%s", error_message(err));
    }
    cpu_loop(env);
}
