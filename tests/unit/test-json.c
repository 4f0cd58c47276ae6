/*
 * Unit tests for the JSON parser, the streaming framer and the emitter.
 */
#include "config.h"
#include <glib.h>
#include <string.h>
#include "libcore/json.h"

/* ---- helpers ---- */

static QObject *parse_ok(const char *s)
{
    Error *err = NULL;
    QObject *obj = json_parse(s, strlen(s), &err);
    if (!obj) {
        g_test_message("parse of '%s' failed: %s", s, error_message(err));
    }
    g_assert_null(err);
    g_assert_nonnull(obj);
    return obj;
}

/* Parsing s fails, and the message contains want. */
static void parse_fails(const char *s, size_t len, const char *want)
{
    Error *err = NULL;
    QObject *obj = json_parse(s, len, &err);
    g_assert_null(obj);
    g_assert_nonnull(err);
    if (!strstr(error_message(err), want)) {
        g_test_message("error for '%.*s' is '%s', wanted '%s'", (int)len, s,
                       error_message(err), want);
        g_assert_not_reached();
    }
    error_free(err);
}

static void check_emit(const char *in, const char *compact)
{
    QObject *obj = parse_ok(in);
    char *out = json_to_string(obj, false);
    g_assert_cmpstr(out, ==, compact);
    g_free(out);
    qobject_unref(obj);
}

/* ---- parser ---- */

static void test_parse_scalars(void)
{
    int64_t i;
    uint64_t u;
    QObject *o = parse_ok("  true ");
    g_assert_true(qbool_get(o));
    qobject_unref(o);
    o = parse_ok("null");
    g_assert_cmpint(qobject_type(o), ==, QTYPE_NULL);
    qobject_unref(o);
    o = parse_ok("-9223372036854775808");
    g_assert_true(qnum_get_int(o, &i));
    g_assert_cmpint(i, ==, INT64_MIN);
    qobject_unref(o);
    o = parse_ok("18446744073709551615");
    g_assert_false(qnum_get_int(o, &i));
    g_assert_true(qnum_get_uint(o, &u));
    g_assert_cmpuint(u, ==, UINT64_MAX);
    qobject_unref(o);
    o = parse_ok("18446744073709551616");     /* beyond 64 bits: a double */
    g_assert_true(qnum_is_double(o));
    g_assert_cmpfloat(qnum_get_double(o), ==, 18446744073709551616.0);
    qobject_unref(o);
    o = parse_ok("-9223372036854775809");
    g_assert_true(qnum_is_double(o));
    qobject_unref(o);
    o = parse_ok("1.5e3");
    g_assert_true(qnum_is_double(o));
    g_assert_cmpfloat(qnum_get_double(o), ==, 1500.0);
    qobject_unref(o);
    o = parse_ok("-0.25");
    g_assert_cmpfloat(qnum_get_double(o), ==, -0.25);
    qobject_unref(o);
    o = parse_ok("0");
    g_assert_true(qnum_get_int(o, &i));
    g_assert_cmpint(i, ==, 0);
    qobject_unref(o);
    o = parse_ok("1e-400");                   /* underflow is fine: 0 */
    g_assert_true(qnum_is_double(o));
    qobject_unref(o);
}

static void test_parse_bad_scalars(void)
{
    parse_fails("", 0, "expecting value");
    parse_fails("   ", 3, "expecting value");
    parse_fails("tru", 3, "invalid keyword 'tru'");
    parse_fails("True", 4, "invalid keyword");
    parse_fails("nulll", 5, "invalid keyword");
    parse_fails("01", 2, "invalid number");
    parse_fails("1.", 2, "invalid number");
    parse_fails(".5", 2, "expecting value");
    parse_fails("-", 1, "invalid number");
    parse_fails("1e", 2, "invalid number");
    parse_fails("+1", 2, "expecting value");
    parse_fails("0x10", 4, "invalid number");
    parse_fails("1e999", 5, "out of range");
    parse_fails("1 2", 3, "expecting end of input");
    parse_fails("{} x", 4, "expecting end of input");
    parse_fails("\x01", 1, "byte 0x01");
}

