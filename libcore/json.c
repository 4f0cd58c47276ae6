/*
 * JSON parser, streaming framer and emitter.
 *
 * The stream splits its input into top-level values with a byte-at-a-time state
 * machine (so any chunking gives the same result) and hands each complete value
 * to the recursive-descent parser json_parse. The parser accepts RFC 8259 plus
 * QMP's single-quoted strings; the emitter writes QEMU's compact and pretty forms.
 */
#include "config.h"
#include "libcore/json.h"

#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                     */

/*
 * Decode one UTF-8 sequence from s (n bytes available). Returns its length
 * and sets *cp, or 0 for an invalid, overlong, surrogate or truncated sequence.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t len;
    uint32_t c = s[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min_cp[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return len;
}

/* ------------------------------------------------------------------------ */
/* Parser                                                                    */

typedef struct Parser {
    const char *p;
    const char *end;
    int depth;
    Error **errp;
} Parser;

static QObject *parse_value(Parser *ps);

static void parse_error(Parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void parse_error(Parser *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setf(ps->errp, "JSON parse error, %s", msg);
    g_free(msg);
}

static void skip_ws(Parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

/* Describe the byte at the cursor for error messages. */
static char *describe_here(Parser *ps)
{
    if (ps->p >= ps->end) {
        return g_strdup("end of input");
    }
    unsigned char c = *ps->p;
    if (c >= 0x20 && c < 0x7F) {
        return g_strdup_printf("'%c'", c);
    }
    return g_strdup_printf("byte 0x%02X", c);
}

static void parse_unexpected(Parser *ps, const char *expecting)
{
    char *what = describe_here(ps);
    parse_error(ps, "expecting %s, got %s", expecting, what);
    g_free(what);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Read the 4 hex digits after "\u"; the cursor is on the 'u'. */
static bool parse_hex4(Parser *ps, uint32_t *out)
{
    uint32_t v = 0;
    if (ps->end - ps->p < 5) {
        parse_error(ps, "incomplete \\u escape");
        return false;
    }
    for (int i = 1; i <= 4; i++) {
        int h = hex_value(ps->p[i]);
        if (h < 0) {
            parse_error(ps, "invalid \\u escape");
            return false;
        }
        v = (v << 4) | (uint32_t)h;
    }
    ps->p += 5;
    *out = v;
    return true;
}

/* "\uXXXX" with surrogate pairs combined; lone surrogates are errors. */
static bool parse_unicode_escape(Parser *ps, GString *out)
{
    uint32_t cp, lo;
    if (!parse_hex4(ps, &cp)) {
        return false;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        parse_error(ps, "lone low surrogate \\u%04X", cp);
        return false;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
            parse_error(ps, "lone high surrogate \\u%04X", cp);
            return false;
        }
        ps->p++;
        if (!parse_hex4(ps, &lo)) {
            return false;
        }
        if (lo < 0xDC00 || lo > 0xDFFF) {
            parse_error(ps, "lone high surrogate \\u%04X", cp);
            return false;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    char buf[6];
    g_string_append_len(out, buf, g_unichar_to_utf8(cp, buf));
    return true;
}

static bool parse_escape(Parser *ps, GString *out)
{
    ps->p++;                                /* the backslash */
    if (ps->p >= ps->end) {
        parse_error(ps, "unterminated string");
        return false;
    }
    static const char from[] = "\"'\\/bfnrt";
    static const char to[] = "\"'\\/\b\f\n\r\t";
    char c = *ps->p;
    if (c == 'u') {
        return parse_unicode_escape(ps, out);
    }
    const char *hit = c ? strchr(from, c) : NULL;
    if (!hit) {
        char *what = describe_here(ps);
        parse_error(ps, "invalid escape sequence \\ followed by %s", what);
        g_free(what);
        return false;
    }
    g_string_append_c(out, to[hit - from]);
    ps->p++;
    return true;
}

/* A string in double or (QMP extension) single quotes; the cursor is on the quote. */
static QObject *parse_string(Parser *ps)
{
    char quote = *ps->p++;
    GString *out = g_string_new(NULL);

    for (;;) {
        if (ps->p >= ps->end) {
            parse_error(ps, "unterminated string");
            goto fail;
        }
        unsigned char c = *ps->p;
        if (c == (unsigned char)quote) {
            ps->p++;
            break;
        }
        if (c == '\\') {
            if (!parse_escape(ps, out)) {
                goto fail;
            }
        } else if (c < 0x20) {
            parse_error(ps, "control character 0x%02X in string", c);
            goto fail;
        } else if (c < 0x80) {
            g_string_append_c(out, (char)c);
            ps->p++;
        } else {
            uint32_t cp;
            size_t n = utf8_decode((const unsigned char *)ps->p, ps->end - ps->p, &cp);
            if (!n) {
                parse_error(ps, "invalid UTF-8 sequence in string");
                goto fail;
            }
            g_string_append_len(out, ps->p, n);
            ps->p += n;
        }
    }
    QObject *str = qstring_new_len(out->str, out->len);
    g_string_free(out, TRUE);
    return str;
fail:
    g_string_free(out, TRUE);
    return NULL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the RFC 8259 number at the cursor, or 0 if malformed. */
static size_t scan_number(Parser *ps, bool *is_int)
{
    const char *s = ps->p, *e = ps->end;
    *is_int = true;
    if (s < e && *s == '-') {
        s++;
    }
    if (s >= e || !is_digit(*s)) {
        return 0;
    }
    if (*s == '0') {
        s++;
    } else {
        while (s < e && is_digit(*s)) {
            s++;
        }
    }
    if (s < e && *s == '.') {
        *is_int = false;
        s++;
        if (s >= e || !is_digit(*s)) {
            return 0;
        }
        while (s < e && is_digit(*s)) {
            s++;
        }
    }
    if (s < e && (*s == 'e' || *s == 'E')) {
        *is_int = false;
        s++;
        if (s < e && (*s == '+' || *s == '-')) {
            s++;
        }
        if (s >= e || !is_digit(*s)) {
            return 0;
        }
        while (s < e && is_digit(*s)) {
            s++;
        }
    }
    /* "01" or "1x": a number must end at a delimiter. */
    if (s < e && (is_digit(*s) || g_ascii_isalpha(*s) || *s == '.' || *s == '_')) {
        return 0;
    }
    return s - ps->p;
}

/* Integer text to int64/uint64; false when it does not fit either. */
static QObject *integer_value(const char *s, size_t len)
{
    bool neg = *s == '-';
    uint64_t mag = 0;
    for (size_t i = neg; i < len; i++) {
        unsigned d = s[i] - '0';
        if (mag > (UINT64_MAX - d) / 10) {
            return NULL;
        }
        mag = mag * 10 + d;
    }
    if (!neg) {
        return qnum_from_uint(mag);
    }
    if (mag <= (uint64_t)INT64_MAX) {
        return qnum_from_int(-(int64_t)mag);
    }
    if (mag == (uint64_t)INT64_MAX + 1) {
        return qnum_from_int(INT64_MIN);
    }
    return NULL;
}

static QObject *parse_number(Parser *ps)
{
    bool is_int;
    size_t len = scan_number(ps, &is_int);
    if (!len) {
        size_t n = 0;
        while (ps->p + n < ps->end && n < 32 && (g_ascii_isalnum(ps->p[n]) ||
               ps->p[n] == '.' || ps->p[n] == '-' || ps->p[n] == '+')) {
            n++;
        }
        parse_error(ps, "invalid number '%.*s'", (int)n, ps->p);
        return NULL;
    }
    QObject *num = is_int ? integer_value(ps->p, len) : NULL;
    if (!num) {
        /* A fraction, an exponent, or an integer beyond 64 bits. */
        char *text = g_strndup(ps->p, len);
        double d = g_ascii_strtod(text, NULL);
        g_free(text);
        if (!isfinite(d)) {
            parse_error(ps, "number out of range '%.*s'", (int)MIN(len, 32), ps->p);
            return NULL;
        }
        num = qnum_from_double(d);
    }
    ps->p += len;
    return num;
}

static QObject *parse_keyword(Parser *ps)
{
    size_t n = 0;
    while (ps->p + n < ps->end && g_ascii_isalnum(ps->p[n])) {
        n++;
    }
    QObject *obj = NULL;
    if (n == 4 && !memcmp(ps->p, "true", 4)) {
        obj = qbool_new(true);
    } else if (n == 5 && !memcmp(ps->p, "false", 5)) {
        obj = qbool_new(false);
    } else if (n == 4 && !memcmp(ps->p, "null", 4)) {
        obj = qnull();
    } else {
        parse_error(ps, "invalid keyword '%.*s'", (int)MIN(n, 32), ps->p);
        return NULL;
    }
    ps->p += n;
    return obj;
}

static bool enter_nesting(Parser *ps)
{
    if (++ps->depth > JSON_MAX_DEPTH) {
        error_setf(ps->errp, "JSON nesting depth limit exceeded");
        return false;
    }
    return true;
}

static QObject *parse_array(Parser *ps)
{
    if (!enter_nesting(ps)) {
        return NULL;
    }
    ps->p++;                                /* '[' */
    QList *list = qlist_new();
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        ps->depth--;
        return list;
    }
    for (;;) {
        QObject *v = parse_value(ps);
        if (!v) {
            goto fail;
        }
        qlist_append(list, v);
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            break;
        }
        parse_unexpected(ps, "',' or ']'");
        goto fail;
    }
    ps->depth--;
    return list;
fail:
    qobject_unref(list);
    return NULL;
}

static bool parse_member(Parser *ps, QDict *dict)
{
    skip_ws(ps);
    if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\'')) {
        parse_unexpected(ps, "string key");
        return false;
    }
    QObject *key = parse_string(ps);
    if (!key) {
        return false;
    }
    bool ok = false;
    const char *k = qstring_get(key);
    if (strlen(k) != qstring_len(key)) {
        parse_error(ps, "NUL character in key");
        goto out;
    }
    if (qdict_haskey(dict, k)) {
        parse_error(ps, "duplicate key '%s'", k);
        goto out;
    }
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':') {
        parse_unexpected(ps, "':'");
        goto out;
    }
    ps->p++;
    QObject *v = parse_value(ps);
    if (v) {
        qdict_put(dict, k, v);
        ok = true;
    }
out:
    qobject_unref(key);
    return ok;
}

