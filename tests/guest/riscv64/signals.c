/*
 * Signal basics: a handler installed with sigaction runs for raise and kill,
 * sigprocmask blocks and a pending signal is delivered on unblock, SIG_IGN
 * drops a signal, SA_SIGINFO gives si_signo/si_code, a handler that itself
 * raises a signal, and a process killed by SIGABRT reports that (exit status).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_usr2, nested, last_code, last_signo;

static void on_usr1(int sig) { (void)sig; got_usr1++; }

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    got_usr2++;
    last_code = si->si_code;
    last_signo = si->si_signo;
    if (got_usr2 == 1) {
        raise(SIGUSR1);       /* nested delivery inside a handler */
        nested = got_usr1;
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("raise: handler ran %d\n", got_usr1);
    kill(getpid(), SIGUSR1);
    printf("kill: handler ran %d\n", got_usr1);

    sa.sa_handler = NULL;
    sa.sa_sigaction = on_usr2;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("siginfo: signo %d code %s nested usr1 count %d\n", last_signo,
           last_code == SI_TKILL ? "SI_TKILL" : last_code == SI_USER ? "SI_USER" : "other",
           nested);
    kill(getpid(), SIGUSR2);
    printf("kill siginfo code %s\n", last_code == SI_USER ? "SI_USER" : "other");

    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    int before = got_usr1;
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("blocked: ran %d, pending %d\n", got_usr1 - before, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: ran %d (standard signals do not queue)\n", got_usr1 - before);

    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored: still %d\n", got_usr1 - before);

    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    printf("sigaction query: siginfo flag %d\n", (cur.sa_flags & SA_SIGINFO) != 0);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        abort();
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
    fflush(stdout);
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