static void test_parse_containers(void)
{
    QObject *o = parse_ok("{\"a\": [1, 2, {\"b\": null}], 'c': {}, \"d\": []}");
    g_assert_cmpint(qobject_type(o), ==, QTYPE_DICT);
    g_assert_cmpuint(qdict_size(o), ==, 3);
    g_assert_cmpstr(qdict_key_at(o, 1), ==, "c");
    QList *l = qdict_get_list(o, "a");
    g_assert_cmpuint(qlist_size(l), ==, 3);
    g_assert_true(qdict_haskey(qlist_get(l, 2), "b"));
    g_assert_cmpuint(qdict_size(qdict_get_dict(o, "c")), ==, 0);
    g_assert_cmpuint(qlist_size(qdict_get_list(o, "d")), ==, 0);
    qobject_unref(o);

    o = parse_ok(" [ ] ");
    g_assert_cmpuint(qlist_size(o), ==, 0);
    qobject_unref(o);
}

static void test_parse_bad_containers(void)
{
    parse_fails("[1,]", 4, "expecting value");
    parse_fails("[1 2]", 5, "expecting ',' or ']'");
    parse_fails("[1", 2, "expecting ',' or ']', got end of input");
    parse_fails("{\"a\" 1}", 7, "expecting ':'");
    parse_fails("{\"a\": 1,}", 9, "expecting string key");
    parse_fails("{1: 2}", 6, "expecting string key");
    parse_fails("{\"a\": 1 \"b\": 2}", 15, "expecting ',' or '}'");
    parse_fails("{\"a\": 1, \"a\": 2}", 16, "duplicate key 'a'");
    parse_fails("{\"a\\u0000b\": 1}", 15, "NUL character in key");
    parse_fails("[1}", 3, "expecting ',' or ']'");
    parse_fails("{", 1, "expecting string key");
}

static void test_parse_depth(void)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        g_string_append_c(s, '[');
    }
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        g_string_append_c(s, ']');
    }
    QObject *o = parse_ok(s->str);        /* exactly the limit is fine */
    qobject_unref(o);
    g_string_prepend_c(s, '[');
    g_string_append_c(s, ']');
    parse_fails(s->str, s->len, "nesting depth limit exceeded");
    g_string_free(s, TRUE);
}

