/*
 * The tls-creds-x509 user object: certificate files from dir=, their sanity
 * checks at load time (validity dates, CA flags, key usage and purpose, the
 * chain against the CA), and peer verification after a handshake.
 */
#include "config.h"
#include "libcore/tls-int.h"
#include "libcore/cutils.h"

#include <glib.h>
#include <gnutls/x509.h>
#include <string.h>
#include <time.h>

#define CREDS(obj) ((TlsCreds *)(obj))

/* ---- properties ---- */

static bool set_sanity_check(Object *obj, const char *v, Error **errp)
{
    bool on;
    if (!parse_bool(v, &on, errp)) {
        return false;
    }
    CREDS(obj)->sanity_check_off = !on;
    return true;
}

static QObject *get_sanity_check(Object *obj)
{
    return qbool_new(!CREDS(obj)->sanity_check_off);
}

static bool set_passwordid(Object *obj, const char *v, Error **errp)
{
    return tls_prop_set_string(&CREDS(obj)->passwordid, v);
}

static QObject *get_passwordid(Object *obj)
{
    return tls_prop_string(CREDS(obj)->passwordid);
}

/* ---- x509: sanity checks of the certificate files ---- */

typedef struct CertList {
    gnutls_x509_crt_t *certs;
    unsigned int n;
} CertList;

static void cert_list_free(CertList *l)
{
    for (unsigned int i = 0; i < l->n; i++) {
        gnutls_x509_crt_deinit(l->certs[i]);
    }
    gnutls_free(l->certs);
    l->certs = NULL;
    l->n = 0;
}

static bool cert_list_load(const char *path, CertList *l, Error **errp)
{
    gnutls_datum_t d;
    l->certs = NULL;
    l->n = 0;
    if (!tls_creds_load_datum(path, &d, errp)) {
        return false;
    }
    int rc = gnutls_x509_crt_list_import2(&l->certs, &l->n, &d, GNUTLS_X509_FMT_PEM, 0);
    gnutls_free(d.data);
    if (rc < 0 || l->n == 0) {
        error_setf(errp, "Unable to import certificate %s: %s", path,
                   rc < 0 ? gnutls_strerror(rc) : "no certificate found");
        l->n = 0;
        return false;
    }
    return true;
}

static bool check_times(gnutls_x509_crt_t cert, const char *path, Error **errp)
{
    time_t now = time(NULL);
    time_t from = gnutls_x509_crt_get_activation_time(cert);
    time_t until = gnutls_x509_crt_get_expiration_time(cert);
    if (from == (time_t)-1 || until == (time_t)-1) {
        error_setf(errp, "Unable to read the validity times of certificate %s", path);
        return false;
    }
    if (until < now) {
        error_setf(errp, "The certificate %s has expired", path);
        return false;
    }
    if (from > now) {
        error_setf(errp, "The certificate %s is not yet active", path);
        return false;
    }
    return true;
}

/* A CA (root or intermediate) must say it is one and may sign certificates. */
static bool check_ca_cert(gnutls_x509_crt_t cert, const char *path, Error **errp)
{
    unsigned int critical, usage;
    int ca = gnutls_x509_crt_get_basic_constraints(cert, &critical, NULL, NULL);
    if (ca <= 0) {
        error_setf(errp, "The certificate %s basic constraints do not show a CA", path);
        return false;
    }
    if (gnutls_x509_crt_get_key_usage(cert, &usage, &critical) >= 0 &&
        !(usage & GNUTLS_KEY_KEY_CERT_SIGN)) {
        error_setf(errp, "The certificate %s key usage does not permit certificate signing",
                   path);
        return false;
    }
    return check_times(cert, path, errp);
}

static bool has_purpose(gnutls_x509_crt_t cert, const char *oid, bool *any)
{
    *any = false;
    for (unsigned int i = 0;; i++) {
        char buf[256];
        size_t size = sizeof(buf);
        unsigned int critical;
        if (gnutls_x509_crt_get_key_purpose_oid(cert, i, buf, &size, &critical) < 0) {
            return false;
        }
        *any = true;
        if (!strcmp(buf, oid)) {
            return true;
        }
    }
}

