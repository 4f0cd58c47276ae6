/*
 * QMP sessions as a management tool meets them: the greeting, commands
 * refused before qmp_capabilities, negotiation (with and without oob),
 * request ids, errors, pipelined and byte-by-byte input, events only to
 * negotiated sessions, query-commands and a schema that names every command
 * and event.
 */
#include "config.h"
#include "monitor/qmp.h"

#include <glib.h>
#include <string.h>

#include "libcore/json.h"

typedef struct Peer {
    GString *out;
} Peer;

static void peer_write(void *opaque, const char *buf, size_t len)
{
    g_string_append_len(((Peer *)opaque)->out, buf, (gssize)len);
}

/* The next CR LF terminated line, removed from the peer's output. */
static char *next_line(Peer *p)
{
    char *eol = strstr(p->out->str, "\r\n");
    if (!eol) {
        return NULL;
    }
    char *line = g_strndup(p->out->str, eol - p->out->str);
    g_string_erase(p->out, 0, eol - p->out->str + 2);
    return line;
}

static void cmd_echo(QDict *args, QObject **ret, Error **errp)
{
    *ret = qobject_ref(qdict_get(args, "text"));
}

static const QmpArgSpec echo_args[] = { { "text", QMP_ARG_STR, false }, { NULL } };
static const QmpVersion version = { 7, 2, 0, "test" };

static QmpCommandList *commands(void)
{
    static QmpCommandList *cmds;
    if (!cmds) {
        cmds = qmp_command_list_new();
        qmp_register_builtin_commands(cmds, &version);
        qmp_register_command(cmds, "echo", cmd_echo, echo_args, 0);
        qmp_register_event("STOP");
        qmp_register_event("RESUME");
    }
    return cmds;
}

static char *ask(QmpSession *s, Peer *p, const char *req)
{
    qmp_session_feed(s, req, strlen(req));
    char *line = next_line(p);
    g_assert_nonnull(line);
    return line;
}

static void expect(QmpSession *s, Peer *p, const char *req, const char *reply)
{
    g_autofree char *line = ask(s, p, req);
    g_assert_cmpstr(line, ==, reply);
}

static void test_negotiation(void)
{
    Peer p = { g_string_new(NULL) };
    QmpSession *s = qmp_session_new(commands(), &version, peer_write, &p);
    g_autofree char *greeting = next_line(&p);
    g_assert_cmpstr(greeting, ==, "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7, \"minor\": 2, "
                                  "\"micro\": 0}, \"package\": \"test\"}, \"capabilities\": "
                                  "[\"oob\"]}}");
    expect(s, &p, "{\"execute\": \"query-version\", \"id\": 1}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities "
           "negotiation with 'qmp_capabilities'\"}, \"id\": 1}");
    expect(s, &p, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"x\"]}}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Capability 'x' not "
           "available\"}}");
    g_assert_false(qmp_session_negotiated(s));
    expect(s, &p, "{\"execute\": \"qmp_capabilities\", \"id\": \"a\"}",
           "{\"return\": {}, \"id\": \"a\"}");
    g_assert_true(qmp_session_negotiated(s));
    expect(s, &p, "{\"execute\": \"qmp_capabilities\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities negotiation "
           "is already complete, command ignored\"}}");
    expect(s, &p, "{\"execute\": \"query-version\"}",
           "{\"return\": {\"qemu\": {\"major\": 7, \"minor\": 2, \"micro\": 0}, \"package\": "
           "\"test\"}}");
    /* Without oob enabled, exec-oob is refused. */
    g_autofree char *oob = ask(s, &p, "{\"exec-oob\": \"query-version\"}");
    g_assert_nonnull(strstr(oob, "\"error\""));
    qmp_session_free(s);
    g_string_free(p.out, TRUE);
}

