/*
 * Signal handlers: SA_SIGINFO details from raise/kill/tgkill, the handled
 * signal blocked while its handler runs (unless SA_NODEFER), SA_RESETHAND, sigprocmask with
 * sigpending, sigsuspend, and registers and FP state preserved across a handler.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t count;
static volatile int last_code, last_pid_ok, depth, max_depth;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    sigset_t cur;

    (void)uc;
    count++;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("handler sig=%d signo=%d self-blocked=%d\n", sig, si->si_signo,
           sigismember(&cur, sig));
}

static void nodefer_handler(int sig)
{
    depth++;
    if (depth > max_depth) {
        max_depth = depth;
    }
    if (depth < 3) {
        raise(sig);
    }
    depth--;
}

static volatile double fp_in_handler;

static void fp_handler(int sig)
{
    /* Clobber FP registers the interrupted code relies on. */
    volatile double a = 1.5, b = 2.25;
    fp_in_handler = a * b + sig;
}

int main(void)
{
    struct sigaction sa, old;
    sigset_t set, pend;

    setvbuf(stdout, NULL, _IONBF, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    if (sigaction(SIGUSR1, &sa, NULL)) {
        perror("sigaction");
        return 1;
    }

    raise(SIGUSR1);
    printf("raise: count=%d code=%s pid_ok=%d\n", (int)count,
           last_code == SI_TKILL ? "SI_TKILL" : "other", last_pid_ok);

    kill(getpid(), SIGUSR1);
    printf("kill: count=%d code=%s pid_ok=%d\n", (int)count,
           last_code == SI_USER ? "SI_USER" : "other", last_pid_ok);

    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    printf("tgkill: count=%d code=%s\n", (int)count,
           last_code == SI_TKILL ? "SI_TKILL" : "other");

    /* Blocked: stays pending until unblocked. */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: count=%d pending=%d\n", (int)count, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("unblocked: count=%d (standard signals do not queue)\n", (int)count);
    sigpending(&pend);
    printf("pending after=%d\n", sigismember(&pend, SIGUSR1));

    /* sigsuspend: wait with SIGUSR1 unblocked, old mask back afterwards. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    {
        sigset_t wait;
        sigemptyset(&wait);
        int r = sigsuspend(&wait);
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        printf("sigsuspend r=%d count=%d usr1 still blocked=%d\n", r, (int)count,
               sigismember(&now, SIGUSR1));
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    /* SA_NODEFER: the handler can be re-entered. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = nodefer_handler;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("nodefer max depth=%d\n", max_depth);

    /* SA_RESETHAND: the disposition is back to default after one delivery. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    printf("resethand: now %s\n", old.sa_handler == SIG_DFL ? "SIG_DFL" : "handler");

    /* SIG_IGN: nothing happens. */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored ok, count=%d\n", (int)count);

    /* FP state survives a handler. */
    signal(SIGALRM, fp_handler);
    {
        volatile double x = 3.0;
        double y = x * 7.0;
        raise(SIGALRM);
        y += x;
        printf("fp: y=%.2f handler=%.4f\n", y, fp_in_handler);
    }

    /* Invalid operations. */
    printf("sigaction(SIGKILL)=%d\n", sigaction(SIGKILL, &sa, NULL));
    printf("sigaction(0)=%d\n", sigaction(0, &sa, NULL));
    return 0;
}
