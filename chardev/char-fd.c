/*
 * Character back ends over plain file descriptors: file (output only), pipe
 * (PATH.in/PATH.out FIFOs or one PATH), stdio (the terminal in raw mode,
 * restored on close and at exit) and pty (a new pseudo-terminal whose slave a
 * user attaches to). Reading runs from the main loop and pauses while the
 * front end has no room; a pty with nobody on the slave side is checked again
 * every second instead of spinning on its hang-up.
 */
#include "config.h"
#include "chardev/char.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "libcore/main-loop.h"
#include "libcore/opts.h"

typedef struct FdState {
    int in_fd, out_fd;
    guint watch, retry;
    bool eof;
    bool is_pty;
    GMutex lock;                /* the watch: front ends resume from any thread */
} FdState;

static bool stdio_in_use;
static bool stdio_restore;
static struct termios stdio_saved;

static void fd_update_watch(Chardev *chr);

static bool fd_retry(void *opaque)
{
    Chardev *chr = opaque;
    FdState *s = chr->state;

    g_mutex_lock(&s->lock);
    s->retry = 0;
    s->eof = false;
    g_mutex_unlock(&s->lock);
    fd_update_watch(chr);
    return false;
}

static bool fd_readable(void *opaque, int fd, GIOCondition cond)
{
    Chardev *chr = opaque;
    FdState *s = chr->state;
    uint8_t buf[4096];
    size_t room = chardev_frontend_room(chr);
    ssize_t n = room ? read(fd, buf, MIN(room, sizeof(buf))) : 0;

    if (n > 0) {
        chardev_deliver(chr, buf, (size_t)n);
        return true;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    g_mutex_lock(&s->lock);
    s->watch = 0;
    if (room) {
        /* End of input; a pty's slave may be opened again later. */
        s->eof = true;
        if (s->is_pty && !s->retry) {
            s->retry = main_loop_add_timer(chr->ctx, 1000, fd_retry, chr);
        }
    }
    g_mutex_unlock(&s->lock);
    return false;
}

static void fd_update_watch(Chardev *chr)
{
    FdState *s = chr->state;

    g_mutex_lock(&s->lock);
    if (!s->watch && !s->eof && s->in_fd >= 0 && chardev_frontend_room(chr)) {
        s->watch = main_loop_add_fd(chr->ctx, s->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                    fd_readable, chr);
    }
    g_mutex_unlock(&s->lock);
}

static void fd_accept_input(Chardev *chr)
{
    fd_update_watch(chr);
}

static ssize_t fd_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    FdState *s = chr->state;
    ssize_t n = write(s->out_fd, buf, len);

    if (n >= 0) {
        return n;
    }
    if (errno == EINTR) {
        return 0;
    }
    /* Nobody on a pty's other side: output is dropped, as on a real line. */
    if (s->is_pty && (errno == EAGAIN || errno == EIO)) {
        return (ssize_t)len;
    }
    return errno == EAGAIN ? 0 : -1;
}

static void fd_close(Chardev *chr)
{
    FdState *s = chr->state;

    g_mutex_lock(&s->lock);
    if (s->watch) {
        main_loop_remove(chr->ctx, s->watch);
    }
    if (s->retry) {
        main_loop_remove(chr->ctx, s->retry);
    }
    g_mutex_unlock(&s->lock);
    if (s->in_fd > 2) {
        close(s->in_fd);
    }
    if (s->out_fd > 2 && s->out_fd != s->in_fd) {
        close(s->out_fd);
    }
    if (s->in_fd == 0) {
        if (stdio_restore) {
            tcsetattr(0, TCSANOW, &stdio_saved);
            stdio_restore = false;
        }
        stdio_in_use = false;
    }
    g_mutex_clear(&s->lock);
    g_free(s);
}

static FdState *fd_state(Chardev *chr, int in_fd, int out_fd)
{
    FdState *s = g_new0(FdState, 1);

    s->in_fd = in_fd;
    s->out_fd = out_fd;
    g_mutex_init(&s->lock);
    chr->state = s;
    return s;
}

/* ---- file ---- */

