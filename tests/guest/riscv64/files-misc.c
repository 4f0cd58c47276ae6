/*
 * /proc/self, terminal ioctls and the process-wide calls (files helper): uname,
 * getrandom, sysinfo, prctl, ids, rlimits, scheduling, clocks. Each check prints
 * one "ok"/"FAIL" line; the exit status counts failures. Output is the same on
 * any correct Linux (nothing host-specific is printed).
 */
/* guest: dynamic=both args=one two */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int cond)
{
    printf("%s %s\n", cond ? "ok" : "FAIL", what);
    if (!cond) {
        failures++;
    }
}

/* The whole of a (possibly generated) file; NUL-terminated; *len its size. */
static char *slurp(const char *path, size_t *len)
{
    static char buf[1 << 16];
    int fd = open(path, O_RDONLY);
    ssize_t n;
    size_t total = 0;

    if (fd < 0) {
        return NULL;
    }
    while ((n = read(fd, buf + total, sizeof(buf) - 1 - total)) > 0) {
        total += (size_t)n;
    }
    close(fd);
    buf[total] = '\0';
    *len = total;
    return buf;
}

/* The /proc/self/maps line covering addr: its permission field, or "". */
static const char *maps_perms(unsigned long addr)
{
    static char perms[5];
    size_t len;
    char *m = slurp("/proc/self/maps", &len);
    char *line;

    perms[0] = '\0';
    for (line = m ? strtok(m, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        unsigned long s, e;

        if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3 && addr >= s && addr < e) {
            return perms;
        }
    }
    perms[0] = '\0';
    return perms;
}

static int global_data = 1;
/* An address no guest maps (volatile: the compiler must not reason about it). */
static void *volatile bad_ptr = (void *)8;

static void test_proc(int argc, char **argv)
{
    size_t len;
    char *s, exe[512], real[512];
    int local;
    ssize_t n;

    s = slurp("/proc/self/cmdline", &len);
    check("cmdline argv[1]", s && len > strlen(s) + 1 && !strcmp(s + strlen(s) + 1, argv[1]));
    check("cmdline length", s && argc == 3 &&
          len == strlen(argv[0]) + strlen(argv[1]) + strlen(argv[2]) + 3);
    check("maps: code r-x", !strcmp(maps_perms((unsigned long)&test_proc), "r-xp"));
    check("maps: data rw-", !strcmp(maps_perms((unsigned long)&global_data), "rw-p"));
    check("maps: stack rw-", !strcmp(maps_perms((unsigned long)&local), "rw-p"));
    s = slurp("/proc/self/maps", &len);
    check("maps: [stack] named", s && strstr(s, "[stack]"));
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    check("exe is absolute", exe[0] == '/');
    check("exe is the program", realpath(argv[0], real) && !strcmp(real, exe));
    {
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/exe", getpid());
        n = readlink(p, real, sizeof(real) - 1);
        check("/proc/<pid>/exe", n > 0 && (size_t)n == strlen(exe));
    }
    s = slurp("/proc/self/stat", &len);
    {
        int pid = 0;
        char comm[64] = "";
        check("stat pid", s && sscanf(s, "%d (%63[^)])", &pid, comm) == 2 && pid == getpid());
        check("stat comm", strcmp(comm, "files-misc") == 0 ||
              !strncmp(comm, strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], 15));
    }
    {
        int fd = open("/proc/self/auxv", O_RDONLY);
        Elf64_auxv_t a;
        unsigned long pagesz = 0;

        while (fd >= 0 && read(fd, &a, sizeof(a)) == sizeof(a) && a.a_type != AT_NULL) {
            if (a.a_type == AT_PAGESZ) {
                pagesz = a.a_un.a_val;
            }
        }
        check("auxv AT_PAGESZ", pagesz == getauxval(AT_PAGESZ) && pagesz != 0);
        if (fd >= 0) {
            struct stat st;
            check("fstat generated file", fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
            close(fd);
        }
    }
    s = slurp("/proc/cpuinfo", &len);
    check("cpuinfo has processor lines", s && strstr(s, "processor"));
}

