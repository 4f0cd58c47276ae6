/*
 * The tls-creds parent type and the tls-creds-psk and tls-creds-anon user
 * objects: common properties, the helpers that find and load credential
 * files from dir=, and how psk and anon credentials attach to a session.
 * tls-creds-x509 lives in tls-creds-x509.c.
 */
#include "config.h"
#include "libcore/tls-int.h"
#include "libcore/cutils.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#define CREDS(obj) ((TlsCreds *)(obj))

/* ---- properties ---- */

bool tls_prop_set_string(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
    return true;
}

QObject *tls_prop_string(const char *s)
{
    return s ? qstring_new(s) : NULL;
}

static bool set_dir(Object *obj, const char *v, Error **errp)
{
    return tls_prop_set_string(&CREDS(obj)->dir, v);
}

static QObject *get_dir(Object *obj)
{
    return tls_prop_string(CREDS(obj)->dir);
}

static const char *const endpoint_names[] = {
    [TLS_ENDPOINT_CLIENT] = "client",
    [TLS_ENDPOINT_SERVER] = "server",
};

static bool set_endpoint(Object *obj, const char *v, Error **errp)
{
    for (size_t i = 0; i < G_N_ELEMENTS(endpoint_names); i++) {
        if (!strcmp(v, endpoint_names[i])) {
            CREDS(obj)->endpoint = i;
            return true;
        }
    }
    error_setf(errp, "Parameter 'endpoint' does not accept value '%s'", v);
    return false;
}

static QObject *get_endpoint(Object *obj)
{
    return qstring_new(endpoint_names[CREDS(obj)->endpoint]);
}

static bool set_verify_peer(Object *obj, const char *v, Error **errp)
{
    bool on;
    if (!parse_bool(v, &on, errp)) {
        return false;
    }
    CREDS(obj)->verify_peer_off = !on;
    return true;
}

static QObject *get_verify_peer(Object *obj)
{
    return qbool_new(!CREDS(obj)->verify_peer_off);
}

static bool set_priority(Object *obj, const char *v, Error **errp)
{
    return tls_prop_set_string(&CREDS(obj)->priority, v);
}

static QObject *get_priority(Object *obj)
{
    return tls_prop_string(CREDS(obj)->priority);
}

static QObject *get_loaded(Object *obj)
{
    return qbool_new(CREDS(obj)->loaded);
}

static bool set_username(Object *obj, const char *v, Error **errp)
{
    return tls_prop_set_string(&CREDS(obj)->username, v);
}

static QObject *get_username(Object *obj)
{
    return tls_prop_string(CREDS(obj)->username);
}

/* ---- files ---- */

static char *creds_path(TlsCreds *c, const char *name)
{
    return g_build_filename(c->dir, name, NULL);
}

bool tls_creds_need_dir(TlsCreds *c, Error **errp)
{
    if (!c->dir) {
        error_setf(errp, "Missing 'dir' property value");
        return false;
    }
    return true;
}

/* A file the configuration cannot do without. */
char *tls_creds_require_file(TlsCreds *c, const char *name, Error **errp)
{
    char *path = creds_path(c, name);
    if (access(path, R_OK) < 0) {
        error_setf_errno(errp, errno, "Unable to access credentials %s", path);
        g_free(path);
        return NULL;
    }
    return path;
}

/* A file used when present (NULL when c has no dir or the file is absent). */
char *tls_creds_optional_file(TlsCreds *c, const char *name)
{
    if (!c->dir) {
        return NULL;
    }
    char *path = creds_path(c, name);
    if (access(path, F_OK) < 0) {
        g_free(path);
        return NULL;
    }
    return path;
}

bool tls_creds_load_datum(const char *path, gnutls_datum_t *d, Error **errp)
{
    int rc = gnutls_load_file(path, d);
    if (rc < 0) {
        error_setf(errp, "Unable to read %s: %s", path, gnutls_strerror(rc));
        return false;
    }
    return true;
}

/* dh-params.pem when the server has one; *used tells the caller to set it. */
bool tls_creds_load_dh_params(TlsCreds *c, bool *used, Error **errp)
{
    g_autofree char *path = tls_creds_optional_file(c, "dh-params.pem");
    gnutls_datum_t d;
    *used = false;
    if (!path) {
        return true;
    }
    if (!tls_creds_load_datum(path, &d, errp)) {
        return false;
    }
    int rc = gnutls_dh_params_init(&c->dh);
    if (rc == 0) {
        rc = gnutls_dh_params_import_pkcs3(c->dh, &d, GNUTLS_X509_FMT_PEM);
    }
    gnutls_free(d.data);
    if (rc < 0) {
        error_setf(errp, "Unable to load DH parameters %s: %s", path, gnutls_strerror(rc));
        return false;
    }
    *used = true;
    return true;
}

/* ---- psk ---- */

