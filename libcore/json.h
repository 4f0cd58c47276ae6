/*
 * JSON for QMP, the guest agent, json: filenames and --output=json.
 * The parser is streaming: feed it bytes as they arrive and it hands over each
 * complete top-level value. Depth and size limits are part of the parser.
 */
#ifndef LIBCORE_JSON_H
#define LIBCORE_JSON_H

#include "libcore/error.h"
#include "libcore/qobject.h"

#define JSON_MAX_DEPTH 1024
#define JSON_MAX_TOKEN (64 * 1024 * 1024)   /* bytes of one value */

typedef struct JsonStream JsonStream;

/*
 * Called once per complete top-level value (obj set, err NULL) or per error
 * (obj NULL, err set; the callback owns both). It must not free the stream.
 * A value is framed first (brackets and strings tracked byte by byte, so any
 * chunking gives the same result), then parsed: a malformed value is one
 * error and the next value is unaffected. After a framing error (a stray
 * '}' / ']' / ',' / ':', too deep, too large) the stream skips input up to
 * the next '{' or '[' or a 0xFF byte. A 0xFF byte always resets the stream
 * (the QMP / guest-agent way to resynchronise); inside a value it is reported.
 * Top-level numbers and keywords end at the next delimiter or at flush.
 */
typedef void JsonEmitFn(void *opaque, QObject *obj, Error *err);

JsonStream *json_stream_new(JsonEmitFn *emit, void *opaque);
void json_stream_feed(JsonStream *js, const char *buf, size_t len);
/* End of input: an incomplete value is reported as an error. */
void json_stream_flush(JsonStream *js);
void json_stream_free(JsonStream *js);

/* Parse exactly one value from a string (trailing whitespace allowed). */
QObject *json_parse(const char *str, size_t len, Error **errp);

/*
 * Emit: compact ("{"a": 1, "b": [1, 2]}" with QEMU's ", " / ": " spacing) or
 * pretty (4-space indent, one member per line, as qemu-img --output=json).
 * Returns a g_malloc'd string. Non-ASCII and control characters are escaped.
 */
char *json_to_string(const QObject *obj, bool pretty);

#endif