static void test_requests(void)
{
    Peer p = { g_string_new(NULL) };
    QmpSession *s = qmp_session_new(commands(), &version, peer_write, &p);
    g_free(next_line(&p));
    /* Byte by byte, then two requests in one write. */
    const char *neg = "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}";
    for (size_t i = 0; neg[i]; i++) {
        qmp_session_feed(s, neg + i, 1);
    }
    g_autofree char *r0 = next_line(&p);
    g_assert_cmpstr(r0, ==, "{\"return\": {}}");
    const char *two = "{\"execute\": \"echo\", \"arguments\": {\"text\": \"one\"}, \"id\": 1}"
                      "{\"exec-oob\": \"echo\", \"arguments\": {\"text\": \"two\"}, \"id\": 2}";
    qmp_session_feed(s, two, strlen(two));
    g_autofree char *r1 = next_line(&p);
    g_autofree char *r2 = next_line(&p);
    g_assert_cmpstr(r1, ==, "{\"return\": \"one\", \"id\": 1}");
    g_assert_nonnull(strstr(r2, "\"id\": 2"));
    /* Errors: unknown command, bad arguments, not an object, broken JSON. */
    expect(s, &p, "{\"execute\": \"nope\"}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not "
           "been found\"}}");
    g_autofree char *bad = ask(s, &p, "{\"execute\": \"echo\", \"arguments\": {\"text\": 5}}");
    g_assert_nonnull(strstr(bad, "GenericError"));
    expect(s, &p, "[1, 2]",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON "
           "object\"}}");
    g_autofree char *broken = ask(s, &p, "{\"execute\": }");
    g_assert_nonnull(strstr(broken, "GenericError"));
    /* The session goes on after errors. */
    expect(s, &p, "{\"execute\": \"echo\", \"arguments\": {\"text\": \"ok\"}}",
           "{\"return\": \"ok\"}");
    qmp_session_free(s);
    g_string_free(p.out, TRUE);
}

static void test_events_and_introspection(void)
{
    Peer a = { g_string_new(NULL) }, b = { g_string_new(NULL) };
    QmpSession *sa = qmp_session_new(commands(), &version, peer_write, &a);
    QmpSession *sb = qmp_session_new(commands(), &version, peer_write, &b);
    g_free(next_line(&a));
    g_free(next_line(&b));
    expect(sa, &a, "{\"execute\": \"qmp_capabilities\"}", "{\"return\": {}}");
    QDict *data = qdict_new();
    qdict_put_str(data, "reason", "host-qmp-stop");
    qmp_event_send("STOP", data);
    g_autofree char *ev = next_line(&a);
    g_assert_true(g_str_has_prefix(ev, "{\"timestamp\": {\"seconds\": "));
    g_assert_nonnull(strstr(ev, "\"event\": \"STOP\", \"data\": {\"reason\": \"host-qmp-stop\"}}"));
    g_assert_null(next_line(&b));                /* not negotiated: no events */

    g_autofree char *cmds = ask(sa, &a, "{\"execute\": \"query-commands\"}");
    g_assert_nonnull(strstr(cmds, "{\"name\": \"qmp_capabilities\"}"));
    g_assert_nonnull(strstr(cmds, "{\"name\": \"echo\"}"));
    g_autofree char *schema = ask(sa, &a, "{\"execute\": \"query-qmp-schema\"}");
    QObject *parsed = json_parse(schema, strlen(schema), NULL);
    g_assert_nonnull(parsed);
    qobject_unref(parsed);
    g_assert_nonnull(strstr(schema, "{\"name\": \"echo\", \"meta-type\": \"command\", "
                                    "\"arg-type\": \"q_obj_echo-arg\", \"ret-type\": \"any\"}"));
    g_assert_nonnull(strstr(schema, "{\"name\": \"q_obj_echo-arg\", \"meta-type\": \"object\", "
                                    "\"members\": [{\"name\": \"text\", \"type\": \"str\"}]}"));
    g_assert_nonnull(strstr(schema, "{\"name\": \"[str]\", \"meta-type\": \"array\", "
                                    "\"element-type\": \"str\"}"));
    g_assert_nonnull(strstr(schema, "{\"name\": \"RESUME\", \"meta-type\": \"event\""));
    g_assert_nonnull(strstr(schema, "\"meta-type\": \"builtin\", \"json-type\": \"string\"}"));
    qmp_session_free(sa);
    qmp_session_free(sb);
    g_string_free(a.out, TRUE);
    g_string_free(b.out, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-server/negotiation", test_negotiation);
    g_test_add_func("/qmp-server/requests", test_requests);
    g_test_add_func("/qmp-server/events-and-introspection", test_events_and_introspection);
    return g_test_run();
}
