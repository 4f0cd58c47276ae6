/*
 * Unit tests for the key=value option syntax and dotted-key nesting.
 */
#include "config.h"
#include <glib.h>
#include <string.h>
#include "libcore/json.h"
#include "libcore/opts.h"

/* Parse and compare with the compact JSON of the expected dict. */
static void check_parse(const char *params, const char *implied, unsigned flags,
                        const char *want_json)
{
    Error *err = NULL;
    QDict *d = opts_parse_full(params, implied, flags, &err);
    if (!d) {
        g_test_message("'%s': %s", params, error_message(err));
    }
    g_assert_nonnull(d);
    char *json = json_to_string(d, false);
    g_assert_cmpstr(json, ==, want_json);
    g_free(json);
    qobject_unref(d);
}

static void check_parse_fails(const char *params, const char *implied, const char *want)
{
    Error *err = NULL;
    g_assert_null(opts_parse(params, implied, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_message(err), ==, want);
    error_free(err);
}

static void test_parse_basic(void)
{
    check_parse("", NULL, 0, "{}");
    check_parse("a=1,b=two", NULL, 0, "{\"a\": \"1\", \"b\": \"two\"}");
    check_parse("a=", NULL, 0, "{\"a\": \"\"}");
    check_parse("a=x=y", NULL, 0, "{\"a\": \"x=y\"}");
    check_parse("a=1,", NULL, 0, "{\"a\": \"1\"}");
    check_parse("file.driver=file,file.filename=a.img", NULL, 0,
                "{\"file.driver\": \"file\", \"file.filename\": \"a.img\"}");
    check_parse("a-b_c.D9=1", NULL, 0, "{\"a-b_c.D9\": \"1\"}");
}

static void test_parse_commas(void)
{
    check_parse("a=x,,y,b=2", NULL, 0, "{\"a\": \"x,y\", \"b\": \"2\"}");
    check_parse("a=,,,,", NULL, 0, "{\"a\": \",,\"}");
    check_parse("a=x,,", NULL, 0, "{\"a\": \"x,\"}");
    check_parse("a=,,,b=1", NULL, 0, "{\"a\": \",\", \"b\": \"1\"}");
}

static void test_parse_implied(void)
{
    check_parse("disk.qcow2,readonly=on", "file", 0,
                "{\"file\": \"disk.qcow2\", \"readonly\": \"on\"}");
    check_parse("a,,b.img,x=1", "file", 0, "{\"file\": \"a,b.img\", \"x\": \"1\"}");
    check_parse("file=x.img", "file", 0, "{\"file\": \"x.img\"}");   /* explicit key */
    check_parse("secret,id=s0", "qom-type", 0, "{\"qom-type\": \"secret\", \"id\": \"s0\"}");
    check_parse("help", "qom-type", 0, "{\"qom-type\": \"help\"}");
    check_parse(",x=1", "file", 0, "{\"file\": \"\", \"x\": \"1\"}");
}

static void test_parse_duplicates(void)
{
    check_parse("a=1,b=2,a=3", NULL, 0, "{\"a\": \"3\", \"b\": \"2\"}");
}

static void test_parse_bare(void)
{
    check_parse_fails("lazy_refcounts", NULL, "Expected '=' after parameter 'lazy_refcounts'");
    check_parse("lazy_refcounts,a=1", NULL, OPTS_BARE_KEYS,
                "{\"lazy_refcounts\": \"on\", \"a\": \"1\"}");
    check_parse("a=1,help", NULL, 0, "{\"a\": \"1\", \"help\": \"on\"}");
    check_parse("?", NULL, 0, "{\"help\": \"on\"}");
    check_parse("secret,help", "qom-type", 0, "{\"qom-type\": \"secret\", \"help\": \"on\"}");
}

static void test_parse_errors(void)
{
    check_parse_fails("=5", NULL, "Invalid parameter ''");
    check_parse_fails("a=1,=5", NULL, "Invalid parameter ''");
    check_parse_fails(",a=1", NULL, "Invalid parameter ''");
    check_parse_fails("a=1,,,=2", NULL, "Invalid parameter ''");
    check_parse_fails("a b=1", NULL, "Invalid parameter 'a b'");
    check_parse_fails("x=1,k\xc3\xa9=1", NULL, "Invalid parameter 'k\xc3\xa9'");
}

static void test_parse_into(void)
{
    QDict *d = qdict_new();
    Error *err = NULL;
    g_assert_true(opts_parse_into(d, "a=1,b=2", NULL, NULL));
    g_assert_true(opts_parse_into(d, "b=3,lazy", NULL, NULL));
    g_assert_false(opts_parse_into(d, "c=1,=x", NULL, &err));   /* d unchanged */
    error_free(err);
    char *json = json_to_string(d, false);
    g_assert_cmpstr(json, ==, "{\"a\": \"1\", \"b\": \"3\", \"lazy\": \"on\"}");
    g_free(json);
    qobject_unref(d);
}

static void check_expand(const char *params, const char *want_json)
{
    QDict *flat = opts_parse(params, NULL, NULL);
    g_assert_nonnull(flat);
    Error *err = NULL;
    QDict *nested = qdict_expand(flat, &err);
    if (!nested) {
        g_test_message("'%s': %s", params, error_message(err));
    }
    g_assert_nonnull(nested);
    char *json = json_to_string(nested, false);
    g_assert_cmpstr(json, ==, want_json);
    g_free(json);
    qobject_unref(nested);
    qobject_unref(flat);
}

static void check_expand_fails(const char *params, const char *want)
{
    QDict *flat = opts_parse(params, NULL, NULL);
    g_assert_nonnull(flat);
    Error *err = NULL;
    g_assert_null(qdict_expand(flat, &err));
    g_assert_cmpstr(error_message(err), ==, want);
    error_free(err);
    qobject_unref(flat);
}

static void test_expand(void)
{
    check_expand("driver=qcow2,file.driver=file,file.filename=a.img",
                 "{\"driver\": \"qcow2\", \"file\": {\"driver\": \"file\", \"filename\": \"a.img\"}}");
    check_expand("a.b.c=1,a.b.d=2,a.e=3",
                 "{\"a\": {\"b\": {\"c\": \"1\", \"d\": \"2\"}, \"e\": \"3\"}}");
    check_expand("x.0=a,x.1=b", "{\"x\": [\"a\", \"b\"]}");
    check_expand("x.1=b,x.0=a", "{\"x\": [\"a\", \"b\"]}");
    check_expand("x.0.k=v,x.1.k=w", "{\"x\": [{\"k\": \"v\"}, {\"k\": \"w\"}]}");
    check_expand("x.0=a,x.2=c", "{\"x\": {\"0\": \"a\", \"2\": \"c\"}}");   /* gap: a dict */
    check_expand("x.00=a", "{\"x\": {\"00\": \"a\"}}");
    check_expand("", "{}");
    check_expand("0=a,1=b", "{\"0\": \"a\", \"1\": \"b\"}");  /* top level stays a dict */
}

static void test_expand_conflicts(void)
{
    check_expand_fails("a=1,a.b=2", "Parameter 'a.b' conflicts with 'a'");
    check_expand_fails("a.b=2,a=1", "Parameter 'a' conflicts with 'a.b'");
    check_expand_fails("a.b.c=1,a.b=2", "Parameter 'a.b' conflicts with 'a.b.c'");
    check_expand_fails("a..b=1", "Invalid parameter 'a..b'");
    check_expand_fails(".a=1", "Invalid parameter '.a'");
    check_expand_fails("a.=1", "Invalid parameter 'a.'");
}

static void test_expand_nested_input(void)
{
    /* Partly nested input merges with dotted keys. */
    QDict *d = qdict_new(), *file = qdict_new();
    qdict_put_str(file, "driver", "file");
    qdict_put(d, "file", file);
    qdict_put_str(d, "file.filename", "x");
    QDict *out = qdict_expand(d, NULL);
    char *json = json_to_string(out, false);
    g_assert_cmpstr(json, ==, "{\"file\": {\"driver\": \"file\", \"filename\": \"x\"}}");
    g_free(json);
    qobject_unref(out);
    qobject_unref(d);
}

static void test_to_string(void)
{
    const char *cases[] = {
        "a=1,b=x,,y",
        "file.driver=file,file.filename=a,,b.img,readonly=on",
        "a=,b=,,",
        "",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        QDict *d = opts_parse(cases[i], NULL, NULL);
        char *s = opts_to_string(d);
        g_assert_cmpstr(s, ==, cases[i]);
        QDict *back = opts_parse(s, NULL, NULL);
        g_assert_true(qobject_equal(d, back));
        qobject_unref(back);
        g_free(s);
        qobject_unref(d);
    }
    QDict *d = qdict_new(), *sub = qdict_new();
    qdict_put_int(d, "n", -3);
    qdict_put_bool(d, "flag", false);
    qdict_put_str(sub, "k", "v,w");
    qdict_put(d, "g", sub);
    char *s = opts_to_string(d);
    g_assert_cmpstr(s, ==, "n=-3,flag=off,g.k=v,,w");
    g_free(s);
    qobject_unref(d);
}

static void test_repeat_index(void)
{
    QDict *d = opts_parse_full("user,id=n,hostfwd=tcp::1-:2,hostfwd=udp::3-:4,,x,"
                               "hostfwd=tcp::5-:6,net=10.0.0.0/8", "type",
                               OPTS_REPEAT_INDEX, NULL);
    g_assert_nonnull(d);
    g_assert_false(qdict_haskey(d, "hostfwd"));
    g_assert_cmpstr(qdict_get_str(d, "hostfwd.0"), ==, "tcp::1-:2");
    g_assert_cmpstr(qdict_get_str(d, "hostfwd.1"), ==, "udp::3-:4,x");
    g_assert_cmpstr(qdict_get_str(d, "hostfwd.2"), ==, "tcp::5-:6");
    g_assert_cmpstr(qdict_get_str(d, "net"), ==, "10.0.0.0/8");
    qobject_unref(d);
    /* Given once, the key stays plain; without the flag the last one wins. */
    d = opts_parse_full("a=1,b=2", NULL, OPTS_REPEAT_INDEX, NULL);
    g_assert_cmpstr(qdict_get_str(d, "a"), ==, "1");
    qobject_unref(d);
    d = opts_parse("a=1,a=2", NULL, NULL);
    g_assert_cmpstr(qdict_get_str(d, "a"), ==, "2");
    g_assert_false(qdict_haskey(d, "a.0"));
    qobject_unref(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/opts/parse/basic", test_parse_basic);
    g_test_add_func("/opts/parse/commas", test_parse_commas);
    g_test_add_func("/opts/parse/implied", test_parse_implied);
    g_test_add_func("/opts/parse/duplicates", test_parse_duplicates);
    g_test_add_func("/opts/parse/bare", test_parse_bare);
    g_test_add_func("/opts/parse/errors", test_parse_errors);
    g_test_add_func("/opts/parse/into", test_parse_into);
    g_test_add_func("/opts/expand", test_expand);
    g_test_add_func("/opts/expand/conflicts", test_expand_conflicts);
    g_test_add_func("/opts/expand/nested-input", test_expand_nested_input);
    g_test_add_func("/opts/to-string", test_to_string);
    g_test_add_func("/opts/repeat-index", test_repeat_index);
    return g_test_run();
}
