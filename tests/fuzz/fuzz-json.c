/*
 * libFuzzer target for the JSON parser, stream and emitter.
 *
 * Checks, for any input: json_parse never crashes; the stream gives the same
 * values and errors whether fed at once or in random chunks; every value
 * parsed re-emits (compact and pretty) to text that parses back equal, and
 * re-emitting that gives the same text.
 */
#include "config.h"
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "libcore/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const QObject *obj)
{
    for (int pretty = 0; pretty < 2; pretty++) {
        char *text = json_to_string(obj, pretty);
        Error *err = NULL;
        QObject *back = json_parse(text, strlen(text), &err);
        if (!back || !qobject_equal(obj, back)) {
            abort();
        }
        char *again = json_to_string(back, pretty);
        if (strcmp(text, again)) {
            abort();
        }
        g_free(again);
        g_free(text);
        qobject_unref(back);
    }
}

/* What the stream delivered, one line per value or error. */
static void collect(void *opaque, QObject *obj, Error *err)
{
    GString *log = opaque;
    if (err) {
        g_string_append_printf(log, "E %s\n", error_message(err));
        error_free(err);
        return;
    }
    check_round_trip(obj);
    char *text = json_to_string(obj, false);
    g_string_append_printf(log, "V %s\n", text);
    g_free(text);
    qobject_unref(obj);
}

/* Feed in chunks whose sizes come from a PRNG seeded by the input itself. */
static char *run_stream(const uint8_t *data, size_t size, bool split)
{
    GString *log = g_string_new(NULL);
    JsonStream *js = json_stream_new(collect, log);
    uint32_t state = 2166136261u;
    for (size_t i = 0; i < size; i++) {
        state = (state ^ data[i]) * 16777619u;
    }
    size_t off = 0;
    while (off < size) {
        size_t n = size - off;
        if (split) {
            state = state * 1103515245u + 12345u;
            n = MIN(n, 1 + (state >> 16) % 17);
        }
        json_stream_feed(js, (const char *)data + off, n);
        off += n;
    }
    json_stream_flush(js);
    json_stream_free(js);
    return g_string_free(log, FALSE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;               /* big inputs only slow the search down */
    }
    Error *err = NULL;
    QObject *obj = json_parse((const char *)data, size, &err);
    if (obj) {
        check_round_trip(obj);
        qobject_unref(obj);
    } else {
        if (!err) {
            abort();            /* a failure must say why */
        }
        error_free(err);
    }

    char *whole = run_stream(data, size, false);
    char *chunked = run_stream(data, size, true);
    if (strcmp(whole, chunked)) {
        abort();
    }
    g_free(whole);
    g_free(chunked);
    return 0;
}