static QObject *parse_object(Parser *ps)
{
    if (!enter_nesting(ps)) {
        return NULL;
    }
    ps->p++;                                /* '{' */
    QDict *dict = qdict_new();
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        ps->depth--;
        return dict;
    }
    for (;;) {
        if (!parse_member(ps, dict)) {
            goto fail;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        parse_unexpected(ps, "',' or '}'");
        goto fail;
    }
    ps->depth--;
    return dict;
fail:
    qobject_unref(dict);
    return NULL;
}

static QObject *parse_value(Parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end) {
        parse_unexpected(ps, "value");
        return NULL;
    }
    char c = *ps->p;
    switch (c) {
    case '{':
        return parse_object(ps);
    case '[':
        return parse_array(ps);
    case '"':
    case '\'':
        return parse_string(ps);
    default:
        if (c == '-' || is_digit(c)) {
            return parse_number(ps);
        }
        if (g_ascii_isalpha(c)) {
            return parse_keyword(ps);
        }
        parse_unexpected(ps, "value");
        return NULL;
    }
}

QObject *json_parse(const char *str, size_t len, Error **errp)
{
    Error *err = NULL;
    Parser ps = { .p = str, .end = str + len, .errp = &err };
    if (len > JSON_MAX_TOKEN) {
        error_setf(errp, "JSON value too large (more than %d bytes)", JSON_MAX_TOKEN);
        return NULL;
    }
    QObject *obj = parse_value(&ps);
    if (obj) {
        skip_ws(&ps);
        if (ps.p < ps.end) {
            parse_unexpected(&ps, "end of input");
            qobject_unref(obj);
            obj = NULL;
        }
    }
    error_propagate(errp, err);
    return obj;
}

