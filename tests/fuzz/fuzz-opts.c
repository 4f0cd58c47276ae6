/*
 * libFuzzer target for the key=value option parser (-drive, -object, -o ...).
 *
 * For any input: parsing never crashes; a parsed dict renders back with
 * opts_to_string to text that parses to an equal dict; nesting the dotted
 * keys with qdict_expand and flattening again gives the dict back.
 */
#include "config.h"
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include "libcore/opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) {
        return 0;
    }
    /* The first byte picks the implied key and flags; the rest is the text. */
    static const char *const implied[] = { NULL, "file", "qom-type", "driver" };
    const char *key = implied[data[0] & 3];
    unsigned flags = data[0] & 4 ? OPTS_BARE_KEYS : 0;
    char *text = g_strndup((const char *)data + 1, size - 1);

    Error *err = NULL;
    QDict *d = opts_parse_full(text, key, flags, &err);
    if (!d) {
        if (!err) {
            abort();
        }
        error_free(err);
        g_free(text);
        return 0;
    }
    char *rendered = opts_to_string(d);
    QDict *back = opts_parse(rendered, NULL, NULL);
    if (!back || !qobject_equal(d, back)) {
        abort();
    }
    QDict *nested = qdict_expand(d, &err);
    if (nested) {
        qdict_flatten(nested);
        if (!qobject_equal(d, nested)) {
            abort();
        }
        qobject_unref(nested);
    } else {
        error_free(err);
    }
    qobject_unref(back);
    g_free(rendered);
    qobject_unref(d);
    g_free(text);
    return 0;
}