/* The server's or client's own certificate: not a CA, usable for its role. */
static bool check_leaf_cert(TlsCreds *c, gnutls_x509_crt_t cert, const char *path,
                            Error **errp)
{
    bool server = c->endpoint == TLS_ENDPOINT_SERVER;
    const char *role = server ? "server" : "client";
    unsigned int critical, usage;
    if (gnutls_x509_crt_get_basic_constraints(cert, &critical, NULL, NULL) > 0) {
        error_setf(errp, "The certificate %s basic constraints show a CA, "
                   "but we need one for a %s", path, role);
        return false;
    }
    if (gnutls_x509_crt_get_key_usage(cert, &usage, &critical) >= 0 &&
        !(usage & (GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT))) {
        error_setf(errp, "The certificate %s key usage does not permit digital signature "
                   "or key encipherment", path);
        return false;
    }
    bool any;
    if (!has_purpose(cert, server ? GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT, &any)
        && any) {
        error_setf(errp, "The certificate %s is not valid for a TLS %s", path, role);
        return false;
    }
    return check_times(cert, path, errp);
}

static bool check_chain(CertList *chain, CertList *cas, const char *cert, const char *ca,
                        Error **errp)
{
    unsigned int status = 0;
    int rc = gnutls_x509_crt_list_verify(chain->certs, chain->n, cas->certs, cas->n,
                                         NULL, 0, 0, &status);
    if (rc < 0) {
        error_setf(errp, "Unable to verify certificate %s: %s", cert, gnutls_strerror(rc));
        return false;
    }
    if (status) {
        gnutls_datum_t out = { NULL, 0 };
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0);
        error_setf(errp, "The certificate %s is not valid against the CA %s: %s", cert, ca,
                   out.data ? g_strstrip((char *)out.data) : "verification failed");
        gnutls_free(out.data);
        return false;
    }
    return true;
}

static bool x509_sanity_check(TlsCreds *c, const char *cacert, const char *cert, Error **errp)
{
    CertList cas = { 0 }, chain = { 0 };
    bool ok = true;
    if (cacert) {
        ok = cert_list_load(cacert, &cas, errp);
        for (unsigned int i = 0; ok && i < cas.n; i++) {
            ok = check_ca_cert(cas.certs[i], cacert, errp);
        }
    }
    if (ok && cert) {
        ok = cert_list_load(cert, &chain, errp) &&
             check_leaf_cert(c, chain.certs[0], cert, errp);
        for (unsigned int i = 1; ok && i < chain.n; i++) {
            ok = check_ca_cert(chain.certs[i], cert, errp);
        }
    }
    if (ok && cacert && cert) {
        ok = check_chain(&chain, &cas, cert, cacert, errp);
    }
    cert_list_free(&cas);
    cert_list_free(&chain);
    return ok;
}

/* ---- x509: loading ---- */

typedef struct X509Files {
    char *cacert, *cacrl, *cert, *key;
} X509Files;

static void x509_files_free(X509Files *f)
{
    g_free(f->cacert);
    g_free(f->cacrl);
    g_free(f->cert);
    g_free(f->key);
}

/*
 * Which files this endpoint needs: a server its certificate and key, a
 * client the CA; the CA is required wherever the peer is to be verified.
 */
static bool x509_find_files(TlsCreds *c, X509Files *f, Error **errp)
{
    bool server = c->endpoint == TLS_ENDPOINT_SERVER;
    const char *cert = server ? "server-cert.pem" : "client-cert.pem";
    const char *key = server ? "server-key.pem" : "client-key.pem";
    memset(f, 0, sizeof(*f));
    if (c->verify_peer_off) {
        f->cacert = tls_creds_optional_file(c, "ca-cert.pem");
    } else if (!(f->cacert = tls_creds_require_file(c, "ca-cert.pem", errp))) {
        return false;
    }
    f->cacrl = tls_creds_optional_file(c, "ca-crl.pem");
    if (server) {
        return (f->cert = tls_creds_require_file(c, cert, errp)) && (f->key = tls_creds_require_file(c, key, errp));
    }
    f->cert = tls_creds_optional_file(c, cert);
    f->key = tls_creds_optional_file(c, key);
    /* A client certificate comes with its key, or not at all. */
    if (f->cert && !f->key) {
        return (f->key = tls_creds_require_file(c, key, errp)) != NULL;
    }
    if (f->key && !f->cert) {
        return (f->cert = tls_creds_require_file(c, cert, errp)) != NULL;
    }
    return true;
}

