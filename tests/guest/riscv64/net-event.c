/*
 * Event fds: eventfd (counter and semaphore mode, non-blocking EAGAIN),
 * timerfd (a one-shot and a periodic timer expiring, gettime of a disarmed
 * timer), signalfd reading a blocked SIGUSR1 and SIGUSR2 sent to ourselves,
 * and inotify reporting a file created, written and removed in a scratch
 * directory.
 */
/* guest: args=TMPDIR */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) {
        failures++;
    }
}

static void test_eventfd(void)
{
    int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    uint64_t v = 4;

    check("eventfd", fd >= 0);
    check("eventfd write", write(fd, &v, 8) == 8);
    check("eventfd read sum", read(fd, &v, 8) == 8 && v == 7);
    errno = 0;
    check("eventfd empty EAGAIN", read(fd, &v, 8) < 0 && errno == EAGAIN);
    errno = 0;
    check("eventfd short EINVAL", read(fd, &v, 4) < 0 && errno == EINVAL);
    close(fd);
    fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    check("semaphore 1", read(fd, &v, 8) == 8 && v == 1);
    check("semaphore 2", read(fd, &v, 8) == 8 && v == 1);
    check("semaphore empty", read(fd, &v, 8) < 0);
    close(fd);
}

static void test_timerfd(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = { .it_value = { 0, 20000000 } }, cur, old;
    uint64_t n = 0;

    check("timerfd_create", fd >= 0);
    check("gettime disarmed", timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec == 0 &&
          cur.it_value.tv_nsec == 0);
    /* Armed far enough ahead that a slow run still sees time left. */
    its.it_value.tv_sec = 60;
    check("settime", timerfd_settime(fd, 0, &its, NULL) == 0);
    check("gettime armed", timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec <= 60 &&
          (cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0));
    its.it_value.tv_sec = 0;
    check("settime short", timerfd_settime(fd, 0, &its, NULL) == 0);
    check("one-shot expires", read(fd, &n, 8) == 8 && n == 1);
    its.it_value.tv_nsec = 1000000;
    its.it_interval.tv_nsec = 1000000;
    check("periodic", timerfd_settime(fd, 0, &its, NULL) == 0);
    check("periodic expires", read(fd, &n, 8) == 8 && n >= 1);
    memset(&its, 0, sizeof(its));
    check("disarm with old value", timerfd_settime(fd, 0, &its, &old) == 0 &&
          old.it_interval.tv_nsec == 1000000);
    errno = 0;
    check("bad clock EINVAL", timerfd_create(12345, 0) < 0 && errno == EINVAL);
    close(fd);
}

static void test_signalfd(void)
{
    sigset_t set;
    struct signalfd_siginfo si[2];
    int fd;
    ssize_t n;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    check("signalfd", fd >= 0);
    errno = 0;
    check("nothing pending", read(fd, si, sizeof(si)) < 0 && errno == EAGAIN);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR2);
    n = read(fd, si, sizeof(si));
    printf("signalfd read %zd bytes\n", n);
    if (n == (ssize_t)sizeof(si)) {
        printf("signals %u %u, codes %d %d, from self %d\n", si[0].ssi_signo,
               si[1].ssi_signo, si[0].ssi_code, si[1].ssi_code,
               si[0].ssi_pid == (uint32_t)getpid());
    }
    check("consumed", read(fd, si, sizeof(si)) < 0);
    close(fd);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void test_inotify(const char *dir)
{
    char path[512], buf[4096] __attribute__((aligned(8)));
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), wd, f;
    ssize_t n;
    struct pollfd pfd;

    check("inotify_init1", fd >= 0);
    wd = inotify_add_watch(fd, dir, IN_CREATE | IN_CLOSE_WRITE | IN_DELETE);
    check("inotify_add_watch", wd >= 0);
    snprintf(path, sizeof(path), "%s/newfile", dir);
    f = open(path, O_CREAT | O_WRONLY, 0600);
    write(f, "data", 4);
    close(f);
    unlink(path);
    pfd.fd = fd;
    pfd.events = POLLIN;
    check("inotify readable", poll(&pfd, 1, 1000) == 1);
    n = read(fd, buf, sizeof(buf));
    for (ssize_t off = 0; off < n;) {
        struct inotify_event *e = (struct inotify_event *)(buf + off);
        printf("event%s%s%s name=%s same wd=%d\n",
               e->mask & IN_CREATE ? " CREATE" : "",
               e->mask & IN_CLOSE_WRITE ? " CLOSE_WRITE" : "",
               e->mask & IN_DELETE ? " DELETE" : "", e->len ? e->name : "",
               e->wd == wd);
        off += sizeof(*e) + e->len;
    }
    check("inotify_rm_watch", inotify_rm_watch(fd, wd) == 0);
    errno = 0;
    check("rm again EINVAL", inotify_rm_watch(fd, wd) < 0 && errno == EINVAL);
    errno = 0;
    check("missing path ENOENT", inotify_add_watch(fd, "/nonexistent/x", IN_CREATE) < 0 &&
          errno == ENOENT);
    close(fd);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_eventfd();
    test_timerfd();
    test_signalfd();
    if (argc > 1) {
        test_inotify(argv[1]);
    }
    printf("failures: %d\n", failures);
    return failures != 0;
}