/* ------------------------------------------------------------------------ */
/* Emitter                                                                   */

static void emit_string(GString *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    g_string_append_c(out, '"');
    while (p < end) {
        uint32_t cp;
        size_t n = utf8_decode(p, end - p, &cp);
        if (!n) {
            cp = 0xFFFD;                    /* bad bytes become U+FFFD */
            n = 1;
        }
        p += n;
        switch (cp) {
        case '"':  g_string_append(out, "\\\""); continue;
        case '\\': g_string_append(out, "\\\\"); continue;
        case '\b': g_string_append(out, "\\b"); continue;
        case '\f': g_string_append(out, "\\f"); continue;
        case '\n': g_string_append(out, "\\n"); continue;
        case '\r': g_string_append(out, "\\r"); continue;
        case '\t': g_string_append(out, "\\t"); continue;
        }
        if (cp > 0xFFFF) {
            cp -= 0x10000;
            g_string_append_printf(out, "\\u%04X\\u%04X", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        } else if (cp < 0x20 || cp >= 0x7F) {
            g_string_append_printf(out, "\\u%04X", cp);
        } else {
            g_string_append_c(out, (char)cp);
        }
    }
    g_string_append_c(out, '"');
}

/*
 * The fewest significant digits that read back as exactly d, printed like
 * %g but without switching to an exponent below 1e17 (100.0 is "100").
 */
static void emit_double(GString *out, double d)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    char fmt[8];
    int prec;
    if (!isfinite(d)) {
        g_string_append(out, "null");       /* JSON has no inf/nan */
        return;
    }
    if (d == 0 && signbit(d)) {
        g_string_append(out, "-0.0");       /* "-0" would read back as integer 0 */
        return;
    }
    for (prec = 1; prec < 17; prec++) {
        snprintf(fmt, sizeof(fmt), "%%.%de", prec - 1);
        g_ascii_formatd(buf, sizeof(buf), fmt, d);
        if (g_ascii_strtod(buf, NULL) == d) {
            break;
        }
    }
    snprintf(fmt, sizeof(fmt), "%%.%de", prec - 1);
    g_ascii_formatd(buf, sizeof(buf), fmt, d);
    int exp10 = atoi(strchr(buf, 'e') + 1);
    if (exp10 >= prec && exp10 < 17) {
        prec = exp10 + 1;
    }
    snprintf(fmt, sizeof(fmt), "%%.%dg", prec);
    g_ascii_formatd(buf, sizeof(buf), fmt, d);
    g_string_append(out, buf);
}

