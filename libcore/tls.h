/*
 * TLS credentials as user objects (--object tls-creds-x509|tls-creds-psk|
 * tls-creds-anon, properties as QEMU's: dir, endpoint=server|client,
 * verify-peer, priority, username (psk client)) and the TLS handshake that
 * upgrades a Channel in place, with gnutls.
 *
 * Files read from dir: x509: ca-cert.pem, server-cert.pem/server-key.pem or
 * client-cert.pem/client-key.pem, optional ca-crl.pem and dh-params.pem.
 * psk: keys.psk with lines "username:hexkey" (the client uses its username,
 * default "qemu"). anon: dh-params.pem (optional).
 */
#ifndef LIBCORE_TLS_H
#define LIBCORE_TLS_H

#include <stdbool.h>
#include "libcore/channel.h"
#include "libcore/error.h"
#include "libcore/object.h"

typedef struct TlsCreds TlsCreds;

typedef enum TlsEndpoint { TLS_ENDPOINT_CLIENT, TLS_ENDPOINT_SERVER } TlsEndpoint;

#define TYPE_TLS_CREDS "tls-creds"
#define TYPE_TLS_CREDS_X509 "tls-creds-x509"
#define TYPE_TLS_CREDS_PSK "tls-creds-psk"
#define TYPE_TLS_CREDS_ANON "tls-creds-anon"

/*
 * The user object id, which must be a tls-creds-* for the given endpoint:
 * "No TLS credentials with id 'x'", "Object with id 'x' is not TLS credentials",
 * "Expecting TLS credentials with a server endpoint" otherwise.
 */
TlsCreds *tls_creds_lookup(const char *id, TlsEndpoint endpoint, Error **errp);
/* The object (for object_ref/unref while a server holds it). */
Object *tls_creds_object(TlsCreds *creds);
const char *tls_creds_type(const TlsCreds *creds);   /* "tls-creds-x509" ... */

/*
 * Run the TLS handshake over ch (blocking) and switch ch to TLS. Clients check
 * the server certificate against hostname (x509 with verify-peer; NULL skips
 * the name check but not the chain). Servers with verify-peer=on require and
 * check a client certificate. False with errp (the channel is then unusable).
 */
bool channel_start_tls(Channel *ch, TlsCreds *creds, const char *hostname, Error **errp);
/* Send the TLS close_notify (best effort) before a clean shutdown. */
void channel_tls_bye(Channel *ch);

#endif
