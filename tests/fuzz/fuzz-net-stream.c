/*
 * The length-prefixed frame stream of -netdev socket (listen=/connect=), as
 * a peer on the network sends it: split into frames in one piece and again
 * fed in small reads, the two must agree, and no frame may run past the
 * bytes received.
 */
#include "config.h"
#include "net/net.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Count {
    size_t frames, bytes;
} Count;

static void count_frame(void *opaque, const uint8_t *d, size_t len)
{
    Count *c = opaque;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++) {
        sink ^= d[i];           /* touch every byte: ASan checks the bounds */
    }
    (void)sink;
    c->frames++;
    c->bytes += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Count whole = { 0 }, pieces = { 0 };
    ssize_t used = net_stream_frames(data, size, count_frame, &whole);

    /* Again as a socket delivers it: a few bytes per read, leftovers kept. */
    uint8_t *buf = malloc(size + 1);
    size_t have = 0;
    bool bad = false;
    for (size_t off = 0; off < size && !bad;) {
        size_t chunk = MIN((size_t)(data[off] % 7) + 1, size - off);
        memcpy(buf + have, data + off, chunk);
        have += chunk;
        off += chunk;
        ssize_t u = net_stream_frames(buf, have, count_frame, &pieces);
        if (u < 0) {
            bad = true;
            break;
        }
        memmove(buf, buf + u, have - (size_t)u);
        have -= (size_t)u;
    }
    free(buf);
    if (used >= 0 && !bad && (whole.frames != pieces.frames || whole.bytes != pieces.bytes)) {
        abort();
    }
    return 0;
}