static bool x509_load_files(TlsCreds *c, X509Files *f, const char *password, Error **errp)
{
    int rc = gnutls_certificate_allocate_credentials(&c->x509);
    if (rc < 0) {
        error_setf(errp, "Cannot allocate credentials: %s", gnutls_strerror(rc));
        return false;
    }
    if (f->cacert &&
        (rc = gnutls_certificate_set_x509_trust_file(c->x509, f->cacert,
                                                     GNUTLS_X509_FMT_PEM)) < 0) {
        error_setf(errp, "Unable to load CA certificate %s: %s", f->cacert,
                   gnutls_strerror(rc));
        return false;
    }
    if (f->cacrl &&
        (rc = gnutls_certificate_set_x509_crl_file(c->x509, f->cacrl,
                                                   GNUTLS_X509_FMT_PEM)) < 0) {
        error_setf(errp, "Unable to load CA revocation list %s: %s", f->cacrl,
                   gnutls_strerror(rc));
        return false;
    }
    if (f->cert &&
        (rc = gnutls_certificate_set_x509_key_file2(c->x509, f->cert, f->key,
                                                    GNUTLS_X509_FMT_PEM, password, 0)) < 0) {
        error_setf(errp, "Unable to load certificate %s and key %s: %s", f->cert, f->key,
                   gnutls_strerror(rc));
        return false;
    }
    return true;
}

static bool x509_load_dh(TlsCreds *c, Error **errp)
{
    bool used;
    if (!tls_creds_load_dh_params(c, &used, errp)) {
        return false;
    }
    if (used) {
        gnutls_certificate_set_dh_params(c->x509, c->dh);
    } else {
        gnutls_certificate_set_known_dh_params(c->x509, GNUTLS_SEC_PARAM_MEDIUM);
    }
    return true;
}

static bool x509_session_setup(TlsCreds *c, gnutls_session_t s, Error **errp)
{
    int rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->x509);
    if (rc < 0) {
        error_setf(errp, "Cannot set session credentials: %s", gnutls_strerror(rc));
        return false;
    }
    if (c->endpoint == TLS_ENDPOINT_SERVER && !c->verify_peer_off) {
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
    }
    return true;
}

static bool x509_session_check(TlsCreds *c, gnutls_session_t s, const char *hostname,
                               Error **errp)
{
    unsigned int status = 0;
    if (c->verify_peer_off) {
        return true;
    }
    if (c->endpoint == TLS_ENDPOINT_SERVER) {
        hostname = NULL;        /* a client's name is not ours to check */
    }
    int rc = gnutls_certificate_verify_peers3(s, hostname, &status);
    if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND) {
        error_setf(errp, "No certificate was found");
        return false;
    }
    if (rc < 0) {
        error_setf(errp, "Verification of the peer certificate failed: %s",
                   gnutls_strerror(rc));
        return false;
    }
    if ((status & ~GNUTLS_CERT_INVALID) == GNUTLS_CERT_UNEXPECTED_OWNER) {
        error_setf(errp, "Certificate does not match the hostname %s", hostname);
        return false;
    }
    if (status) {
        gnutls_datum_t out = { NULL, 0 };
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0);
        error_setf(errp, "The peer certificate is not trusted: %s",
                   out.data ? g_strstrip((char *)out.data) : "verification failed");
        gnutls_free(out.data);
        return false;
    }
    return true;
}

static const TlsCredsKind x509_kind = {
    .type = TYPE_TLS_CREDS_X509,
    .priority_extra = "",
    .session_setup = x509_session_setup,
    .session_check = x509_session_check,
};

static bool x509_complete(Object *obj, Error **errp)
{
    TlsCreds *c = CREDS(obj);
    X509Files f = { 0 };
    g_autofree char *password = NULL;
    if (!tls_creds_need_dir(c, errp) || !x509_find_files(c, &f, errp)) {
        x509_files_free(&f);
        return false;
    }
    bool ok = !c->passwordid || (password = secret_lookup(c->passwordid, NULL, errp));
    ok = ok && (c->sanity_check_off || x509_sanity_check(c, f.cacert, f.cert, errp));
    ok = ok && x509_load_files(c, &f, password, errp);
    ok = ok && (c->endpoint == TLS_ENDPOINT_CLIENT || x509_load_dh(c, errp));
    x509_files_free(&f);
    if (password) {
        memset(password, 0, strlen(password));
    }
    c->kind = &x509_kind;
    c->loaded = ok;
    return ok;
}

/* ---- type ---- */

static const ObjectProperty x509_props[] = {
    { "sanity-check", PROP_BOOL, "check the certificates when loading (default on)",
      set_sanity_check, get_sanity_check },
    { "passwordid", PROP_STRING, "id of a secret with the private key's password",
      set_passwordid, get_passwordid },
    { NULL },
};

static const TypeInfo x509_type_info = {
    .name = TYPE_TLS_CREDS_X509,
    .parent = TYPE_TLS_CREDS,
    .instance_size = sizeof(TlsCreds),
    .props = x509_props,
    .complete = x509_complete,
    .help = "TLS credentials from x509 certificates",
};

__attribute__((constructor)) static void tls_creds_x509_register_type(void)
{
    type_register(&x509_type_info);
}
