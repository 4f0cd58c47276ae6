/*
 * Unit tests for QObject values: numbers, strings, lists, ordered dicts,
 * equality, cloning, prefix extraction and flattening.
 */
#include "config.h"
#include <glib.h>
#include <math.h>
#include <string.h>
#include "libcore/qobject.h"

static void test_scalars(void)
{
    QObject *n = qnull(), *t = qbool_new(true), *f = qbool_new(false);
    g_assert_cmpint(qobject_type(n), ==, QTYPE_NULL);
    g_assert_cmpint(qobject_type(t), ==, QTYPE_BOOL);
    g_assert_true(qbool_get(t));
    g_assert_false(qbool_get(f));
    g_assert_false(qbool_get(n));           /* wrong type: default */
    g_assert_true(qobject_equal(n, n));
    g_assert_false(qobject_equal(t, f));
    g_assert_false(qobject_equal(t, n));
    qobject_unref(n);
    qobject_unref(t);
    qobject_unref(f);
    qobject_unref(NULL);
    g_assert_null(qobject_ref(NULL));
}

static void test_numbers(void)
{
    int64_t i;
    uint64_t u;
    QObject *a = qnum_from_int(-5);
    g_assert_true(qnum_get_int(a, &i));
    g_assert_cmpint(i, ==, -5);
    g_assert_false(qnum_get_uint(a, &u));   /* negative: not a uint */
    g_assert_false(qnum_is_double(a));
    g_assert_cmpfloat(qnum_get_double(a), ==, -5.0);

    QObject *b = qnum_from_uint(UINT64_MAX);
    g_assert_false(qnum_get_int(b, &i));    /* beyond INT64_MAX */
    g_assert_true(qnum_get_uint(b, &u));
    g_assert_cmpuint(u, ==, UINT64_MAX);

    QObject *c = qnum_from_uint(7);
    g_assert_true(qnum_get_int(c, &i));
    g_assert_cmpint(i, ==, 7);

    QObject *d = qnum_from_double(7.0), *e = qnum_from_double(7.5);
    g_assert_true(qnum_is_double(d));
    g_assert_false(qnum_get_int(d, &i));    /* doubles never convert silently */
    g_assert_false(qnum_get_uint(d, &u));
    g_assert_true(qobject_equal(c, d));     /* 7 == 7.0 */
    g_assert_true(qobject_equal(d, c));
    g_assert_false(qobject_equal(c, e));
    g_assert_false(qobject_equal(a, c));

    /* 2^64 as a double equals no integer; UINT64_MAX is not 2^64. */
    QObject *big = qnum_from_double(18446744073709551616.0);
    g_assert_false(qobject_equal(big, b));
    QObject *nan = qnum_from_double(NAN), *nan2 = qnum_from_double(NAN);
    g_assert_false(qobject_equal(nan, nan2));
    qobject_unref(nan2);
    QObject *min = qnum_from_int(INT64_MIN), *mind = qnum_from_double(-9223372036854775808.0);
    g_assert_true(qobject_equal(min, mind));

    g_assert_false(qnum_get_int(NULL, &i));
    QObject *s = qstring_new("1");
    g_assert_false(qnum_get_int(s, &i));
    g_assert_cmpfloat(qnum_get_double(s), ==, 0.0);

    QObject *objs[] = { a, b, c, d, e, big, nan, min, mind, s };
    for (size_t k = 0; k < G_N_ELEMENTS(objs); k++) {
        qobject_unref(objs[k]);
    }
}

static void test_strings(void)
{
    QObject *a = qstring_new("hello");
    g_assert_cmpstr(qstring_get(a), ==, "hello");
    g_assert_cmpuint(qstring_len(a), ==, 5);

    QObject *b = qstring_new_len("a\0b", 3);
    g_assert_cmpuint(qstring_len(b), ==, 3);
    g_assert_cmpint(memcmp(qstring_get(b), "a\0b", 4), ==, 0);  /* NUL-terminated too */
    QObject *c = qstring_new_len("a\0c", 3);
    g_assert_false(qobject_equal(b, c));    /* compares past the NUL */

    QObject *d = qstring_take(g_strdup("hello"));
    g_assert_true(qobject_equal(a, d));
    QObject *e = qstring_new(NULL);
    g_assert_cmpstr(qstring_get(e), ==, "");
    g_assert_null(qstring_get(NULL));

    qobject_unref(a);
    qobject_unref(b);
    qobject_unref(c);
    qobject_unref(d);
    qobject_unref(e);
}

