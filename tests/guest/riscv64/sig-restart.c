/*
 * Interrupted system calls: a read blocked on an empty pipe is restarted after
 * an SA_RESTART handler (and then gets the byte the handler wrote) but fails
 * with EINTR after a handler without it; a signal the process ignores does not
 * interrupt it at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int fds[2];
static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
    (void)sig;
    handled++;
    if (write(fds[1], "x", 1) != 1) {
        handled = -100;
    }
}

static void arm(long usec)
{
    struct itimerval it;

    memset(&it, 0, sizeof(it));
    it.it_value.tv_usec = usec;
    setitimer(ITIMER_REAL, &it, NULL);
}

static void try_read(const char *what, int flags)
{
    struct sigaction sa;
    char c = 0;
    ssize_t r;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
    handled = 0;
    arm(20000);
    errno = 0;
    r = read(fds[0], &c, 1);
    printf("%s: read=%zd errno=%s handled=%d c=%c\n", what, r,
           r < 0 ? (errno == EINTR ? "EINTR" : strerror(errno)) : "0", (int)handled,
           r == 1 ? c : '-');
    /* Drain what the handler wrote. */
    if (r < 0 && read(fds[0], &c, 1) != 1) {
        printf("drain failed\n");
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (pipe(fds)) {
        perror("pipe");
        return 1;
    }
    try_read("SA_RESTART", SA_RESTART);
    try_read("no SA_RESTART", 0);

    /* Ignored: the read goes on until the real data comes. */
    signal(SIGUSR1, SIG_IGN);
    signal(SIGALRM, on_alarm);
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_alarm;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGALRM, &sa, NULL);
    }
    handled = 0;
    kill(getpid(), SIGUSR1);
    arm(20000);
    {
        char c;
        ssize_t r = read(fds[0], &c, 1);
        printf("after ignored signal: read=%zd handled=%d\n", r, (int)handled);
    }
    return 0;
}