static void emit_number(GString *out, const QObject *obj)
{
    int64_t i;
    uint64_t u;
    if (qnum_is_double(obj)) {
        emit_double(out, qnum_get_double(obj));
    } else if (qnum_get_int(obj, &i)) {
        g_string_append_printf(out, "%" PRId64, i);
    } else if (qnum_get_uint(obj, &u)) {
        g_string_append_printf(out, "%" PRIu64, u);
    }
}

static void emit_newline(GString *out, bool pretty, int indent)
{
    if (pretty) {
        g_string_append_c(out, '\n');
        for (int i = 0; i < indent; i++) {
            g_string_append(out, "    ");
        }
    }
}

static void emit_value(GString *out, const QObject *obj, bool pretty, int indent);

static void emit_list(GString *out, const QObject *list, bool pretty, int indent)
{
    size_t n = qlist_size(list);
    g_string_append_c(out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) {
            g_string_append(out, pretty ? "," : ", ");
        }
        emit_newline(out, pretty, indent + 1);
        emit_value(out, qlist_get(list, i), pretty, indent + 1);
    }
    /* QEMU's pretty form closes on its own line even when empty: "[\n    ]". */
    emit_newline(out, pretty, indent);
    g_string_append_c(out, ']');
}

static void emit_dict(GString *out, const QObject *dict, bool pretty, int indent)
{
    size_t n = qdict_size(dict);
    g_string_append_c(out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) {
            g_string_append(out, pretty ? "," : ", ");
        }
        emit_newline(out, pretty, indent + 1);
        const char *key = qdict_key_at(dict, i);
        emit_string(out, key, strlen(key));
        g_string_append(out, ": ");
        emit_value(out, qdict_value_at(dict, i), pretty, indent + 1);
    }
    emit_newline(out, pretty, indent);
    g_string_append_c(out, '}');
}

static void emit_value(GString *out, const QObject *obj, bool pretty, int indent)
{
    switch (qobject_type(obj)) {
    case QTYPE_NULL:
        g_string_append(out, "null");
        break;
    case QTYPE_BOOL:
        g_string_append(out, qbool_get(obj) ? "true" : "false");
        break;
    case QTYPE_NUM:
        emit_number(out, obj);
        break;
    case QTYPE_STRING:
        emit_string(out, qstring_get(obj), qstring_len(obj));
        break;
    case QTYPE_LIST:
        emit_list(out, obj, pretty, indent);
        break;
    case QTYPE_DICT:
        emit_dict(out, obj, pretty, indent);
        break;
    }
}

