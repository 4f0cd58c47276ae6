/*
 * The agent's transport: a listening socket that serves one client at a
 * time (unix-listen, vsock-listen) or a character device (virtio-serial,
 * isa-serial), driven from the GLib main loop.
 */
#ifndef QGA_CHANNEL_H
#define QGA_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include "libcore/error.h"

typedef enum GAChannelMethod {
    GA_CHANNEL_VIRTIO_SERIAL,
    GA_CHANNEL_ISA_SERIAL,
    GA_CHANNEL_UNIX_LISTEN,
    GA_CHANNEL_VSOCK_LISTEN,
} GAChannelMethod;

/* Bytes from the host. */
typedef void GAChannelReadFn(void *opaque, const char *buf, size_t len);
/* The host side went away (or a new client replaced it): drop partial input. */
typedef void GAChannelResetFn(void *opaque);

typedef struct GAChannel GAChannel;

bool ga_channel_method_parse(const char *name, GAChannelMethod *method);
GAChannel *ga_channel_new(GAChannelMethod method, const char *path, GAChannelReadFn *read_fn,
                          GAChannelResetFn *reset_fn, void *opaque, Error **errp);
/* Send to the current client; false when there is none or it went away. */
bool ga_channel_write_all(GAChannel *c, const char *buf, size_t len);
void ga_channel_free(GAChannel *c);

#endif
