/*
 * Waiting on fds: poll and ppoll (ready, timeout, POLLHUP, a signal mask that
 * lets a blocked signal interrupt the wait), select and pselect6, and epoll with
 * 64 pipes whose 64-bit user data must come back intact (the guest's
 * epoll_event is 16 bytes, the host's 12), EPOLLONESHOT, EPOLL_CTL_MOD/DEL and
 * epoll_pwait2 with a timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NPIPES 64

static int failures;
static volatile sig_atomic_t got_usr1;

static void check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) {
        failures++;
    }
}

static void on_usr1(int sig)
{
    (void)sig;
    got_usr1++;
}

static void test_poll(void)
{
    int p[2];
    struct pollfd fds[2];
    struct timespec ts = { 0, 1000000 };
    sigset_t block, empty;

    pipe(p);
    fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
    check("poll writable only", poll(fds, 2, 0) == 1 && fds[0].revents == 0 &&
          fds[1].revents == POLLOUT);
    write(p[1], "x", 1);
    check("poll readable", poll(fds, 2, 0) == 2 && fds[0].revents == POLLIN);
    read(p[0], (char[1]){0}, 1);
    check("ppoll timeout", ppoll(fds, 1, &ts, NULL) == 0);
    close(p[1]);
    check("POLLHUP", poll(fds, 1, 0) == 1 && (fds[0].revents & POLLHUP));
    close(p[0]);
    fds[0].fd = 1000;
    check("POLLNVAL", poll(fds, 1, 0) == 1 && fds[0].revents == POLLNVAL);

    /* SIGUSR1 blocked, raised, then unblocked only for the duration of ppoll. */
    pipe(p);
    fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
    signal(SIGUSR1, on_usr1);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    check("still blocked", got_usr1 == 0);
    sigemptyset(&empty);
    ts.tv_sec = 5;
    errno = 0;
    check("ppoll EINTR", ppoll(fds, 1, &ts, &empty) < 0 && errno == EINTR);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    check("handler ran once", got_usr1 == 1);
    close(p[0]);
    close(p[1]);
    errno = 0;
    check("poll EFAULT", syscall(SYS_ppoll, (struct pollfd *)16, 1, NULL, NULL, 8) < 0 && errno == EFAULT);
}

static void test_select(void)
{
    int p[2];
    fd_set r, w;
    struct timeval tv = { 0, 1000 };
    struct timespec ts = { 0, 1000 };

    pipe(p);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    check("select", select(p[1] + 1, &r, &w, NULL, &tv) == 1 && !FD_ISSET(p[0], &r) &&
          FD_ISSET(p[1], &w));
    write(p[1], "y", 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    check("pselect", pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL) == 1 && FD_ISSET(p[0], &r));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    read(p[0], (char[1]){0}, 1);
    check("pselect timeout", pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL) == 0 &&
          !FD_ISSET(p[0], &r));
    errno = 0;
    check("select EINVAL", select(-1, NULL, NULL, NULL, &tv) < 0 && errno == EINVAL);
    close(p[0]);
    close(p[1]);
}

static void test_epoll(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC), p[NPIPES][2], n, ok = 1;
    struct epoll_event ev, out[NPIPES];
    struct timespec ts = { 0, 1000000 };
    uint64_t sum = 0, want = 0;

    check("epoll_create1", ep >= 0);
    for (int i = 0; i < NPIPES; i++) {
        pipe(p[i]);
        ev.events = EPOLLIN;
        ev.data.u64 = 0x1234567800000000ull | (uint64_t)i << 8 | 0x5a;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, p[i][0], &ev) != 0) {
            ok = 0;
        }
    }
    check("epoll_ctl add 64", ok);
    check("epoll_wait nothing", epoll_wait(ep, out, NPIPES, 0) == 0);
    for (int i = 0; i < NPIPES; i += 3) {
        write(p[i][1], "z", 1);
        want += 0x1234567800000000ull | (uint64_t)i << 8 | 0x5a;
    }
    n = epoll_wait(ep, out, NPIPES, 1000);
    printf("epoll_wait ready %d\n", n);
    for (int i = 0; i < n; i++) {
        sum += out[i].data.u64;
        if (out[i].events != EPOLLIN) {
            ok = 0;
        }
    }
    check("epoll data intact", ok && sum == want);
    n = epoll_wait(ep, out, 4, 0);
    check("maxevents respected", n == 4);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 77;
    check("EPOLL_CTL_MOD", epoll_ctl(ep, EPOLL_CTL_MOD, p[0][0], &ev) == 0);
    for (int i = 0; i < NPIPES; i++) {
        if (i && epoll_ctl(ep, EPOLL_CTL_DEL, p[i][0], NULL) != 0) {
            ok = 0;
        }
    }
    check("EPOLL_CTL_DEL", ok);
    check("oneshot fires", epoll_wait(ep, out, NPIPES, 0) == 1 && out[0].data.u64 == 77);
    check("oneshot disarmed", epoll_wait(ep, out, NPIPES, 0) == 0);
    n = syscall(SYS_epoll_pwait2, ep, out, NPIPES, &ts, NULL, 8);
    check("epoll_pwait2 timeout", n == 0 || (n < 0 && errno == ENOSYS));
    errno = 0;
    check("epoll_wait EINVAL", epoll_wait(ep, out, 0, 0) < 0 && errno == EINVAL);
    errno = 0;
    check("epoll_ctl EEXIST", epoll_ctl(ep, EPOLL_CTL_ADD, p[0][0], &ev) < 0 &&
          errno == EEXIST);
    for (int i = 0; i < NPIPES; i++) {
        close(p[i][0]);
        close(p[i][1]);
    }
    close(ep);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_poll();
    test_select();
    test_epoll();
    printf("failures: %d\n", failures);
    return failures != 0;
}
