/*
 * Unit tests for the QMP command registry and dispatcher: request envelope
 * checks, argument schema checks, error classes, flags and "id" handling.
 */
#include "config.h"
#include <glib.h>
#include <string.h>
#include "libcore/json.h"
#include "libcore/qmp-dispatch.h"

static int handler_calls;

static void cmd_echo(QDict *args, QObject **ret, Error **errp)
{
    handler_calls++;
    *ret = qobject_ref(args);
}

static void cmd_nothing(QDict *args, QObject **ret, Error **errp)
{
    handler_calls++;
}

static void cmd_fail(QDict *args, QObject **ret, Error **errp)
{
    handler_calls++;
    *ret = qnum_from_int(1);  /* must be dropped when an error is set */
    error_setf(errp, "it failed: %s", qdict_get_str(args, "why"));
}

static const QmpArgSpec echo_args[] = {
    { "s", QMP_ARG_STR },
    { "i", QMP_ARG_INT, .optional = true },
    { "u", QMP_ARG_UINT, .optional = true },
    { "b", QMP_ARG_BOOL, .optional = true },
    { "n", QMP_ARG_NUMBER, .optional = true },
    { "d", QMP_ARG_DICT, .optional = true },
    { "l", QMP_ARG_LIST, .optional = true, .elem = QMP_ARG_STR },
    { "a", QMP_ARG_ANY, .optional = true },
    { NULL }
};

static const QmpArgSpec fail_args[] = {
    { "why", QMP_ARG_STR },
    { NULL }
};

static QmpCommandList *make_list(void)
{
    QmpCommandList *cmds = qmp_command_list_new();
    qmp_register_command(cmds, "echo", cmd_echo, echo_args, 0);
    qmp_register_command(cmds, "nothing", cmd_nothing, NULL, 0);
    qmp_register_command(cmds, "quiet", cmd_nothing, NULL, QMP_CMD_NO_SUCCESS_RESP);
    qmp_register_command(cmds, "fail", cmd_fail, fail_args, QMP_CMD_NO_SUCCESS_RESP);
    qmp_register_command(cmds, "oob", cmd_nothing, NULL, QMP_CMD_ALLOW_OOB);
    return cmds;
}

/* Dispatch a JSON request; return the compact JSON response or "(none)". */
static char *run(QmpCommandList *cmds, const char *req, bool allow_oob)
{
    Error *err = NULL;
    QObject *obj = json_parse(req, strlen(req), &err);
    g_assert_null(err);
    QDict *rsp = qmp_dispatch(cmds, obj, allow_oob);
    qobject_unref(obj);
    if (!rsp) {
        return g_strdup("(none)");
    }
    char *s = json_to_string(rsp, false);
    qobject_unref(rsp);
    return s;
}

static void expect(QmpCommandList *cmds, const char *req, const char *want)
{
    char *got = run(cmds, req, false);
    if (strcmp(got, want)) {
        g_test_message("request:  %s\nexpected: %s\nactual:   %s", req, want, got);
    }
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

#define GENERIC(msg) "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" msg "\"}}"

static void test_success(void)
{
    QmpCommandList *cmds = make_list();
    handler_calls = 0;
    expect(cmds, "{\"execute\": \"nothing\"}", "{\"return\": {}}");
    expect(cmds, "{\"execute\": \"nothing\", \"arguments\": {}}", "{\"return\": {}}");
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"x\", \"i\": -5, "
           "\"u\": 18446744073709551615, \"b\": true, \"n\": 1.5, \"d\": {}, "
           "\"l\": [\"a\"], \"a\": null}}",
           "{\"return\": {\"s\": \"x\", \"i\": -5, \"u\": 18446744073709551615, "
           "\"b\": true, \"n\": 1.5, \"d\": {}, \"l\": [\"a\"], \"a\": null}}");
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"x\", \"n\": 3}}",
           "{\"return\": {\"s\": \"x\", \"n\": 3}}");
    g_assert_cmpint(handler_calls, ==, 4);
    qmp_command_list_free(cmds);
}

