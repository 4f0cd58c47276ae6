/*
 * --fork: the parent stays in the foreground until the child is serving, so
 * that "qemu-nbd --fork ... && nbdinfo ..." never races the server. Until then
 * the child's stderr is a pipe the parent copies to its own stderr; a second
 * pipe carries one byte once the child is ready. The parent exits 0 only
 * after that byte, and 1 if the child ends (or fails) before sending it.
 * From then on the daemon's stderr is /dev/null (as QEMU's), or with -v the
 * original stderr so that the protocol trace stays visible.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "nbd-tool/nbd-tool.h"

static int ready_fd = -1;       /* child: write end of the ready pipe */
static int saved_stderr = -1;   /* child: the terminal's stderr, restored when ready */

static void parent_wait(pid_t child, int err_rd, int ready_rd)
{
    char buf[4096];
    ssize_t n;
    /* Copy the child's messages until it closes the pipe (ready, or gone). */
    while ((n = read(err_rd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
            break;
        }
    }
    char c;
    do {
        n = read(ready_rd, &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1) {
        exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    exit(1);
}

void nbd_tool_daemonize(bool keep_stderr)
{
    int errp[2], readyp[2];
    if (pipe(errp) < 0 || pipe(readyp) < 0) {
        error_report("Could not create a pipe: %s", strerror(errno));
        exit(1);
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        error_report("Could not fork: %s", strerror(errno));
        exit(1);
    }
    if (pid > 0) {
        close(errp[1]);
        close(readyp[1]);
        parent_wait(pid, errp[0], readyp[0]);
    }
    close(errp[0]);
    close(readyp[0]);
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    saved_stderr = keep_stderr ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0) : -1;
    dup2(errp[1], STDERR_FILENO);
    close(errp[1]);
    fcntl(readyp[1], F_SETFD, FD_CLOEXEC);
    ready_fd = readyp[1];
}

void nbd_tool_daemon_ready(void)
{
    if (ready_fd < 0) {
        return;
    }
    fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        saved_stderr = -1;
    } else {
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    char c = 'R';
    if (write(ready_fd, &c, 1) < 0) {
        /* The parent is gone: nobody is waiting for the verdict. */
    }
    close(ready_fd);
    ready_fd = -1;
    /* Hold no directory busy (relative -k was refused for this reason). */
    if (chdir("/") < 0) {
        /* Harmless: we only stay where we were. */
    }
}