static void test_list(void)
{
    QList *l = qlist_new();
    g_assert_cmpuint(qlist_size(l), ==, 0);
    g_assert_null(qlist_get(l, 0));
    qlist_append(l, qnum_from_int(1));
    qlist_append(l, qstring_new("x"));
    g_assert_cmpuint(qlist_size(l), ==, 2);
    g_assert_cmpstr(qstring_get(qlist_get(l, 1)), ==, "x");
    g_assert_null(qlist_get(l, 2));

    QList *m = qobject_clone(l);
    g_assert_true(m != l);
    g_assert_true(qobject_equal(l, m));
    qlist_append(m, qnull());
    g_assert_false(qobject_equal(l, m));
    qobject_unref(l);
    qobject_unref(m);
}

static void test_dict_order(void)
{
    QDict *d = qdict_new();
    qdict_put_str(d, "zeta", "1");
    qdict_put_int(d, "alpha", 2);
    qdict_put_bool(d, "mid", true);
    g_assert_cmpuint(qdict_size(d), ==, 3);
    g_assert_cmpstr(qdict_key_at(d, 0), ==, "zeta");
    g_assert_cmpstr(qdict_key_at(d, 1), ==, "alpha");
    g_assert_cmpstr(qdict_key_at(d, 2), ==, "mid");
    g_assert_null(qdict_key_at(d, 3));
    g_assert_null(qdict_value_at(d, 3));

    /* Replacing keeps the position; deleting closes the gap. */
    qdict_put_str(d, "zeta", "new");
    g_assert_cmpstr(qdict_key_at(d, 0), ==, "zeta");
    g_assert_cmpstr(qdict_get_str(d, "zeta"), ==, "new");
    g_assert_true(qdict_del(d, "alpha"));
    g_assert_false(qdict_del(d, "alpha"));
    g_assert_cmpuint(qdict_size(d), ==, 2);
    g_assert_cmpstr(qdict_key_at(d, 1), ==, "mid");
    g_assert_false(qdict_haskey(d, "alpha"));
    g_assert_true(qdict_haskey(d, "mid"));
    qobject_unref(d);
}

static void test_dict_typed(void)
{
    QDict *d = qdict_new();
    qdict_put_str(d, "s", "v");
    qdict_put_int(d, "i", 42);
    qdict_put_bool(d, "b", true);
    qdict_put(d, "d", qdict_new());
    qdict_put(d, "l", qlist_new());
    int64_t i;
    bool b;
    g_assert_cmpstr(qdict_get_str(d, "s"), ==, "v");
    g_assert_null(qdict_get_str(d, "i"));
    g_assert_null(qdict_get_str(d, "missing"));
    g_assert_nonnull(qdict_get_dict(d, "d"));
    g_assert_null(qdict_get_dict(d, "l"));
    g_assert_nonnull(qdict_get_list(d, "l"));
    g_assert_null(qdict_get_list(d, "d"));
    g_assert_true(qdict_get_try_int(d, "i", &i));
    g_assert_cmpint(i, ==, 42);
    g_assert_false(qdict_get_try_int(d, "s", &i));
    g_assert_true(qdict_get_try_bool(d, "b", &b));
    g_assert_true(b);
    g_assert_false(qdict_get_try_bool(d, "i", &b));
    g_assert_null(qdict_get(NULL, "x"));
    g_assert_null(qdict_get(d, NULL));
    qobject_unref(d);
}

static void test_dict_equal_clone(void)
{
    QDict *a = qdict_new(), *b = qdict_new();
    qdict_put_int(a, "x", 1);
    qdict_put_str(a, "y", "s");
    qdict_put_str(b, "y", "s");
    qdict_put(b, "x", qnum_from_double(1.0));
    g_assert_true(qobject_equal(a, b));     /* order and number form ignored */
    qdict_put_str(b, "z", "extra");
    g_assert_false(qobject_equal(a, b));
    qdict_del(b, "z");
    qdict_put_str(b, "x", "1");
    g_assert_false(qobject_equal(a, b));

    QDict *c = qobject_clone(a);
    g_assert_true(qobject_equal(a, c));
    g_assert_cmpstr(qdict_key_at(c, 0), ==, "x");
    qdict_put_int(a, "x", 2);               /* deep: the clone is independent */
    g_assert_false(qobject_equal(a, c));
    qobject_unref(a);
    qobject_unref(b);
    qobject_unref(c);
}

