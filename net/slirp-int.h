/*
 * -netdev user options turned into libslirp's configuration (net/slirp-opts.c),
 * shared with net/slirp.c only.
 */
#ifndef NET_SLIRP_INT_H
#define NET_SLIRP_INT_H

#include <netinet/in.h>
#include <slirp/libslirp.h>

#include "libcore/error.h"
#include "libcore/qobject.h"

#define USER_DNSSEARCH_MAX 8
#define USER_HOSTFWD_MAX 64

typedef struct HostFwd {
    char *rule;                 /* as written, for messages */
    bool udp;
    struct in_addr host_addr, guest_addr;
    int host_port, guest_port;
} HostFwd;

typedef struct UserOpts {
    /* Strings the SlirpConfig points into. */
    char *hostname, *domainname, *tftp, *tftp_server_name, *bootfile;
    char *dnssearch[USER_DNSSEARCH_MAX];
    size_t ndnssearch;
    HostFwd fwd[USER_HOSTFWD_MAX];
    size_t nfwd;
    char net_text[INET_ADDRSTRLEN];
} UserOpts;

/* Fill cfg (version 4) and uo from the -netdev user options; errors name the key. */
bool user_parse_opts(const QDict *opts, SlirpConfig *cfg, UserOpts *uo, Error **errp);
void user_opts_free(UserOpts *uo);

#endif