static bool file_open(Chardev *chr, const QDict *opts, Error **errp)
{
    const char *path = qdict_get_str(opts, "path");
    bool append;
    int fd;

    if (!path) {
        error_setf(errp, "chardev: file: no filename given");
        return false;
    }
    if (!opts_get_bool(opts, "append", false, &append, errp)) {
        return false;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0666);
    if (fd < 0) {
        error_setf_errno(errp, errno, "Could not open '%s'", path);
        return false;
    }
    fd_state(chr, -1, fd);
    return true;
}

static const char *const file_keys[] = { "path", "append", NULL };
const ChardevOps chardev_file_ops = {
    .name = "file", .keys = file_keys, .open = file_open, .write = fd_write,
    .accept_input = fd_accept_input, .close = fd_close,
};

/* ---- pipe ---- */

static bool pipe_open(Chardev *chr, const QDict *opts, Error **errp)
{
    const char *path = qdict_get_str(opts, "path");

    if (!path) {
        error_setf(errp, "chardev: pipe: no filename given");
        return false;
    }
    g_autofree char *in = g_strdup_printf("%s.in", path), *out = g_strdup_printf("%s.out", path);
    /* O_RDWR: opening a FIFO does not wait for the other end. */
    int fd_in = open(in, O_RDWR | O_CLOEXEC), fd_out = open(out, O_RDWR | O_CLOEXEC);
    if (fd_in < 0 || fd_out < 0) {
        if (fd_in >= 0) {
            close(fd_in);
        }
        if (fd_out >= 0) {
            close(fd_out);
        }
        fd_in = fd_out = open(path, O_RDWR | O_CLOEXEC);
        if (fd_in < 0) {
            error_setf_errno(errp, errno, "Could not open '%s'", path);
            return false;
        }
    }
    fd_state(chr, fd_in, fd_out);
    fd_update_watch(chr);
    return true;
}

static const char *const pipe_keys[] = { "path", NULL };
const ChardevOps chardev_pipe_ops = {
    .name = "pipe", .keys = pipe_keys, .open = pipe_open, .write = fd_write,
    .accept_input = fd_accept_input, .close = fd_close,
};

/* ---- stdio ---- */

static void stdio_atexit(void)
{
    if (stdio_restore) {
        tcsetattr(0, TCSANOW, &stdio_saved);
    }
}

static bool stdio_open(Chardev *chr, const QDict *opts, Error **errp)
{
    bool sig;
    static bool registered;

    if (!opts_get_bool(opts, "signal", true, &sig, errp)) {
        return false;
    }
    if (stdio_in_use) {
        error_setf(errp, "cannot use stdio by multiple character devices");
        return false;
    }
    if (isatty(0) && tcgetattr(0, &stdio_saved) == 0) {
        struct termios t = stdio_saved;
        /* Raw input (the guest echoes), output kept cooked; Ctrl-C per signal=. */
        t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
        if (!sig) {
            t.c_lflag &= ~ISIG;
        }
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        tcsetattr(0, TCSANOW, &t);
        stdio_restore = true;
        if (!registered) {
            atexit(stdio_atexit);
            registered = true;
        }
    }
    stdio_in_use = true;
    fd_state(chr, 0, 1);
    fd_update_watch(chr);
    return true;
}

static const char *const stdio_keys[] = { "signal", NULL };
const ChardevOps chardev_stdio_ops = {
    .name = "stdio", .keys = stdio_keys, .open = stdio_open, .write = fd_write,
    .accept_input = fd_accept_input, .close = fd_close,
};

/* ---- pty ---- */

static bool pty_open(Chardev *chr, const QDict *opts, Error **errp)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios t;

    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
        error_setf_errno(errp, errno, "chardev: cannot create a pseudo-terminal");
        if (m >= 0) {
            close(m);
        }
        return false;
    }
    /* Raw both ways: the guest's bytes reach whoever opens the slave unchanged. */
    if (tcgetattr(m, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(m, TCSANOW, &t);
    }
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    FdState *s = fd_state(chr, m, m);
    s->is_pty = true;
    g_free(chr->filename);
    chr->filename = g_strdup_printf("pty:%s", ptsname(m));
    fd_update_watch(chr);
    return true;
}

const ChardevOps chardev_pty_ops = {
    .name = "pty", .keys = (const char *const[]){ NULL }, .open = pty_open, .write = fd_write,
    .accept_input = fd_accept_input, .close = fd_close,
};
