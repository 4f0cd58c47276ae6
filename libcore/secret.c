/*
 * The "secret" user object: passwords and keys given inline (data=) or in a
 * file (file=), raw or base64, looked up by id when an image or a TLS channel
 * needs them. Encrypted secrets (keyid=, iv=) are refused.
 */
#include "config.h"
#include "libcore/object.h"
#include "libcore/object-int.h"

#include <glib.h>
#include <string.h>

typedef enum SecretFormat { SECRET_FORMAT_RAW, SECRET_FORMAT_BASE64 } SecretFormat;

typedef struct Secret {
    Object parent;
    char *data;
    char *file;
    char *keyid;
    char *iv;
    SecretFormat format;
    char *value;            /* decoded bytes, NUL-terminated */
    size_t len;
} Secret;

static const char *const format_names[] = { "raw", "base64" };

static bool set_string(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
    return true;
}

static bool secret_set_data(Object *obj, const char *value, Error **errp)
{
    return set_string(&((Secret *)obj)->data, value);
}

static bool secret_set_file(Object *obj, const char *value, Error **errp)
{
    return set_string(&((Secret *)obj)->file, value);
}

static bool secret_set_keyid(Object *obj, const char *value, Error **errp)
{
    return set_string(&((Secret *)obj)->keyid, value);
}

static bool secret_set_iv(Object *obj, const char *value, Error **errp)
{
    return set_string(&((Secret *)obj)->iv, value);
}

static bool secret_set_format(Object *obj, const char *value, Error **errp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(format_names); i++) {
        if (!strcmp(value, format_names[i])) {
            ((Secret *)obj)->format = i;
            return true;
        }
    }
    error_setf(errp, "Parameter 'format' does not accept value '%s'", value);
    return false;
}

static QObject *string_or_null(const char *s)
{
    return s ? qstring_new(s) : NULL;
}

static QObject *secret_get_file(Object *obj)
{
    return string_or_null(((Secret *)obj)->file);
}

static QObject *secret_get_keyid(Object *obj)
{
    return string_or_null(((Secret *)obj)->keyid);
}

static QObject *secret_get_format(Object *obj)
{
    return qstring_new(format_names[((Secret *)obj)->format]);
}

/*
 * Strict base64: only the 64 symbols, length a multiple of 4, '=' only as
 * one or two final padding characters. GLib's decoder alone skips bad input.
 */
static bool base64_valid(const char *s, size_t len, Error **errp)
{
    static const char symbols[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t pad = 0;
    while (pad < 2 && pad < len && s[len - 1 - pad] == '=') {
        pad++;
    }
    for (size_t i = 0; i < len - pad; i++) {
        if (!s[i] || !strchr(symbols, s[i])) {
            error_setf(errp, "Base64 data contains invalid characters");
            return false;
        }
    }
    if (len % 4) {
        error_setf(errp, "Base64 data length must be a multiple of 4");
        return false;
    }
    return true;
}

static bool secret_load_raw(Secret *s, char **raw, size_t *len, Error **errp)
{
    if (s->data) {
        *raw = g_strdup(s->data);
        *len = strlen(s->data);
        return true;
    }
    GError *gerr = NULL;
    gsize glen;
    if (!g_file_get_contents(s->file, raw, &glen, &gerr)) {
        error_setf(errp, "Unable to read %s: %s", s->file, gerr->message);
        g_error_free(gerr);
        return false;
    }
    *len = glen;
    return true;
}

static bool secret_complete(Object *obj, Error **errp)
{
    Secret *s = (Secret *)obj;
    if (s->data && s->file) {
        error_setf(errp, "'file' and 'data' are mutually exclusive");
        return false;
    }
    if (!s->data && !s->file) {
        error_setf(errp, "Either 'file' or 'data' must be provided");
        return false;
    }
    if (s->keyid) {
        error_setf(errp, "secret encryption with keyid is not supported");
        return false;
    }
    if (s->iv) {
        error_setf(errp, "secret 'iv' is only used with 'keyid', which is not supported");
        return false;
    }
    char *raw;
    size_t len;
    if (!secret_load_raw(s, &raw, &len, errp)) {
        return false;
    }
    if (s->format == SECRET_FORMAT_RAW) {
        s->value = raw;
        s->len = len;
        return true;
    }
    if (!base64_valid(raw, len, errp)) {
        g_free(raw);
        return false;
    }
    gsize dlen;
    guchar *dec = g_base64_decode(raw, &dlen);
    g_free(raw);
    s->value = g_realloc(dec, dlen + 1);
    s->value[dlen] = '\0';
    s->len = dlen;
    return true;
}

static void secret_finalize(Object *obj)
{
    Secret *s = (Secret *)obj;
    if (s->value) {
        memset(s->value, 0, s->len);        /* do not leave keys in freed memory */
    }
    g_free(s->value);
    g_free(s->data);
    g_free(s->file);
    g_free(s->keyid);
    g_free(s->iv);
}

static const ObjectProperty secret_props[] = {
    { "data", PROP_STRING, "the secret itself", secret_set_data, NULL },
    { "file", PROP_STRING, "file holding the secret", secret_set_file, secret_get_file },
    { "format", PROP_STRING, "raw (default) or base64", secret_set_format, secret_get_format },
    { "keyid", PROP_STRING, "id of a secret decrypting this one (not supported)",
      secret_set_keyid, secret_get_keyid },
    { "iv", PROP_STRING, "base64 AES initialisation vector (with keyid)", secret_set_iv, NULL },
    { NULL },
};

const TypeInfo secret_type_info = {
    .name = "secret",
    .parent = TYPE_USER_CREATABLE,
    .instance_size = sizeof(Secret),
    .props = secret_props,
    .complete = secret_complete,
    .finalize = secret_finalize,
    .help = "a password or key, given inline or in a file",
};

char *secret_lookup(const char *id, size_t *len, Error **errp)
{
    Object *obj = user_object_find(id);
    if (!obj) {
        error_setf(errp, "No secret with id '%s'", id);
        return NULL;
    }
    if (!type_is_a(obj->type, "secret")) {
        error_setf(errp, "Object with id '%s' is not a secret", id);
        return NULL;
    }
    Secret *s = (Secret *)obj;
    if (len) {
        *len = s->len;
    }
    char *copy = g_malloc(s->len + 1);
    memcpy(copy, s->value, s->len + 1);
    return copy;
}
