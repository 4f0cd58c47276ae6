/*
 * Unit tests for the type registry, user objects and the "secret" type.
 */
#include "config.h"
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>
#include "libcore/cutils.h"
#include "libcore/object.h"

/* ---- test types: test-base (user-creatable) <- test-child; test-plain ---- */

typedef struct TestObj {
    Object parent;
    char *name;
    bool flag;
    int completes;
    char *log;              /* order of complete hooks */
} TestObj;

static int finalized;

static bool set_name(Object *obj, const char *v, Error **errp)
{
    TestObj *t = (TestObj *)obj;
    g_free(t->name);
    t->name = g_strdup(v);
    return true;
}

static QObject *get_name(Object *obj)
{
    TestObj *t = (TestObj *)obj;
    return t->name ? qstring_new(t->name) : NULL;
}

static bool set_flag(Object *obj, const char *v, Error **errp)
{
    return parse_bool(v, &((TestObj *)obj)->flag, errp);
}

static QObject *get_flag(Object *obj)
{
    return qbool_new(((TestObj *)obj)->flag);
}

static void append_log(TestObj *t, const char *what)
{
    char *old = t->log;
    t->log = g_strconcat(old ? old : "", what, NULL);
    g_free(old);
}

static bool base_complete(Object *obj, Error **errp)
{
    TestObj *t = (TestObj *)obj;
    append_log(t, "base;");
    if (!t->name) {
        error_setf(errp, "Parameter 'name' is missing");
        return false;
    }
    return true;
}

static bool child_complete(Object *obj, Error **errp)
{
    append_log((TestObj *)obj, "child;");
    return true;
}

static void base_finalize(Object *obj)
{
    TestObj *t = (TestObj *)obj;
    g_free(t->name);
    g_free(t->log);
    finalized++;
}

static const ObjectProperty base_props[] = {
    { "name", PROP_STRING, "a required name", set_name, get_name },
    { "ro", PROP_INT, NULL, NULL, NULL },
    { NULL },
};

static const ObjectProperty child_props[] = {
    { "flag", PROP_BOOL, "a switch", set_flag, get_flag },
    { NULL },
};

static const TypeInfo base_type = {
    .name = "test-base", .parent = TYPE_USER_CREATABLE, .instance_size = sizeof(TestObj),
    .props = base_props, .complete = base_complete, .finalize = base_finalize,
};
static const TypeInfo child_type = {
    .name = "test-child", .parent = "test-base", .instance_size = sizeof(TestObj),
    .props = child_props, .complete = child_complete,
};
static const TypeInfo plain_type = {
    .name = "test-plain", .parent = TYPE_OBJECT, .instance_size = sizeof(Object),
};

static void create_fails(const char *optstr, const char *want)
{
    Error *err = NULL;
    g_assert_null(user_object_create_str(optstr, &err));
    g_assert_nonnull(err);
    if (strcmp(error_message(err), want)) {
        g_test_message("'%s': got '%s', want '%s'", optstr, error_message(err), want);
    }
    g_assert_cmpstr(error_message(err), ==, want);
    error_free(err);
}

/* ---- registry ---- */

static void test_registry(void)
{
    g_assert_true(type_lookup("test-child") == &child_type);
    g_assert_null(type_lookup("no-such-type"));
    g_assert_true(type_is_a(&child_type, "test-base"));
    g_assert_true(type_is_a(&child_type, TYPE_OBJECT));
    g_assert_false(type_is_a(&base_type, "test-child"));
    g_assert_nonnull(type_find_property(&child_type, "name"));  /* inherited */
    g_assert_null(type_find_property(&base_type, "flag"));

    size_t n;
    const TypeInfo **list = type_list(TYPE_USER_CREATABLE, &n);
    /* libcore registers its own types too (secret, tls-creds-*): look for ours, in order. */
    bool seen_secret = false, seen_base = false, seen_child = false, seen_root = false;
    for (size_t i = 0; i < n; i++) {
        g_assert_nonnull(list[i]);
        if (i > 0) {
            g_assert_cmpstr(list[i - 1]->name, <, list[i]->name);
        }
        g_assert_true(type_is_a(list[i], TYPE_USER_CREATABLE));
        g_assert_cmpstr(list[i]->name, !=, "test-plain");
        seen_secret |= strcmp(list[i]->name, "secret") == 0;
        seen_base |= strcmp(list[i]->name, "test-base") == 0;
        seen_child |= strcmp(list[i]->name, "test-child") == 0;
        seen_root |= strcmp(list[i]->name, TYPE_USER_CREATABLE) == 0;
    }
    g_assert_true(seen_secret && seen_base && seen_child && seen_root);
    g_assert_null(list[n]);
    g_free(list);
    size_t all;
    list = type_list(NULL, &all);
    g_assert_cmpuint(all, ==, n + 2);       /* plus the root "object" and test-plain */
    g_free(list);
}

