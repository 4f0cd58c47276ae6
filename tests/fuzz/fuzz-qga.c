/*
 * libFuzzer target for the guest agent's request path: bytes go through the
 * streaming JSON parser into the QMP dispatcher and the agent's commands,
 * exactly as they arrive from the host. Commands that change the machine
 * (shutdown, suspend, clock, vCPUs, memory, passwords, keys, freeze, trim,
 * exec, file-open) are disabled, as an administrator could with -b.
 *
 * Checks: no crash or leak for any input; every reply is one JSON object with
 * "return" or "error" that parses back; guest-sync echoes its id.
 */
#include "config.h"
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "libcore/json.h"
#include "qga/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(const QDict *rsp)
{
    GString *out = ga_format_response(ga_state, rsp);
    const char *text = out->str;
    size_t len = out->len;
    if ((unsigned char)text[0] == QGA_SENTINEL_BYTE) {
        text++;
        len--;
    }
    if (len == 0 || text[len - 1] != '\n') {
        abort();
    }
    Error *err = NULL;
    QObject *back = json_parse(text, len - 1, &err);
    if (!back || qobject_type(back) != QTYPE_DICT ||
        (qdict_haskey(back, "return") == qdict_haskey(back, "error"))) {
        abort();
    }
    qobject_unref(back);
    g_string_free(out, TRUE);
}

static void on_value(void *opaque, QObject *obj, Error *err)
{
    QDict *rsp = err ? qmp_error_response(err) : ga_handle_request(ga_state, obj);
    if (rsp) {
        check_reply(rsp);
        if (obj && qobject_type(obj) == QTYPE_DICT &&
            !g_strcmp0(qdict_get_str(obj, "execute"), "guest-sync") &&
            qdict_haskey(rsp, "return")) {
            QDict *args = qdict_get_dict(obj, "arguments");
            if (!qobject_equal(qdict_get(rsp, "return"), qdict_get(args, "id"))) {
                abort();
            }
        }
        qobject_unref(rsp);
    }
    qobject_unref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;
    }
    if (!ga_state) {
        ga_state = ga_state_new(NULL, NULL, NULL, NULL, NULL);
        ga_state->side_effects_disabled = true;
        ga_apply_rpc_lists(ga_state);
    }
    ga_state->delimit_response = false;
    JsonStream *js = json_stream_new(on_value, NULL);
    json_stream_feed(js, (const char *)data, size);
    json_stream_flush(js);
    json_stream_free(js);
    return 0;
}