static void test_tty(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    int sl;
    unsigned ptn = 99;
    struct termios t;
    struct winsize w = { 24, 80, 0, 0 }, w2;

    /* Sandboxes without a usable devpts refuse the master; the emulator is not
     * at fault then, so say so instead of failing every check below. */
    if (m < 0 && (errno == ENOENT || errno == EACCES || errno == EPERM ||
                  errno == ENXIO || errno == ENODEV || errno == ENOSPC)) {
        printf("skip tty checks: posix_openpt: %s\n", strerror(errno));
        return;
    }
    check("posix_openpt", m >= 0);
    check("TIOCGPTN", ioctl(m, TIOCGPTN, &ptn) == 0 && ptn != 99);
    check("unlockpt", unlockpt(m) == 0);
    sl = open(ptsname(m), O_RDWR | O_NOCTTY);
    check("open slave", sl >= 0);
    check("TCGETS", tcgetattr(sl, &t) == 0);
    t.c_lflag &= ~ECHO;
    check("TCSETS", tcsetattr(sl, TCSANOW, &t) == 0);
    check("TCGETS roundtrip", tcgetattr(sl, &t) == 0 && !(t.c_lflag & ECHO));
    check("isatty", isatty(sl) == 1);
    check("TIOCSWINSZ", ioctl(sl, TIOCSWINSZ, &w) == 0);
    check("TIOCGWINSZ", ioctl(m, TIOCGWINSZ, &w2) == 0 && w2.ws_row == 24 && w2.ws_col == 80);
    check("TCFLSH", tcflush(sl, TCIOFLUSH) == 0);
    check("TCGETS not a tty", tcgetattr(1 << 20, &t) == -1 && errno == EBADF);
    {
        int fd = open("/dev/null", O_RDONLY);
        check("TCGETS ENOTTY", tcgetattr(fd, &t) == -1 && errno == ENOTTY);
        close(fd);
    }
    close(sl);
    close(m);
}

static void test_process(void)
{
    struct utsname u;
    unsigned char r[32];
    struct sysinfo si;
    char name[16];
    struct rlimit rl, rl2;
    uid_t ru, eu, su;
    cpu_set_t set;
    struct timespec ts, ts2;
    struct timeval tv;
    struct tms tms;
    struct rusage ru_;

    check("uname machine", uname(&u) == 0 && !strcmp(u.machine, "riscv64"));
    check("uname sysname", !strcmp(u.sysname, "Linux"));
    check("getrandom", getrandom(r, sizeof(r), 0) == sizeof(r));
    check("getrandom EFAULT", getrandom(bad_ptr, 4, 0) == -1 && errno == EFAULT);
    check("sysinfo", sysinfo(&si) == 0 && si.totalram > 0 && si.mem_unit > 0);
    check("PR_SET_NAME", prctl(PR_SET_NAME, "guest-name", 0, 0, 0) == 0);
    check("PR_GET_NAME", prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && !strcmp(name, "guest-name"));
    check("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) >= 0);
    check("getresuid", getresuid(&ru, &eu, &su) == 0 && ru == getuid() && eu == geteuid());
    check("getpgid", getpgid(0) == getpgrp());
    /* Inside a PID namespace whose session leader (or parent) lives outside,
     * the kernel reports 0 for it: only an error or a disagreement is wrong. */
    check("getsid", getsid(0) >= 0 && getsid(0) == getsid(getpid()));
    check("getppid", getppid() >= 0);
    check("getrlimit NOFILE", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 0);
    rl2 = rl;
    rl2.rlim_cur = rl.rlim_cur > 64 ? 64 : rl.rlim_cur;
    check("setrlimit NOFILE", setrlimit(RLIMIT_NOFILE, &rl2) == 0 &&
          getrlimit(RLIMIT_NOFILE, &rl2) == 0 && rl2.rlim_cur <= 64);
    check("getrlimit STACK", getrlimit(RLIMIT_STACK, &rl) == 0);
    check("prlimit", prlimit(0, RLIMIT_CORE, NULL, &rl) == 0);
    check("sched_getaffinity", sched_getaffinity(0, sizeof(set), &set) == 0 &&
          CPU_COUNT(&set) > 0);
    check("sched_getscheduler", sched_getscheduler(0) == SCHED_OTHER);
    check("sched_yield", sched_yield() == 0);
    check("clock_gettime", clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
    ts2.tv_sec = 0;
    ts2.tv_nsec = 2000000;
    check("nanosleep", nanosleep(&ts2, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &ts2);
    check("monotonic advances", ts2.tv_sec > ts.tv_sec ||
          (ts2.tv_sec == ts.tv_sec && ts2.tv_nsec > ts.tv_nsec));
    check("clock_getres", clock_getres(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec == 0);
    check("clock_gettime bad clock", clock_gettime(12345, &ts) == -1 && errno == EINVAL);
    check("gettimeofday", gettimeofday(&tv, NULL) == 0 && tv.tv_sec > 1000000000);
    check("times", times(&tms) != (clock_t)-1);
    check("getrusage", getrusage(RUSAGE_SELF, &ru_) == 0);
    errno = 0;
    {
        int prio = getpriority(PRIO_PROCESS, 0);
        check("getpriority", errno == 0 && prio >= -20 && prio <= 19);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 3) {
        fprintf(stderr, "usage: files-misc ARG ARG\n");
        return 2;
    }
    test_proc(argc, argv);
    test_tty();
    test_process();
    printf("failures: %d\n", failures);
    return failures != 0;
}