static void test_refcount_shared(void)
{
    QObject *s = qstring_new("shared");
    QDict *d = qdict_new();
    QList *l = qlist_new();
    qdict_put(d, "k", qobject_ref(s));
    qlist_append(l, qobject_ref(s));
    qobject_unref(d);
    g_assert_cmpstr(qstring_get(qlist_get(l, 0)), ==, "shared");
    qobject_unref(l);
    g_assert_cmpstr(qstring_get(s), ==, "shared");
    qobject_unref(s);
}

static gpointer ref_worker(gpointer p)
{
    for (int i = 0; i < 100000; i++) {
        qobject_unref(qobject_ref(p));
    }
    return NULL;
}

static void test_refcount_threads(void)
{
    QObject *s = qstring_new("x");
    GThread *t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = g_thread_new("ref", ref_worker, s);
    }
    for (int i = 0; i < 4; i++) {
        g_thread_join(t[i]);
    }
    g_assert_cmpstr(qstring_get(s), ==, "x");  /* still alive: count back to 1 */
    qobject_unref(s);
}

static void test_extract_prefix(void)
{
    QDict *d = qdict_new();
    qdict_put_str(d, "driver", "qcow2");
    qdict_put_str(d, "file.driver", "file");
    qdict_put_str(d, "filex", "no");
    qdict_put_str(d, "file.filename", "a.img");
    qdict_put_str(d, "file", "plain");
    qdict_put_str(d, "file.", "empty rest stays");
    QDict *sub = qdict_extract_prefix(d, "file");
    g_assert_cmpuint(qdict_size(sub), ==, 2);
    g_assert_cmpstr(qdict_key_at(sub, 0), ==, "driver");
    g_assert_cmpstr(qdict_get_str(sub, "filename"), ==, "a.img");
    g_assert_cmpuint(qdict_size(d), ==, 4);
    g_assert_cmpstr(qdict_key_at(d, 0), ==, "driver");
    g_assert_cmpstr(qdict_key_at(d, 1), ==, "filex");
    g_assert_cmpstr(qdict_key_at(d, 2), ==, "file");
    g_assert_true(qdict_haskey(d, "file."));

    QDict *none = qdict_extract_prefix(d, "nothing");
    g_assert_cmpuint(qdict_size(none), ==, 0);
    qobject_unref(none);
    qobject_unref(sub);
    qobject_unref(d);
}

static void test_flatten(void)
{
    QDict *d = qdict_new(), *file = qdict_new(), *inner = qdict_new();
    QList *l = qlist_new();
    qdict_put_str(inner, "c", "deep");
    qdict_put_str(file, "driver", "file");
    qdict_put(file, "opts", inner);
    qlist_append(l, qnum_from_int(10));
    qlist_append(l, qdict_new());
    QDict *ld = qdict_new();
    qdict_put_bool(ld, "x", true);
    qlist_append(l, ld);
    qdict_put_str(d, "driver", "qcow2");
    qdict_put(d, "file", file);
    qdict_put(d, "list", l);
    qdict_put(d, "empty", qdict_new());

    qdict_flatten(d);
    const char *keys[] = { "driver", "file.driver", "file.opts.c", "list.0", "list.1",
                           "list.2.x", "empty" };
    g_assert_cmpuint(qdict_size(d), ==, G_N_ELEMENTS(keys));
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_assert_cmpstr(qdict_key_at(d, i), ==, keys[i]);
    }
    g_assert_cmpstr(qdict_get_str(d, "file.opts.c"), ==, "deep");
    g_assert_cmpuint(qobject_type(qdict_get(d, "list.1")), ==, QTYPE_DICT);
    g_assert_true(qbool_get(qdict_get(d, "list.2.x")));
    qobject_unref(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qobject/scalars", test_scalars);
    g_test_add_func("/qobject/numbers", test_numbers);
    g_test_add_func("/qobject/strings", test_strings);
    g_test_add_func("/qobject/list", test_list);
    g_test_add_func("/qobject/dict-order", test_dict_order);
    g_test_add_func("/qobject/dict-typed", test_dict_typed);
    g_test_add_func("/qobject/dict-equal-clone", test_dict_equal_clone);
    g_test_add_func("/qobject/refcount-shared", test_refcount_shared);
    g_test_add_func("/qobject/refcount-threads", test_refcount_threads);
    g_test_add_func("/qobject/extract-prefix", test_extract_prefix);
    g_test_add_func("/qobject/flatten", test_flatten);
    return g_test_run();
}