static void test_create_and_delete(void)
{
    Error *err = NULL;
    finalized = 0;
    Object *obj = user_object_create_str("test-child,id=c0,name=n,,1,flag=on", &err);
    g_assert_null(err);
    g_assert_nonnull(obj);
    TestObj *t = (TestObj *)obj;
    g_assert_cmpstr(t->name, ==, "n,1");
    g_assert_true(t->flag);
    g_assert_cmpstr(t->log, ==, "base;child;");   /* root's hook first */
    g_assert_true(user_object_find("c0") == obj);
    g_assert_cmpstr(obj->id, ==, "c0");

    QObject *v = object_get_prop(obj, "name", NULL);
    g_assert_cmpstr(qstring_get(v), ==, "n,1");
    qobject_unref(v);
    v = object_get_prop(obj, "ro", NULL);
    g_assert_cmpint(qobject_type(v), ==, QTYPE_NULL);
    qobject_unref(v);
    g_assert_null(object_get_prop(obj, "nope", &err));
    g_assert_cmpstr(error_message(err), ==, "Property 'test-child.nope' not found");
    error_clear(&err);
    g_assert_false(object_set_prop(obj, "ro", "1", &err));
    g_assert_cmpstr(error_message(err), ==, "Property 'test-child.ro' is read-only");
    error_clear(&err);

    create_fails("test-base,id=c0,name=x", "Duplicate ID 'c0' for object");
    g_assert_true(user_object_delete("c0", NULL));
    g_assert_cmpint(finalized, ==, 1);
    g_assert_null(user_object_find("c0"));
    g_assert_false(user_object_delete("c0", &err));
    g_assert_cmpstr(error_message(err), ==, "object 'c0' not found");
    error_clear(&err);
}

static void test_create_from_dict(void)
{
    QDict *d = qdict_new();
    qdict_put_str(d, "qom-type", "test-child");
    qdict_put_str(d, "id", "d0");
    qdict_put_str(d, "name", "x");
    qdict_put_bool(d, "flag", true);        /* typed values (object-add) */
    Object *obj = user_object_create(d, NULL);
    g_assert_nonnull(obj);
    g_assert_true(((TestObj *)obj)->flag);

    Error *err = NULL;
    qdict_put_str(d, "id", "d1");
    qdict_put(d, "name", qlist_new());
    g_assert_null(user_object_create(d, &err));
    g_assert_cmpstr(error_message(err), ==, "Invalid parameter type for 'name', expected: scalar");
    error_clear(&err);
    qdict_del(d, "qom-type");
    g_assert_null(user_object_create(d, &err));
    g_assert_cmpstr(error_message(err), ==, "Parameter 'qom-type' is missing");
    error_clear(&err);
    qobject_unref(d);
    user_object_delete_all();
    g_assert_null(user_object_find("d0"));
}

static void test_create_errors(void)
{
    finalized = 0;
    create_fails("bogus,id=x", "Parameter 'qom-type' does not accept value 'bogus'");
    create_fails("test-plain,id=x", "Parameter 'qom-type' does not accept value 'test-plain'");
    create_fails(TYPE_USER_CREATABLE ",id=x",
                 "Parameter 'qom-type' does not accept value '" TYPE_USER_CREATABLE "'");
    create_fails("test-base,name=x", "Parameter 'id' is missing");
    create_fails("test-base,id=1x,name=x", "Parameter 'id' expects an identifier (letters, "
                 "digits, '-', '.', '_', starting with a letter)");
    create_fails("test-base,id=a/b,name=x", "Parameter 'id' expects an identifier (letters, "
                 "digits, '-', '.', '_', starting with a letter)");
    create_fails("test-base,id=x,name=x,bogus=1", "Parameter 'bogus' is unexpected");
    create_fails("test-base,id=x,flag=on", "Parameter 'flag' is unexpected");  /* child's */
    create_fails("test-child,id=x,name=n,flag=maybe", "'maybe' is not a valid boolean: use 'on' or 'off'");
    create_fails("test-child,id=x", "Parameter 'name' is missing");
    create_fails("test-child,id=x,=1", "Invalid parameter ''");
    /* Every failed instance was finalized; none was registered. */
    g_assert_cmpint(finalized, ==, 4);
    g_assert_null(user_object_find("x"));
}

/* ---- secrets ---- */

static void check_secret(const char *optstr, const char *want, size_t want_len)
{
    Error *err = NULL;
    char *full = g_strdup_printf("secret,id=s0,%s", optstr);
    Object *obj = user_object_create_str(full, &err);
    if (!obj) {
        g_test_message("'%s': %s", full, error_message(err));
    }
    g_assert_nonnull(obj);
    size_t len;
    char *v = secret_lookup("s0", &len, &err);
    g_assert_nonnull(v);
    g_assert_cmpuint(len, ==, want_len);
    g_assert_cmpint(memcmp(v, want, len + 1), ==, 0);
    g_free(v);
    g_assert_true(user_object_delete("s0", NULL));
    g_free(full);
}

