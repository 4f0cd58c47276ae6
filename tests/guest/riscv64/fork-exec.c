/*
 * Processes and pipes: a forked child talks back through a pipe and exits with
 * a code the parent reads from waitpid; a child whose stdout is a pipe execve's
 * another guest program (the static hello built from this folder, found in the
 * directory given as argv[1]) with its own argv and environment; execve of a
 * missing file fails with ENOENT; a pipe's reader sees EOF once every writer
 * closed it; a write to a pipe without readers gives EPIPE under SIG_IGN.
 * Debian's qemu-riscv64 cannot execve a riscv64 program without binfmt_misc,
 * hence ref=no: the expected output is fork-exec.out.
 */
/* guest: args=BINDIR ref=no */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0) {
        n += r;
    }
    buf[n] = 0;
    return (int)n;
}

int main(int argc, char **argv)
{
    int fds[2], st, failed = 0;
    char buf[512];

    if (argc < 2) {
        fprintf(stderr, "usage: fork-exec BINDIR\n");
        return 2;
    }
    /* fork + pipe + exit code */
    pipe(fds);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dprintf(fds[1], "child pid differs: %d", getpid() != getppid());
        _exit(5);
    }
    close(fds[1]);
    read_all(fds[0], buf, sizeof(buf));
    close(fds[0]);
    waitpid(pid, &st, 0);
    printf("pipe: \"%s\"; exited %d code %d\n", buf, WIFEXITED(st), WEXITSTATUS(st));
    failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 5;

    /* fork + dup2 + execve of a guest program */
    char path[400];
    snprintf(path, sizeof(path), "%s/hello", argv[1]);
    pipe(fds);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *cargv[] = { "hello-renamed", "alpha", "beta gamma", NULL };
        char *cenv[] = { "GUEST_VAR=1", NULL };
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execve(path, cargv, cenv);
        dprintf(2, "execve failed: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    read_all(fds[0], buf, sizeof(buf));
    close(fds[0]);
    waitpid(pid, &st, 0);
    printf("exec output:\n%s", buf);
    printf("exec: exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
    failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 3;

    /* execve errors come back to the caller */
    char *nargv[] = { "nope", NULL };
    errno = 0;
    execve("/nonexistent/program", nargv, nargv + 1);
    printf("execve missing: %s\n", errno == ENOENT ? "ENOENT" : strerror(errno));

    /* EOF once all writers are gone, EPIPE when no reader */
    pipe(fds);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        write(fds[1], "abc", 3);
        _exit(0);
    }
    close(fds[1]);
    int n = read_all(fds[0], buf, sizeof(buf));
    waitpid(pid, &st, 0);
    printf("eof after %d bytes\n", n);
    signal(SIGPIPE, SIG_IGN);
    pipe(fds);
    close(fds[0]);
    errno = 0;
    ssize_t w = write(fds[1], "x", 1);
    printf("write without reader: %zd %s\n", w, errno == EPIPE ? "EPIPE" : strerror(errno));
    return failed;
}