static void test_parse_strings(void)
{
    QObject *o = parse_ok("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
    g_assert_cmpstr(qstring_get(o), ==, "a\"b\\c/d\b\f\n\r\t");
    qobject_unref(o);
    o = parse_ok("'it\\'s \"quoted\"'");        /* QMP's single quotes */
    g_assert_cmpstr(qstring_get(o), ==, "it's \"quoted\"");
    qobject_unref(o);
    o = parse_ok("\"\\u00e9\\u20AC\\ud83d\\ude00\"");
    g_assert_cmpstr(qstring_get(o), ==, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    qobject_unref(o);
    o = parse_ok("\"raw \xc3\xa9 \xf0\x9f\x98\x80\"");
    g_assert_cmpstr(qstring_get(o), ==, "raw \xc3\xa9 \xf0\x9f\x98\x80");
    qobject_unref(o);
    o = parse_ok("\"a\\u0000b\"");
    g_assert_cmpuint(qstring_len(o), ==, 3);
    g_assert_cmpint(memcmp(qstring_get(o), "a\0b", 3), ==, 0);
    qobject_unref(o);
}

static void test_parse_bad_strings(void)
{
    parse_fails("\"abc", 4, "unterminated string");
    parse_fails("\"abc\\", 5, "unterminated string");
    parse_fails("\"\\x\"", 4, "invalid escape");
    parse_fails("\"\\u12zz\"", 8, "invalid \\u escape");
    parse_fails("\"\\u12", 5, "incomplete \\u escape");
    parse_fails("\"\\ud800\"", 8, "lone high surrogate");
    parse_fails("\"\\ud800\\u0041\"", 14, "lone high surrogate");
    parse_fails("\"\\udc00\"", 8, "lone low surrogate");
    parse_fails("\"a\nb\"", 5, "control character 0x0A");
    parse_fails("\"\xff\"", 3, "invalid UTF-8");
    parse_fails("\"\xc3\"", 3, "invalid UTF-8");            /* truncated */
    parse_fails("\"\xc0\xaf\"", 4, "invalid UTF-8");        /* overlong */
    parse_fails("\"\xe0\x80\xaf\"", 5, "invalid UTF-8");    /* overlong */
    parse_fails("\"\xed\xa0\x80\"", 5, "invalid UTF-8");    /* encoded surrogate */
    parse_fails("\"\xf4\x90\x80\x80\"", 6, "invalid UTF-8"); /* > U+10FFFF */
    parse_fails("\"\xe2\x82\"", 4, "invalid UTF-8");
    parse_fails("\"a\0b\"", 5, "control character 0x00");
}

/* ---- emitter ---- */

static void test_emit_compact(void)
{
    check_emit("{\"a\":1,\"b\":[1,2]}", "{\"a\": 1, \"b\": [1, 2]}");
    check_emit("[]", "[]");
    check_emit("{}", "{}");
    check_emit("[{}, [], null, true, false]", "[{}, [], null, true, false]");
    check_emit("-12", "-12");
    check_emit("18446744073709551615", "18446744073709551615");
    check_emit("0.1", "0.1");
    check_emit("1.5", "1.5");
    check_emit("1e300", "1e+300");
    check_emit("1E2", "100");
    check_emit("1e16", "10000000000000000");
    check_emit("1.5e17", "1.5e+17");
    check_emit("1e-7", "1e-07");
    check_emit("-2.5", "-2.5");
    check_emit("-0", "0");                  /* an integer */
    check_emit("-0.0", "-0.0");
    check_emit("-0e5", "-0.0");
    check_emit("0.30000000000000004", "0.30000000000000004");
    check_emit("\"q\\\"b\\\\/\\u0001\\u001f\\u007f\"", "\"q\\\"b\\\\/\\u0001\\u001F\\u007F\"");
    check_emit("\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"");
    check_emit("\"t\xc3\xa9st \xf0\x9f\x98\x80\"", "\"t\\u00E9st \\uD83D\\uDE00\"");
    check_emit("'x\\'y'", "\"x'y\"");
    check_emit("\"a\\u0000b\"", "\"a\\u0000b\"");
}

static void test_emit_invalid_utf8(void)
{
    QObject *s = qstring_new("a\xff" "b");
    char *out = json_to_string(s, false);
    g_assert_cmpstr(out, ==, "\"a\\uFFFDb\"");
    g_free(out);
    qobject_unref(s);
}

static void test_emit_pretty(void)
{
    QObject *o = parse_ok("{\"virtual-size\": 1048576, \"filename\": \"t\xc3\xa9st.qcow2\","
                          " \"format-specific\": {\"type\": \"qcow2\", \"data\":"
                          " {\"compat\": \"1.1\", \"lazy-refcounts\": false}},"
                          " \"list\": [{\"a\": 1}, 2], \"empty-list\": [], \"empty\": {}}");
    char *out = json_to_string(o, true);
    g_assert_cmpstr(out, ==,
        "{\n"
        "    \"virtual-size\": 1048576,\n"
        "    \"filename\": \"t\\u00E9st.qcow2\",\n"
        "    \"format-specific\": {\n"
        "        \"type\": \"qcow2\",\n"
        "        \"data\": {\n"
        "            \"compat\": \"1.1\",\n"
        "            \"lazy-refcounts\": false\n"
        "        }\n"
        "    },\n"
        "    \"list\": [\n"
        "        {\n"
        "            \"a\": 1\n"
        "        },\n"
        "        2\n"
        "    ],\n"
        "    \"empty-list\": [\n"
        "    ],\n"
        "    \"empty\": {\n"
        "    }\n"
        "}");
    g_free(out);
    qobject_unref(o);
}

/* Emitting then re-parsing gives an equal value, compact and pretty. */
static void test_round_trip(void)
{
    const char *inputs[] = {
        ("{\"a\": [1, -2, 3.25, 1e-7, 123456789.125, 5e-324, 1.7976931348623157e308],"
         " \"b\": {\"c\": \"\\u0001\\u00ff\\ud83d\\ude00\"}, \"d\": null, \"e\": true}"),
        "[0.1, 0.2, 0.30000000000000004, 2.5e-8, -0.0]",
        "\"a\\u0000\\\"\\\\\"",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(inputs); i++) {
        QObject *o = parse_ok(inputs[i]);
        for (int pretty = 0; pretty < 2; pretty++) {
            char *out = json_to_string(o, pretty);
            QObject *back = parse_ok(out);
            g_assert_true(qobject_equal(o, back));
            qobject_unref(back);
            g_free(out);
        }
        qobject_unref(o);
    }
}

/* ---- streaming ---- */

typedef struct Collected {
    GPtrArray *values;      /* emitted text of each value, or "ERR: msg" */
} Collected;

static void collect(void *opaque, QObject *obj, Error *err)
{
    Collected *c = opaque;
    if (err) {
        g_ptr_array_add(c->values, g_strdup_printf("ERR: %s", error_message(err)));
        error_free(err);
    } else {
        g_ptr_array_add(c->values, json_to_string(obj, false));
        qobject_unref(obj);
    }
}

/* Feed in chunks of size step (0: all at once), flush, return results joined by '|'. */
static char *stream_run(const char *in, size_t len, size_t step)
{
    Collected c = { g_ptr_array_new_with_free_func(g_free) };
    JsonStream *js = json_stream_new(collect, &c);
    if (!step) {
        step = len ? len : 1;
    }
    for (size_t off = 0; off < len; off += step) {
        json_stream_feed(js, in + off, MIN(step, len - off));
    }
    json_stream_flush(js);
    json_stream_free(js);
    g_ptr_array_add(c.values, NULL);
    char *joined = g_strjoinv("|", (char **)c.values->pdata);
    g_ptr_array_free(c.values, TRUE);
    return joined;
}

static void check_stream(const char *in, const char *want)
{
    size_t len = strlen(in);
    for (size_t step = 0; step <= MAX(len, 1); step++) {
        char *got = stream_run(in, len, step);
        if (strcmp(got, want) != 0) {
            g_test_message("chunk size %zu: '%s' != '%s'", step, got, want);
        }
        g_assert_cmpstr(got, ==, want);
        g_free(got);
    }
}

static void test_stream_values(void)
{
    check_stream("{\"execute\": \"qmp_capabilities\"}\n{\"execute\":'x', \"arguments\":{}}",
                 "{\"execute\": \"qmp_capabilities\"}|{\"execute\": \"x\", \"arguments\": {}}");
    check_stream("[1,[2,\"]}\\\"\"]] {}", "[1, [2, \"]}\\\"\"]]|{}");
    check_stream("12 true \"s\" null 3.5", "12|true|\"s\"|null|3.5");
    check_stream("123", "123");
    check_stream("1{}", "1|{}");
    check_stream("   \n  ", "");
    check_stream("{\"a\":\"\xc3\xa9\"}", "{\"a\": \"\\u00E9\"}");
}

static void test_stream_errors(void)
{
    /* A bad value is reported and the next one still parses. */
    check_stream("{\"a\": tru}{\"b\": 1}",
                 "ERR: JSON parse error, invalid keyword 'tru'|{\"b\": 1}");
    /* A mismatched close: skip to the next '{'. */
    check_stream("{\"a\": [1}, 2, 3] {\"ok\": 1}",
                 "ERR: JSON parse error, unexpected '}'|{\"ok\": 1}");
    check_stream("}]{\"x\": 1}", "ERR: JSON parse error, unexpected '}'|{\"x\": 1}");
    check_stream(", {}", "ERR: JSON parse error, unexpected ','|{}");
    /* Incomplete at end of input. */
    check_stream("{\"a\": [1, 2", "ERR: JSON parse error, unexpected end of input");
    check_stream("\"abc", "ERR: JSON parse error, unexpected end of input");
    check_stream("{\"a\": \"x\nb\"} []", "ERR: JSON parse error, control character 0x0A in string|[]");
}

static void test_stream_ff_reset(void)
{
    /* 0xFF aborts a partial value and resynchronises; between values it is silent. */
    check_stream("{\"a\": \"xx\xff{\"b\": 2}",
                 "ERR: JSON parse error, value interrupted by byte 0xFF|{\"b\": 2}");
    check_stream("\xff\xff{}\xff[]", "{}|[]");
    check_stream("12\xff", "12");
    /* In recovery, 0xFF ends the skipping even without a '{'. */
    check_stream("] garbage \xff 5 ", "ERR: JSON parse error, unexpected ']'|5");
}

static void test_stream_depth(void)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < JSON_MAX_DEPTH + 1; i++) {
        g_string_append_c(s, '[');
    }
    g_string_append(s, "\xff[1]");
    char *got = stream_run(s->str, s->len, 0);
    g_assert_cmpstr(got, ==, "ERR: JSON nesting depth limit exceeded|[1]");
    g_free(got);
    g_string_free(s, TRUE);
}

typedef struct Counter {
    int values;
    int errors;
    char *last_error;
} Counter;

static void count(void *opaque, QObject *obj, Error *err)
{
    Counter *c = opaque;
    if (err) {
        c->errors++;
        g_free(c->last_error);
        c->last_error = g_strdup(error_message(err));
        error_free(err);
    } else {
        c->values++;
        qobject_unref(obj);
    }
}

static void test_stream_size_limit(void)
{
    Counter c = { 0 };
    JsonStream *js = json_stream_new(count, &c);
    json_stream_feed(js, "[\"", 2);
    size_t chunk = 1 << 20;
    char *buf = g_malloc(chunk);
    memset(buf, 'a', chunk);
    for (size_t fed = 0; fed <= JSON_MAX_TOKEN; fed += chunk) {
        json_stream_feed(js, buf, chunk);
    }
    g_free(buf);
    g_assert_cmpint(c.errors, ==, 1);
    g_assert_nonnull(strstr(c.last_error, "too large"));
    json_stream_feed(js, "\"]{\"ok\": true}", 14);
    json_stream_flush(js);
    g_assert_cmpint(c.values, ==, 1);
    g_assert_cmpint(c.errors, ==, 1);
    json_stream_free(js);
    g_free(c.last_error);
}

/*
 * The fuzzer's seeds (and the crashes it found, kept as seeds) replayed:
 * chunking never changes the outcome and each value round-trips.
 */
static void check_round_trip_text(const char *compact)
{
    QObject *o = parse_ok(compact);
    char *again = json_to_string(o, false);
    g_assert_cmpstr(again, ==, compact);
    char *pretty = json_to_string(o, true);
    QObject *back = parse_ok(pretty);
    g_assert_true(qobject_equal(o, back));
    qobject_unref(back);
    g_free(pretty);
    g_free(again);
    qobject_unref(o);
}

static void test_fuzz_corpus(void)
{
    GDir *dir = g_dir_open(FUZZ_CORPUS_DIR "/fuzz-json", 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    int files = 0;
    while ((name = g_dir_read_name(dir))) {
        char *path = g_build_filename(FUZZ_CORPUS_DIR, "fuzz-json", name, NULL);
        char *data;
        gsize len;
        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        char *whole = stream_run(data, len, 0);
        for (size_t step = 1; step <= 17; step++) {
            char *chunked = stream_run(data, len, step);
            g_assert_cmpstr(chunked, ==, whole);
            g_free(chunked);
        }
        gchar **items = g_strsplit(whole, "|", -1);
        for (int i = 0; items[i]; i++) {
            if (*items[i] && !g_str_has_prefix(items[i], "ERR: ")) {
                check_round_trip_text(items[i]);
            }
        }
        g_strfreev(items);
        g_free(whole);
        g_free(data);
        g_free(path);
        files++;
    }
    g_dir_close(dir);
    g_assert_cmpint(files, >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/parse/scalars", test_parse_scalars);
    g_test_add_func("/json/parse/bad-scalars", test_parse_bad_scalars);
    g_test_add_func("/json/parse/containers", test_parse_containers);
    g_test_add_func("/json/parse/bad-containers", test_parse_bad_containers);
    g_test_add_func("/json/parse/depth", test_parse_depth);
    g_test_add_func("/json/parse/strings", test_parse_strings);
    g_test_add_func("/json/parse/bad-strings", test_parse_bad_strings);
    g_test_add_func("/json/emit/compact", test_emit_compact);
    g_test_add_func("/json/emit/invalid-utf8", test_emit_invalid_utf8);
    g_test_add_func("/json/emit/pretty", test_emit_pretty);
    g_test_add_func("/json/emit/round-trip", test_round_trip);
    g_test_add_func("/json/stream/values", test_stream_values);
    g_test_add_func("/json/stream/errors", test_stream_errors);
    g_test_add_func("/json/stream/ff-reset", test_stream_ff_reset);
    g_test_add_func("/json/stream/depth", test_stream_depth);
    g_test_add_func("/json/stream/size-limit", test_stream_size_limit);
    g_test_add_func("/json/fuzz-corpus", test_fuzz_corpus);
    return g_test_run();
}
