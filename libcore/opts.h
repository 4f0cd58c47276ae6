/*
 * QEMU's option syntax: "key=value,key=value", ",," for a literal comma, an
 * optional implied first key ("file.qcow2,readonly=on" with implied key "file"),
 * "key" alone meaning "key=on" only where a caller allows it. The result is a
 * QDict of strings with flat (possibly dotted) keys; qdict_expand nests them.
 */
#ifndef LIBCORE_OPTS_H
#define LIBCORE_OPTS_H

#include "libcore/error.h"
#include "libcore/qobject.h"

/*
 * Parse params into a new dict of string values. implied_key may be NULL. A key
 * given twice: the last one wins. Empty keys and keys with characters outside
 * [A-Za-z0-9_.-] are errors naming the key.
 */
QDict *opts_parse(const char *params, const char *implied_key, Error **errp);
/*
 * The same with flags. OPTS_BARE_KEYS: "key" alone means "key=on" (qemu-img -o,
 * -drive). Without it a bare key is an error; "help" and "?" are always taken
 * as "help=on" so callers can offer their help text.
 */
#define OPTS_BARE_KEYS 1u
/* A repeated key keeps every value, as key.0, key.1 ... (-netdev user,hostfwd=). */
#define OPTS_REPEAT_INDEX 2u
QDict *opts_parse_full(const char *params, const char *implied_key, unsigned flags,
                       Error **errp);
/* Merge-parse into an existing dict (repeated -o options: bare keys allowed). */
bool opts_parse_into(QDict *dict, const char *params, const char *implied_key, Error **errp);
/*
 * Nest dotted keys: {"file.driver": "x"} -> {"file": {"driver": "x"}}; groups
 * whose keys are exactly 0..n-1 become lists. "a=1,a.b=2" is an error naming
 * both keys, as are empty components ("a..b").
 */
QDict *qdict_expand(const QDict *flat, Error **errp);
/* Render a dict (flattened first) back into "k=v,k2=v2" with commas escaped. */
char *opts_to_string(const QDict *dict);

/*
 * The "id" member, which must be there and be an identifier (letters, digits,
 * '-', '.', '_', starting with a letter); NULL with QEMU's messages otherwise.
 */
const char *opts_get_id(const QDict *opts, Error **errp);
bool id_wellformed(const char *id);
/* A string option as a boolean (on/off/yes/no/true/false); absent: def. */
bool opts_get_bool(const QDict *opts, const char *key, bool def, bool *out, Error **errp);

#endif