static void test_id(void)
{
    QmpCommandList *cmds = make_list();
    expect(cmds, "{\"execute\": \"nothing\", \"id\": \"abc\"}",
           "{\"return\": {}, \"id\": \"abc\"}");
    expect(cmds, "{\"id\": {\"x\": [1]}, \"execute\": \"nope\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", "
           "\"desc\": \"The command nope has not been found\"}, \"id\": {\"x\": [1]}}");
    qmp_command_list_free(cmds);
}

static void test_envelope(void)
{
    QmpCommandList *cmds = make_list();
    handler_calls = 0;
    expect(cmds, "[1]", GENERIC("QMP input must be a JSON object"));
    expect(cmds, "\"execute\"", GENERIC("QMP input must be a JSON object"));
    expect(cmds, "{}", GENERIC("QMP input lacks member 'execute'"));
    expect(cmds, "{\"execute\": 1}", GENERIC("QMP input member 'execute' must be a string"));
    expect(cmds, "{\"execute\": \"nothing\", \"arguments\": []}",
           GENERIC("QMP input member 'arguments' must be an object"));
    expect(cmds, "{\"execute\": \"nothing\", \"extra\": 1}",
           GENERIC("QMP input member 'extra' is unexpected"));
    expect(cmds, "{\"execute\": \"nope\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", "
           "\"desc\": \"The command nope has not been found\"}}");
    g_assert_cmpint(handler_calls, ==, 0);
    qmp_command_list_free(cmds);
}