static void test_secret_data(void)
{
    check_secret("data=letmein", "letmein", 7);
    check_secret("data=a,,b,format=raw", "a,b", 3);
    check_secret("data=", "", 0);
    check_secret("data=bGV0bWVpbg==,format=base64", "letmein", 7);
    check_secret("format=base64,data=AAEC", "\0\1\2", 3);
    check_secret("data=,format=base64", "", 0);
}

static void test_secret_file(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("secret-XXXXXX", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, "pa\0ss\n", 6, NULL));
    char *opt = g_strdup_printf("file=%s", path);
    check_secret(opt, "pa\0ss\n", 6);
    g_free(opt);
    g_assert_true(g_file_set_contents(path, "cGFzcw==", -1, NULL));
    opt = g_strdup_printf("file=%s,format=base64", path);
    check_secret(opt, "pass", 4);
    g_free(opt);
    g_unlink(path);
    g_free(path);
}

static void test_secret_errors(void)
{
    Error *err = NULL;
    create_fails("secret,id=s1", "Either 'file' or 'data' must be provided");
    create_fails("secret,id=s1,data=a,file=/etc/hostname", "'file' and 'data' are mutually exclusive");
    create_fails("secret,id=s1,data=a,format=hex", "Parameter 'format' does not accept value 'hex'");
    create_fails("secret,id=s1,data=a,keyid=k", "secret encryption with keyid is not supported");
    create_fails("secret,id=s1,data=a,iv=AAAA",
                 "secret 'iv' is only used with 'keyid', which is not supported");
    create_fails("secret,id=s1,data=abc,format=base64", "Base64 data length must be a multiple of 4");
    create_fails("secret,id=s1,data=ab!d,format=base64", "Base64 data contains invalid characters");
    create_fails("secret,id=s1,data=a=bc,format=base64", "Base64 data contains invalid characters");
    create_fails("secret,id=s1,data=a===,format=base64", "Base64 data contains invalid characters");
    create_fails("secret,id=s1,data=YW Jj,format=base64", "Base64 data contains invalid characters");
    g_assert_null(user_object_create_str("secret,id=s1,file=/nonexistent/secret", &err));
    g_assert_true(g_str_has_prefix(error_message(err), "Unable to read /nonexistent/secret: "));
    error_clear(&err);
    create_fails("secret,id=s1,data=x,bogus=1", "Parameter 'bogus' is unexpected");
    g_assert_null(user_object_find("s1"));

    g_assert_null(secret_lookup("nope", NULL, &err));
    g_assert_cmpstr(error_message(err), ==, "No secret with id 'nope'");
    error_clear(&err);
    g_assert_nonnull(user_object_create_str("test-base,id=notsecret,name=x", NULL));
    g_assert_null(secret_lookup("notsecret", NULL, &err));
    g_assert_cmpstr(error_message(err), ==, "Object with id 'notsecret' is not a secret");
    error_clear(&err);
    user_object_delete_all();
}

/* ---- help ---- */

static void test_help(void)
{
    if (g_test_subprocess()) {
        g_assert_true(user_object_help_requested("help"));
        g_assert_true(user_object_help_requested("secret,help"));
        g_assert_true(user_object_help_requested("test-child,id=x,help"));
        g_assert_true(user_object_help_requested("bogus,help"));
        g_assert_false(user_object_help_requested("secret,id=x,data=y"));
        g_assert_false(user_object_help_requested("secret,=x"));
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout(
        "List of user creatable objects:\n"
        "  secret\n"
        "  test-base\n"
        "  test-child\n"
        "  tls-creds-anon\n"     /* libcore's own; the abstract tls-creds is not listed */
        "  tls-creds-psk\n"
        "  tls-creds-x509\n"
        "secret options:\n"
        "  data=<string>          - the secret itself\n"
        "  file=<string>          - file holding the secret\n"
        "  format=<string>        - raw (default) or base64\n"
        "  iv=<string>            - base64 AES initialisation vector (with keyid)\n"
        "  keyid=<string>         - id of a secret decrypting this one (not supported)\n"
        "test-child options:\n"
        "  flag=<bool>            - a switch\n"
        "  name=<string>          - a required name\n"
        "  ro=<int>\n"
        "List of user creatable objects:\n*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    type_register(&base_type);
    type_register(&child_type);
    type_register(&plain_type);
    g_test_add_func("/object/registry", test_registry);
    g_test_add_func("/object/create-delete", test_create_and_delete);
    g_test_add_func("/object/create-dict", test_create_from_dict);
    g_test_add_func("/object/create-errors", test_create_errors);
    g_test_add_func("/object/secret/data", test_secret_data);
    g_test_add_func("/object/secret/file", test_secret_file);
    g_test_add_func("/object/secret/errors", test_secret_errors);
    g_test_add_func("/object/help", test_help);
    int ret = g_test_run();
    user_object_delete_all();
    return ret;
}
