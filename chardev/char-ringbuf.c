/*
 * -chardev ringbuf: the guest's output kept in a ring of size bytes (a power
 * of two; the oldest bytes give way), read and fed with the ringbuf-read and
 * ringbuf-write commands. What ringbuf-write sends goes to the front end as
 * input, within the room it has (the rest is dropped, as QEMU does).
 */
#include "config.h"
#include "chardev/char.h"

#include <stdlib.h>
#include <string.h>

typedef struct Ring {
    uint8_t *buf;
    size_t size, start, count;
    GMutex lock;
} Ring;

static bool ring_open(Chardev *chr, const QDict *opts, Error **errp)
{
    const char *v = qdict_get_str(opts, "size");
    size_t size = 65536;

    if (v) {
        char *end;
        unsigned long long n = strtoull(v, &end, 0);
        if (*end || end == v || n == 0 || (n & (n - 1)) || n > (1ull << 30)) {
            error_setf(errp, "size of ringbuf chardev must be power of two");
            return false;
        }
        size = (size_t)n;
    }
    Ring *r = g_new0(Ring, 1);
    r->buf = g_malloc(size);
    r->size = size;
    g_mutex_init(&r->lock);
    chr->state = r;
    return true;
}

static ssize_t ring_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Ring *r = chr->state;

    g_mutex_lock(&r->lock);
    for (size_t i = 0; i < len; i++) {
        r->buf[(r->start + r->count) & (r->size - 1)] = buf[i];
        if (r->count < r->size) {
            r->count++;
        } else {
            r->start = (r->start + 1) & (r->size - 1);
        }
    }
    g_mutex_unlock(&r->lock);
    return (ssize_t)len;
}

static void ring_close(Chardev *chr)
{
    Ring *r = chr->state;
    g_mutex_clear(&r->lock);
    g_free(r->buf);
    g_free(r);
}

static const char *const ring_keys[] = { "size", NULL };
const ChardevOps chardev_ringbuf_ops = {
    .name = "ringbuf", .keys = ring_keys, .open = ring_open, .write = ring_write,
    .close = ring_close,
};

static bool is_ring(Chardev *chr, Error **errp)
{
    if (chr->ops != &chardev_ringbuf_ops) {
        error_setf(errp, "%s is not a ringbuf device", chr->id);
        return false;
    }
    return true;
}

static bool base64_format(const char *format, Error **errp, bool *b64)
{
    *b64 = format && !strcmp(format, "base64");
    if (format && !*b64 && strcmp(format, "utf8")) {
        error_setf(errp, "Parameter 'format' does not accept value '%s'", format);
        return false;
    }
    return true;
}

bool chardev_ringbuf_write(Chardev *chr, const char *data, const char *format, Error **errp)
{
    bool b64;
    gsize len = strlen(data);
    guchar *bytes;

    if (!is_ring(chr, errp) || !base64_format(format, errp, &b64)) {
        return false;
    }
    bytes = b64 ? g_base64_decode(data, &len) : (guchar *)g_strdup(data);
    size_t room = chardev_frontend_room(chr);
    chardev_deliver(chr, bytes, MIN((size_t)len, room));
    g_free(bytes);
    return true;
}

char *chardev_ringbuf_read(Chardev *chr, size_t size, const char *format, Error **errp)
{
    bool b64;

    if (!is_ring(chr, errp) || !base64_format(format, errp, &b64)) {
        return NULL;
    }
    Ring *r = chr->state;
    g_mutex_lock(&r->lock);
    size_t n = MIN(size, r->count);
    guchar *out = g_malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        out[i] = r->buf[(r->start + i) & (r->size - 1)];
    }
    out[n] = 0;
    r->start = (r->start + n) & (r->size - 1);
    r->count -= n;
    g_mutex_unlock(&r->lock);
    if (!b64) {
        return (char *)out;     /* the bytes as they are; JSON escapes what it must */
    }
    char *enc = g_base64_encode(out, n);
    g_free(out);
    return enc;
}
