/*
 * execve of a guest program: the program re-executes itself with another argv[0]
 * (which must survive), a child argument and an environment variable; the
 * exec'd image reports what it got and exits with a code the parent checks.
 * Blocked signals and ignored dispositions are inherited across execve.
 * Debian's qemu-riscv64 cannot execve a riscv64 program without binfmt_misc,
 * hence ref=no: the expected output is thr-exec.out.
 */
/* guest: ref=no */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    pid_t pid;
    int st;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "child")) {
        sigset_t cur;
        struct sigaction sa;

        sigprocmask(SIG_BLOCK, NULL, &cur);
        sigaction(SIGUSR2, NULL, &sa);
        printf("child: argv0=%s argc=%d arg2=%s env=%s usr1-blocked=%d usr2-ignored=%d\n",
               argv[0], argc, argc > 2 ? argv[2] : "-", getenv("THR_EXEC_VAR"),
               sigismember(&cur, SIGUSR1), sa.sa_handler == SIG_IGN);
        return 23;
    }

    pid = fork();
    if (pid == 0) {
        char *cargv[] = { "renamed-argv0", "child", "two words", NULL };
        char *cenv[] = { "THR_EXEC_VAR=hello", NULL };
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        signal(SIGUSR2, SIG_IGN);
        execve("/proc/self/exe", cargv, cenv);
        perror("execve");
        _exit(99);
    }
    waitpid(pid, &st, 0);
    printf("parent: child exited %d\n", WEXITSTATUS(st));

    pid = fork();
    if (pid == 0) {
        char *cargv[] = { "again", "child", NULL };
        execv(argv[0], cargv);
        perror("execv");
        _exit(99);
    }
    waitpid(pid, &st, 0);
    printf("parent: child exited %d\n", WEXITSTATUS(st));
    return 0;
}
