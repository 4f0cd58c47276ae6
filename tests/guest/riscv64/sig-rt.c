/*
 * Real-time signals: several instances queue (standard ones do not), each
 * with its sigqueue value, in order; sigtimedwait and
 * sigwaitinfo take blocked signals synchronously; a timeout gives EAGAIN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int order[16], values[16], n;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (n < 16) {
        order[n] = sig;
        values[n] = si->si_value.sival_int;
        n++;
    }
}

static void print_values(const char *name, int sig)
{
    printf("  %s:", name);
    for (int i = 0; i < n; i++) {
        if (order[i] == sig) {
            printf(" %d", values[i]);
        }
    }
    printf("\n");
}

int main(void)
{
    struct sigaction sa;
    sigset_t set;
    siginfo_t si;
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    int a = SIGRTMIN + 1, b = SIGRTMIN + 3;

    setvbuf(stdout, NULL, _IONBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(a, &sa, NULL);
    sigaction(b, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    sigemptyset(&set);
    sigaddset(&set, a);
    sigaddset(&set, b);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);

    for (int i = 0; i < 3; i++) {
        sigqueue(getpid(), b, (union sigval){ .sival_int = 100 + i });
        sigqueue(getpid(), a, (union sigval){ .sival_int = 200 + i });
        sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 300 + i });
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    /* The order between different signals is not compared (Debian's
     * qemu-riscv64 differs from Linux there); each signal's own queue is FIFO. */
    printf("delivered %d\n", n);
    print_values("SIGUSR1", SIGUSR1);
    print_values("RTMIN+1", a);
    print_values("RTMIN+3", b);

    /* Synchronous waits. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigqueue(getpid(), a, (union sigval){ .sival_int = 42 });
    memset(&si, 0, sizeof(si));
    int r = sigwaitinfo(&set, &si);
    printf("sigwaitinfo: %s value=%d code=%s pid_ok=%d\n", r == a ? "RTMIN+1" : "other",
           si.si_value.sival_int, si.si_code == SI_QUEUE ? "SI_QUEUE" : "other",
           si.si_pid == getpid());

    kill(getpid(), SIGUSR1);
    r = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait: %s code=%s\n", r == SIGUSR1 ? "SIGUSR1" : "other",
           si.si_code == SI_USER ? "SI_USER" : "other");

    r = sigtimedwait(&set, &si, &ts);
    printf("timeout: r=%d errno=%s\n", r, errno == EAGAIN ? "EAGAIN" : strerror(errno));

    printf("SIGRTMIN=%d SIGRTMAX=%d\n", SIGRTMIN, SIGRTMAX);
    return 0;
}