static bool is_hex_key(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n % 2) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isxdigit(s[i])) {
            return false;
        }
    }
    return true;
}

/* The hex key of username in a "username:hexkey" per line file. */
static char *psk_find_key(const char *path, const char *username, Error **errp)
{
    char *text;
    gsize len;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        error_setf(errp, "Unable to read %s: %s", path, gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    char *key = NULL;
    bool found = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        g_strchomp(line);
        char *colon = strchr(line, ':');
        if (colon && (size_t)(colon - line) == strlen(username) &&
            !strncmp(line, username, colon - line)) {
            found = true;
            key = is_hex_key(colon + 1) ? g_strdup(colon + 1) : NULL;
        }
    }
    memset(text, 0, len);       /* other users' keys */
    g_free(text);
    if (!found) {
        error_setf(errp, "Username %s not found in pre-shared key file %s", username, path);
    } else if (!key) {
        error_setf(errp, "The key of username %s in %s is not valid hex", username, path);
    }
    return key;
}

static bool psk_load_client(TlsCreds *c, const char *path, Error **errp)
{
    const char *user = c->username ? c->username : "qemu";
    char *key = psk_find_key(path, user, errp);
    if (!key) {
        return false;
    }
    gnutls_datum_t d = { (unsigned char *)key, strlen(key) };
    int rc = gnutls_psk_allocate_client_credentials(&c->psk_client);
    if (rc == 0) {
        rc = gnutls_psk_set_client_credentials(c->psk_client, user, &d, GNUTLS_PSK_KEY_HEX);
    }
    memset(key, 0, d.size);
    g_free(key);
    if (rc < 0) {
        error_setf(errp, "Unable to set PSK client credentials: %s", gnutls_strerror(rc));
        return false;
    }
    return true;
}

/*
 * gnutls reads the server's key file at each handshake and would only fail
 * then: check its shape now, so a typo is reported when the object is made.
 */
static bool psk_check_file(const char *path, Error **errp)
{
    char *text;
    gsize len;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        error_setf(errp, "Unable to read %s: %s", path, gerr->message);
        g_error_free(gerr);
        return false;
    }
    char **lines = g_strsplit(text, "\n", -1);
    int bad = 0;
    for (int i = 0; lines[i] && !bad; i++) {
        char *colon = strchr(g_strchomp(lines[i]), ':');
        if (lines[i][0] && (!colon || colon == lines[i] || !is_hex_key(colon + 1))) {
            bad = i + 1;
        }
    }
    for (int i = 0; lines[i]; i++) {
        memset(lines[i], 0, strlen(lines[i]));
    }
    g_strfreev(lines);
    memset(text, 0, len);
    g_free(text);
    if (bad) {
        error_setf(errp, "Line %d of %s is not 'username:hexkey'", bad, path);
        return false;
    }
    return true;
}

static bool psk_load_server(TlsCreds *c, const char *path, Error **errp)
{
    bool used;
    if (!psk_check_file(path, errp)) {
        return false;
    }
    int rc = gnutls_psk_allocate_server_credentials(&c->psk_server);
    if (rc == 0) {
        rc = gnutls_psk_set_server_credentials_file(c->psk_server, path);
    }
    if (rc < 0) {
        error_setf(errp, "Unable to set PSK server credentials %s: %s", path,
                   gnutls_strerror(rc));
        return false;
    }
    if (!tls_creds_load_dh_params(c, &used, errp)) {
        return false;
    }
    if (used) {
        gnutls_psk_set_server_dh_params(c->psk_server, c->dh);
    } else {
        gnutls_psk_set_server_known_dh_params(c->psk_server, GNUTLS_SEC_PARAM_MEDIUM);
    }
    return true;
}

/* Attach the endpoint's credential of one gnutls kind to a session. */
static bool set_session_creds(gnutls_session_t s, gnutls_credentials_type_t type,
                              void *cred, Error **errp)
{
    int rc = gnutls_credentials_set(s, type, cred);
    if (rc < 0) {
        error_setf(errp, "Cannot set session credentials: %s", gnutls_strerror(rc));
        return false;
    }
    return true;
}

static bool psk_session_setup(TlsCreds *c, gnutls_session_t s, Error **errp)
{
    void *cred = c->endpoint == TLS_ENDPOINT_SERVER ? (void *)c->psk_server
                                                    : (void *)c->psk_client;
    return set_session_creds(s, GNUTLS_CRD_PSK, cred, errp);
}

static const TlsCredsKind psk_kind = {
    .type = TYPE_TLS_CREDS_PSK,
    .priority_extra = ":+ECDHE-PSK:+DHE-PSK:+PSK",
    .session_setup = psk_session_setup,
};

