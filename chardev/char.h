/*
 * Character devices: the byte streams behind -chardev, -serial, -monitor and
 * -qmp. A back end (file, pipe, stdio, pty, socket, ringbuf, null) moves
 * bytes to and from the host; one front end (a UART, a virtio console, a
 * monitor) attaches with callbacks and is fed only as much as it says it can
 * take, the back end pausing its reading until the front end has room again.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libcore/error.h"
#include "libcore/qobject.h"

enum {
    CHR_EVENT_OPENED,           /* a peer connected (sockets) or the device opened */
    CHR_EVENT_CLOSED,           /* the peer went away */
    CHR_EVENT_BREAK,
    CHR_EVENT_MUX_IN,           /* a multiplexed front end got the focus */
    CHR_EVENT_MUX_OUT,          /* ... or lost it */
};

typedef struct Chardev Chardev;

typedef struct CharFrontend {
    size_t (*can_read)(void *opaque);                   /* bytes it takes now */
    void (*read)(void *opaque, const uint8_t *buf, size_t len);
    void (*event)(void *opaque, int event);             /* optional */
    void *opaque;
} CharFrontend;

typedef struct ChardevOps {
    const char *name;                   /* the backend type: "file", "socket" ... */
    const char *const *keys;            /* option keys besides "backend" and "id" */
    bool (*open)(Chardev *chr, const QDict *opts, Error **errp);
    /* Write some of buf; the count written, 0 if nothing can be written now, -1 if gone. */
    ssize_t (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    /* The front end has room again: resume reading the host side. */
    void (*accept_input)(Chardev *chr);
    void (*close)(Chardev *chr);
} ChardevOps;

struct Chardev {
    char *id;
    const ChardevOps *ops;
    char *filename;                     /* what query-chardev shows: "pty:/dev/pts/3" */
    CharFrontend fe;
    bool has_fe;
    bool connected;                     /* sockets: a peer is there */
    GMainContext *ctx;
    void *state;                        /* the backend's own */
    GMutex write_lock;
};

/*
 * -chardev BACKEND,id=ID,...: option string with the backend as the implied
 * first key, or the parsed dict ("backend" and "id" members). Unknown
 * backends and keys are refused naming them. mux=on makes a multiplexer ID
 * over the back end (registered as ID-base) that several front ends share.
 */
Chardev *chardev_new_str(const char *optstr, GMainContext *ctx, Error **errp);
Chardev *chardev_new(const QDict *opts, GMainContext *ctx, Error **errp);
/*
 * The short forms of -serial, -monitor and -parallel ("stdio", "null",
 * "file:PATH", "pipe:PATH", "pty", "tcp:[HOST]:PORT[,server=on,...]",
 * "unix:PATH[,...]", "udp:...", "chardev:ID"), given the id to use;
 * "mon:DEV" makes DEV multiplexed, for the caller to attach a monitor too.
 */
Chardev *chardev_new_legacy(const char *id, const char *spec, GMainContext *ctx, Error **errp);
Chardev *chardev_find(const char *id);
/* Every chardev, oldest first (g_free the array only). */
Chardev **chardev_list(size_t *count);
void chardev_free(Chardev *chr);

/* Attach the one front end; false if one is attached already. */
bool chardev_set_frontend(Chardev *chr, const CharFrontend *fe, Error **errp);
void chardev_clear_frontend(Chardev *chr);
/* The front end has room again. */
void chardev_accept_input(Chardev *chr);
/* Write all of buf (waiting for a slow peer); false if the back end is gone. */
bool chardev_write_all(Chardev *chr, const uint8_t *buf, size_t len);

/* For back ends: hand bytes to the front end (within what it can take). */
size_t chardev_frontend_room(Chardev *chr);
void chardev_deliver(Chardev *chr, const uint8_t *buf, size_t len);
void chardev_send_event(Chardev *chr, int event);

/* Back end tables (char-fd.c, char-socket.c, char-ringbuf.c). */
extern const ChardevOps chardev_file_ops, chardev_pipe_ops, chardev_stdio_ops,
    chardev_pty_ops, chardev_socket_ops, chardev_ringbuf_ops;

/* What Ctrl-a x on a multiplexed chardev does (the program quits). */
void chardev_mux_set_quit(void (*cb)(void *opaque), void *opaque);

/* ringbuf-write / ringbuf-read (QMP): format "utf8" or "base64". */
bool chardev_ringbuf_write(Chardev *chr, const char *data, const char *format, Error **errp);
char *chardev_ringbuf_read(Chardev *chr, size_t size, const char *format, Error **errp);

#endif