char *json_to_string(const QObject *obj, bool pretty)
{
    GString *out = g_string_new(NULL);
    emit_value(out, obj, pretty, 0);
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* Streaming framer                                                          */

struct JsonStream {
    JsonEmitFn *emit;
    void *opaque;
    GString *buf;               /* bytes of the value being framed */
    char stack[JSON_MAX_DEPTH]; /* open '{' / '[' */
    int depth;
    char quote;                 /* inside a string: its quote character */
    bool escape;                /* inside a string, after a backslash */
    bool recovering;            /* after an error: skipping to a sync point */
};

JsonStream *json_stream_new(JsonEmitFn *emit, void *opaque)
{
    JsonStream *js = g_new0(JsonStream, 1);
    js->emit = emit;
    js->opaque = opaque;
    js->buf = g_string_new(NULL);
    return js;
}

void json_stream_free(JsonStream *js)
{
    if (js) {
        g_string_free(js->buf, TRUE);
        g_free(js);
    }
}

static void stream_reset(JsonStream *js)
{
    g_string_truncate(js->buf, 0);
    js->depth = 0;
    js->quote = 0;
    js->escape = false;
}

static void stream_error(JsonStream *js, bool recover, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void stream_error(JsonStream *js, bool recover, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    Error *err = NULL;
    error_setf(&err, "%s", msg);
    g_free(msg);
    stream_reset(js);
    js->recovering = recover;
    js->emit(js->opaque, NULL, err);
}

/* The framed value is complete: parse it and hand it over. */
static void stream_finish(JsonStream *js)
{
    Error *err = NULL;
    QObject *obj = json_parse(js->buf->str, js->buf->len, &err);
    stream_reset(js);
    js->emit(js->opaque, obj, err);
}

static bool is_json_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_delimiter(unsigned char c)
{
    return is_json_ws(c) || strchr("{}[],:\"'", c) != NULL;
}

static void stream_in_string(JsonStream *js, unsigned char c)
{
    g_string_append_c(js->buf, (char)c);
    if (js->escape) {
        js->escape = false;
    } else if (c == '\\') {
        js->escape = true;
    } else if (c == (unsigned char)js->quote) {
        js->quote = 0;
        if (js->depth == 0) {
            stream_finish(js);
        }
    }
}

static void stream_structural(JsonStream *js, unsigned char c)
{
    if (c == '{' || c == '[') {
        if (js->depth >= JSON_MAX_DEPTH) {
            stream_error(js, true, "JSON nesting depth limit exceeded");
            return;
        }
        js->stack[js->depth++] = (char)c;
        g_string_append_c(js->buf, (char)c);
        return;
    }
    char open = c == '}' ? '{' : '[';
    if (js->depth == 0 || js->stack[js->depth - 1] != open) {
        stream_error(js, true, "JSON parse error, unexpected '%c'", c);
        return;
    }
    g_string_append_c(js->buf, (char)c);
    if (--js->depth == 0) {
        stream_finish(js);
    }
}

static void stream_byte(JsonStream *js, unsigned char c)
{
    if (js->recovering) {
        if (c == 0xFF) {
            js->recovering = false;
            return;
        }
        if (c != '{' && c != '[') {
            return;
        }
        js->recovering = false;
    }
    if (c == 0xFF) {
        /* The client's reset request; only a partial value is an error. */
        if (js->depth == 0 && !js->quote && js->buf->len) {
            stream_finish(js);              /* a top-level scalar ends here */
        } else if (js->buf->len) {
            stream_error(js, false, "JSON parse error, value interrupted by byte 0xFF");
        }
        return;
    }
    if (js->quote) {
        stream_in_string(js, c);
        return;
    }
    /* A top-level scalar (number, keyword) ends at the first delimiter. */
    if (js->depth == 0 && js->buf->len) {
        if (!is_delimiter(c)) {
            g_string_append_c(js->buf, (char)c);
            return;
        }
        stream_finish(js);
    }
    if (js->depth == 0 && is_json_ws(c)) {
        return;
    }
    switch (c) {
    case '{': case '[': case '}': case ']':
        stream_structural(js, c);
        return;
    case '"': case '\'':
        js->quote = (char)c;
        g_string_append_c(js->buf, (char)c);
        return;
    case ',': case ':':
        if (js->depth == 0) {
            stream_error(js, true, "JSON parse error, unexpected '%c'", c);
            return;
        }
        break;
    }
    g_string_append_c(js->buf, (char)c);
}

void json_stream_feed(JsonStream *js, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        stream_byte(js, (unsigned char)buf[i]);
        if (js->buf->len > JSON_MAX_TOKEN) {
            stream_error(js, true, "JSON value too large (more than %d bytes)", JSON_MAX_TOKEN);
        }
    }
}

void json_stream_flush(JsonStream *js)
{
    js->recovering = false;
    if (!js->buf->len) {
        return;
    }
    if (js->depth == 0 && !js->quote) {
        stream_finish(js);                  /* a top-level number or keyword */
        return;
    }
    stream_error(js, false, "JSON parse error, unexpected end of input");
}