static bool psk_complete(Object *obj, Error **errp)
{
    TlsCreds *c = CREDS(obj);
    if (c->endpoint == TLS_ENDPOINT_SERVER && c->username) {
        error_setf(errp, "username should not be set when endpoint=server");
        return false;
    }
    if (!tls_creds_need_dir(c, errp)) {
        return false;
    }
    g_autofree char *path = tls_creds_require_file(c, "keys.psk", errp);
    bool ok = path && (c->endpoint == TLS_ENDPOINT_SERVER ? psk_load_server(c, path, errp)
                                                         : psk_load_client(c, path, errp));
    c->kind = &psk_kind;
    c->loaded = ok;
    return ok;
}

/* ---- anon ---- */

static bool anon_session_setup(TlsCreds *c, gnutls_session_t s, Error **errp)
{
    void *cred = c->endpoint == TLS_ENDPOINT_SERVER ? (void *)c->anon_server
                                                    : (void *)c->anon_client;
    return set_session_creds(s, GNUTLS_CRD_ANON, cred, errp);
}

static const TlsCredsKind anon_kind = {
    .type = TYPE_TLS_CREDS_ANON,
    .priority_extra = ":+ANON-ECDH:+ANON-DH",
    .session_setup = anon_session_setup,
};

static bool anon_complete(Object *obj, Error **errp)
{
    TlsCreds *c = CREDS(obj);
    int rc;
    bool used = false;
    c->kind = &anon_kind;
    if (c->endpoint == TLS_ENDPOINT_CLIENT) {
        rc = gnutls_anon_allocate_client_credentials(&c->anon_client);
    } else {
        rc = gnutls_anon_allocate_server_credentials(&c->anon_server);
    }
    if (rc < 0) {
        error_setf(errp, "Cannot allocate credentials: %s", gnutls_strerror(rc));
        return false;
    }
    if (c->endpoint == TLS_ENDPOINT_SERVER) {
        if (!tls_creds_load_dh_params(c, &used, errp)) {
            return false;
        }
        if (used) {
            gnutls_anon_set_server_dh_params(c->anon_server, c->dh);
        } else {
            gnutls_anon_set_server_known_dh_params(c->anon_server, GNUTLS_SEC_PARAM_MEDIUM);
        }
    }
    c->loaded = true;
    return true;
}

/* ---- types ---- */

static void creds_finalize(Object *obj)
{
    TlsCreds *c = CREDS(obj);
    if (c->x509) {
        gnutls_certificate_free_credentials(c->x509);
    }
    if (c->psk_server) {
        gnutls_psk_free_server_credentials(c->psk_server);
    }
    if (c->psk_client) {
        gnutls_psk_free_client_credentials(c->psk_client);
    }
    if (c->anon_server) {
        gnutls_anon_free_server_credentials(c->anon_server);
    }
    if (c->anon_client) {
        gnutls_anon_free_client_credentials(c->anon_client);
    }
    if (c->dh) {
        gnutls_dh_params_deinit(c->dh);
    }
    g_free(c->dir);
    g_free(c->priority);
    g_free(c->passwordid);
    g_free(c->username);
}

static const ObjectProperty creds_props[] = {
    { "dir", PROP_STRING, "directory holding the credential files", set_dir, get_dir },
    { "endpoint", PROP_STRING, "client (default) or server", set_endpoint, get_endpoint },
    { "verify-peer", PROP_BOOL, "check the peer's certificate (default on)",
      set_verify_peer, get_verify_peer },
    { "priority", PROP_STRING, "GnuTLS priority string (default NORMAL)",
      set_priority, get_priority },
    { "loaded", PROP_BOOL, "whether the credentials are loaded (read-only)", NULL, get_loaded },
    { NULL },
};

static const ObjectProperty psk_props[] = {
    { "username", PROP_STRING, "client identity in keys.psk (default qemu)",
      set_username, get_username },
    { NULL },
};

static const TypeInfo creds_type_info = {
    .name = TYPE_TLS_CREDS,
    .parent = TYPE_USER_CREATABLE,
    .instance_size = sizeof(TlsCreds),
    .props = creds_props,
    .finalize = creds_finalize,
    .help = "TLS credentials (the parent of the tls-creds-* types)",
    .abstract = true,
};

static const TypeInfo psk_type_info = {
    .name = TYPE_TLS_CREDS_PSK,
    .parent = TYPE_TLS_CREDS,
    .instance_size = sizeof(TlsCreds),
    .props = psk_props,
    .complete = psk_complete,
    .help = "TLS credentials from pre-shared keys",
};

static const TypeInfo anon_type_info = {
    .name = TYPE_TLS_CREDS_ANON,
    .parent = TYPE_TLS_CREDS,
    .instance_size = sizeof(TlsCreds),
    .complete = anon_complete,
    .help = "anonymous TLS credentials (no authentication)",
};

/* Registered when libcore loads, like every type outside the registry's own. */
__attribute__((constructor)) static void tls_creds_register_types(void)
{
    type_register(&creds_type_info);
    type_register(&psk_type_info);
    type_register(&anon_type_info);
}

