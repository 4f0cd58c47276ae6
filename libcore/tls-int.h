/*
 * The inside of TLS credentials, shared by the object types (tls-creds.c)
 * and the session code that runs handshakes with them (tls.c).
 */
#ifndef LIBCORE_TLS_INT_H
#define LIBCORE_TLS_INT_H

#include <gnutls/gnutls.h>
#include "libcore/tls.h"

/* What differs between x509, psk and anon once the files are loaded. */
typedef struct TlsCredsKind {
    const char *type;
    /* Appended to the user's priority string (the key exchanges it needs). */
    const char *priority_extra;
    /* Attach the credentials to a new session. */
    bool (*session_setup)(TlsCreds *c, gnutls_session_t s, Error **errp);
    /* After the handshake: check the peer (NULL when nothing to check). */
    bool (*session_check)(TlsCreds *c, gnutls_session_t s, const char *hostname, Error **errp);
} TlsCredsKind;

struct TlsCreds {
    Object parent;
    const TlsCredsKind *kind;       /* set when loaded */
    char *dir;
    TlsEndpoint endpoint;
    bool verify_peer_off;           /* verify-peer defaults to on */
    char *priority;
    bool loaded;
    /* x509 */
    bool sanity_check_off;          /* sanity-check defaults to on */
    char *passwordid;
    gnutls_certificate_credentials_t x509;
    /* psk */
    char *username;
    gnutls_psk_server_credentials_t psk_server;
    gnutls_psk_client_credentials_t psk_client;
    /* anon */
    gnutls_anon_server_credentials_t anon_server;
    gnutls_anon_client_credentials_t anon_client;
    /* servers: DH parameters from dh-params.pem, when given */
    gnutls_dh_params_t dh;
};

/* Shared by the tls-creds-* types (tls-creds.c). */
bool tls_prop_set_string(char **field, const char *value);
QObject *tls_prop_string(const char *s);
/* "Missing 'dir' property value" unless c has a dir. */
bool tls_creds_need_dir(TlsCreds *c, Error **errp);
/* dir/name if readable, else NULL with "Unable to access credentials ...". */
char *tls_creds_require_file(TlsCreds *c, const char *name, Error **errp);
/* dir/name when it exists, else NULL (also without a dir). */
char *tls_creds_optional_file(TlsCreds *c, const char *name);
/* A whole file as a gnutls datum (free data with gnutls_free). */
bool tls_creds_load_datum(const char *path, gnutls_datum_t *d, Error **errp);
/* dh-params.pem into c->dh when present; *used says whether it was. */
bool tls_creds_load_dh_params(TlsCreds *c, bool *used, Error **errp);

#endif