static void test_arguments(void)
{
    QmpCommandList *cmds = make_list();
    handler_calls = 0;
    expect(cmds, "{\"execute\": \"echo\"}", GENERIC("Parameter 's' is missing"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": 1}}",
           GENERIC("Invalid parameter type for 's', expected: string"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"i\": \"1\"}}",
           GENERIC("Invalid parameter type for 'i', expected: integer"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"i\": 1.5}}",
           GENERIC("Invalid parameter type for 'i', expected: integer"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"u\": -1}}",
           GENERIC("Invalid parameter type for 'u', expected: integer"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"b\": 1}}",
           GENERIC("Invalid parameter type for 'b', expected: boolean"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"n\": \"1\"}}",
           GENERIC("Invalid parameter type for 'n', expected: number"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"d\": []}}",
           GENERIC("Invalid parameter type for 'd', expected: object"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"l\": {}}}",
           GENERIC("Invalid parameter type for 'l', expected: array"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"l\": [\"a\", 2]}}",
           GENERIC("Invalid parameter type for 'l[1]', expected: string"));
    expect(cmds, "{\"execute\": \"echo\", \"arguments\": {\"s\": \"\", \"zz\": 0}}",
           GENERIC("Parameter 'zz' is unexpected"));
    expect(cmds, "{\"execute\": \"nothing\", \"arguments\": {\"a\": 0}}",
           GENERIC("Parameter 'a' is unexpected"));
    g_assert_cmpint(handler_calls, ==, 0);
    qmp_command_list_free(cmds);
}

static void test_check_args_prefix(void)
{
    Error *err = NULL;
    QObject *d = json_parse("{\"s\": \"x\", \"b\": 3}", 18, &err);
    g_assert_nonnull(d);
    g_assert_false(qmp_check_args(d, echo_args, "list[2].", &err));
    g_assert_cmpstr(error_message(err), ==,
                    "Invalid parameter type for 'list[2].b', expected: boolean");
    error_free(err);
    qobject_unref(d);
}

static void test_errors_and_flags(void)
{
    QmpCommandList *cmds = make_list();
    handler_calls = 0;
    expect(cmds, "{\"execute\": \"fail\", \"arguments\": {\"why\": \"x\"}}",
           GENERIC("it failed: x"));
    expect(cmds, "{\"execute\": \"quiet\"}", "(none)");
    g_assert_cmpint(handler_calls, ==, 2);

    g_assert_true(qmp_command_set_enabled(cmds, "nothing", false));
    g_assert_false(qmp_command_set_enabled(cmds, "nope", false));
    expect(cmds, "{\"execute\": \"nothing\"}",
           GENERIC("The command nothing has been disabled for this instance"));
    g_assert_cmpint(handler_calls, ==, 2);
    g_assert_true(qmp_command_set_enabled(cmds, "nothing", true));
    expect(cmds, "{\"execute\": \"nothing\"}", "{\"return\": {}}");

    QmpCommand *cmd = qmp_find_command(cmds, "quiet");
    g_assert_nonnull(cmd);
    g_assert_false(qmp_command_has_success_response(cmd));
    g_assert_true(qmp_command_has_success_response(qmp_find_command(cmds, "echo")));
    qmp_command_list_free(cmds);
}

static void test_oob(void)
{
    QmpCommandList *cmds = make_list();
    char *r = run(cmds, "{\"exec-oob\": \"oob\"}", false);
    g_assert_cmpstr(r, ==, GENERIC("QMP input member 'exec-oob' is unexpected"));
    g_free(r);
    r = run(cmds, "{\"exec-oob\": \"oob\"}", true);
    g_assert_cmpstr(r, ==, "{\"return\": {}}");
    g_free(r);
    r = run(cmds, "{\"exec-oob\": \"nothing\"}", true);
    g_assert_cmpstr(r, ==, GENERIC("The command nothing does not support OOB"));
    g_free(r);
    r = run(cmds, "{\"exec-oob\": \"oob\", \"execute\": \"oob\"}", true);
    g_assert_cmpstr(r, ==, GENERIC("QMP input member 'execute' clashes with 'exec-oob'"));
    g_free(r);
    qmp_command_list_free(cmds);
}

static void count_cmd(QmpCommand *cmd, void *opaque)
{
    g_string_append_printf(opaque, "%s,", qmp_command_name(cmd));
}

static void test_registry(void)
{
    QmpCommandList *cmds = make_list();
    g_assert_cmpuint(qmp_command_count(cmds), ==, 5);
    /* Re-registering replaces in place and keeps the order. */
    qmp_register_command(cmds, "nothing", cmd_echo, echo_args, 0);
    g_assert_cmpuint(qmp_command_count(cmds), ==, 5);
    GString *names = g_string_new(NULL);
    qmp_for_each_command(cmds, count_cmd, names);
    g_assert_cmpstr(names->str, ==, "echo,nothing,quiet,fail,oob,");
    g_string_free(names, TRUE);
    g_assert_true(qmp_command_args(qmp_find_command(cmds, "nothing")) == echo_args);
    g_assert_null(qmp_find_command(cmds, "missing"));
    qmp_command_list_free(cmds);
}

static void test_error_response(void)
{
    Error *err = NULL;
    error_set_class(&err, ERROR_CLASS_DEVICE_NOT_FOUND, "no %s", "dev");
    QDict *rsp = qmp_error_response(err);
    char *s = json_to_string(rsp, false);
    g_assert_cmpstr(s, ==, "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"no dev\"}}");
    g_free(s);
    qobject_unref(rsp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-dispatch/success", test_success);
    g_test_add_func("/qmp-dispatch/id", test_id);
    g_test_add_func("/qmp-dispatch/envelope", test_envelope);
    g_test_add_func("/qmp-dispatch/arguments", test_arguments);
    g_test_add_func("/qmp-dispatch/check-args-prefix", test_check_args_prefix);
    g_test_add_func("/qmp-dispatch/errors-and-flags", test_errors_and_flags);
    g_test_add_func("/qmp-dispatch/oob", test_oob);
    g_test_add_func("/qmp-dispatch/registry", test_registry);
    g_test_add_func("/qmp-dispatch/error-response", test_error_response);
    return g_test_run();
}
