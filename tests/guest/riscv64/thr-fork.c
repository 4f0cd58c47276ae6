/*
 * Processes: fork and wait4/waitpid/waitid statuses (exit codes, death by
 * signal, stop and continue), a child's SIGCHLD, vfork, posix_spawn and execve
 * of a host program (/bin/echo), fork from a threaded process (only the calling
 * thread survives in the child), and the process finally dying of SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, int st)
{
    if (WIFEXITED(st)) {
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
        printf("%s: killed by %d\n", what, WTERMSIG(st));
    } else if (WIFSTOPPED(st)) {
        printf("%s: stopped by %d\n", what, WSTOPSIG(st));
    } else {
        printf("%s: status %#x\n", what, st);
    }
}

static volatile sig_atomic_t chld;

static void on_chld(int sig)
{
    (void)sig;
    chld++;
}

static void *spin(void *arg)
{
    (void)arg;
    for (;;) {
        pause();
    }
    return NULL;
}

int main(void)
{
    pid_t pid;
    int st;
    struct rusage ru;
    siginfo_t si;

    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGCHLD, on_chld);

    pid = fork();
    if (pid == 0) {
        _exit(7);
    }
    printf("wait4 pid ok=%d\n", wait4(pid, &st, 0, &ru) == pid);
    show("exit", st);

    pid = fork();
    if (pid == 0) {
        raise(SIGUSR1);
        _exit(1);
    }
    waitpid(pid, &st, 0);
    show("raise", st);

    pid = fork();
    if (pid == 0) {
        *(volatile int *)0 = 1;
        _exit(1);
    }
    waitpid(pid, &st, 0);
    show("segv", st);

    pid = fork();
    if (pid == 0) {
        abort();
    }
    waitpid(pid, &st, 0);
    show("abort", st);

    pid = fork();
    if (pid == 0) {
        for (;;) {
            pause();
        }
    }
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    show("stop", st);
    kill(pid, SIGCONT);
    waitpid(pid, &st, WCONTINUED);
    printf("continued=%d\n", WIFCONTINUED(st));
    kill(pid, SIGKILL);
    memset(&si, 0, sizeof(si));
    waitid(P_PID, pid, &si, WEXITED);
    printf("waitid: signo=%d code=%s status=%d pid_ok=%d\n", si.si_signo,
           si.si_code == CLD_KILLED ? "CLD_KILLED" : "other", si.si_status,
           si.si_pid == pid);

    pid = fork();
    if (pid == 0) {
        exit(3);
    }
    memset(&si, 0, sizeof(si));
    waitid(P_ALL, 0, &si, WEXITED);
    printf("waitid exit: code=%s status=%d\n",
           si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status);
    printf("no more children: %d\n", wait(&st) == -1 && errno == ECHILD);
    printf("got SIGCHLD: %d\n", chld > 0);

    pid = vfork();
    if (pid == 0) {
        _exit(11);
    }
    waitpid(pid, &st, 0);
    show("vfork", st);

    pid = fork();
    if (pid == 0) {
        char *argv[] = { "echo", "exec", "of", "/bin/echo", NULL };
        execve("/bin/echo", argv, environ);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    show("execve echo", st);

    {
        char *argv[] = { "echo", "posix_spawn", NULL };
        if (posix_spawn(&pid, "/bin/echo", NULL, NULL, argv, environ) == 0) {
            waitpid(pid, &st, 0);
            show("posix_spawn", st);
        }
    }

    pid = fork();
    if (pid == 0) {
        char *argv[] = { "nonexistent", NULL };
        execve("/nonexistent/program", argv, environ);
        printf("execve failed: %s\n", errno == ENOENT ? "ENOENT" : strerror(errno));
        _exit(0);
    }
    waitpid(pid, &st, 0);

    /* Fork with other threads around. */
    {
        pthread_t t;
        pthread_create(&t, NULL, spin, NULL);
        pthread_create(&t, NULL, spin, NULL);
        pid = fork();
        if (pid == 0) {
            pid = fork();
            if (pid == 0) {
                _exit(5);
            }
            waitpid(pid, &st, 0);
            _exit(WEXITSTATUS(st) + 1);
        }
        waitpid(pid, &st, 0);
        show("fork with threads", st);
    }

    printf("now dying of SIGTERM\n");
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
