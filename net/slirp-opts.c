/*
 * -netdev user options: the guest network's addresses (checked against each
 * other), names, TFTP, and hostfwd rules, turned into libslirp's
 * configuration. Defaults are QEMU's: 10.0.2.0/24, host .2, DNS .3, DHCP from
 * .15; IPv6 fec0::/64 with host ::2 and DNS ::3.
 */
#include "config.h"
#include "net/net.h"
#include "net/slirp-int.h"
#include "libcore/opts.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const char *const user_keys[] = {
    "ipv4", "ipv6", "net", "host", "restrict", "hostname", "dhcpstart", "dns",
    "ipv6-net", "ipv6-host", "ipv6-dns", "dnssearch", "domainname", "tftp",
    "tftp-server-name", "bootfile", "hostfwd", NULL
};

static bool parse_addr(const char *key, const char *v, struct in_addr *out, Error **errp)
{
    if (inet_pton(AF_INET, v, out) != 1) {
        error_setf(errp, "Parameter '%s' expects an IPv4 address", key);
        return false;
    }
    return true;
}

/* A network without a mask takes its class's, as QEMU does. */
static uint32_t classful_mask(uint32_t net)
{
    if (!(net & 0x80000000u)) {
        return 0xff000000u;
    }
    if ((net & 0xfff00000u) == 0xac100000u) {
        return 0xfff00000u;
    }
    if ((net & 0xffff0000u) == 0xc0a80000u) {
        return 0xffff0000u;
    }
    return 0xffffff00u;
}

static bool parse_net(const char *v, struct in_addr *net, struct in_addr *mask, Error **errp)
{
    g_autofree char *addr = g_strdup(v);
    char *slash = strchr(addr, '/');
    uint32_t m;

    if (slash) {
        *slash++ = '\0';
    }
    if (!parse_addr("net", addr, net, errp)) {
        return false;
    }
    if (!slash) {
        m = classful_mask(ntohl(net->s_addr));
    } else if (strchr(slash, '.')) {
        struct in_addr dm;
        if (!parse_addr("net", slash, &dm, errp)) {
            return false;
        }
        m = ntohl(dm.s_addr);
        if (m & (~m >> 1)) {    /* ones must be contiguous from the top */
            error_setf(errp, "Parameter 'net': '%s' is not a netmask", slash);
            return false;
        }
    } else {
        char *end;
        long bits = strtol(slash, &end, 10);
        if (*end || end == slash || bits < 1 || bits > 30) {
            error_setf(errp, "Parameter 'net': prefix length '%s' is not 1 to 30", slash);
            return false;
        }
        m = 0xffffffffu << (32 - bits);
    }
    if (m == 0 || (~m) < 3) {
        error_setf(errp, "Parameter 'net': the network has no room for host addresses");
        return false;
    }
    mask->s_addr = htonl(m);
    net->s_addr = htonl(ntohl(net->s_addr) & m);
    return true;
}

/* An address of the guest network, optionally given by key (else base | def). */
static bool net_member(const QDict *opts, const char *key, struct in_addr net,
                       struct in_addr mask, uint32_t def, struct in_addr *out, Error **errp)
{
    const char *v = qdict_get_str(opts, key);
    uint32_t n = ntohl(net.s_addr), m = ntohl(mask.s_addr), a;

    if (v) {
        if (!parse_addr(key, v, out, errp)) {
            return false;
        }
        a = ntohl(out->s_addr);
        if ((a & m) != n || a == n || (a | m) == 0xffffffffu) {
            error_setf(errp, "Parameter '%s': %s is not a host address of the guest network",
                       key, v);
            return false;
        }
        return true;
    }
    out->s_addr = htonl(n | def);
    return true;
}

static bool parse_port(const char *s, int min, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < min || v > 65535) {
        return false;
    }
    *out = (int)v;
    return true;
}

/* [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport */
static bool parse_hostfwd(const char *rule, struct in_addr guest_default, HostFwd *f,
                          Error **errp)
{
    g_auto(GStrv) sides = g_strsplit(rule, "-", 2);
    g_auto(GStrv) host = NULL, guest = NULL;
    const char *why = NULL;

    f->rule = g_strdup(rule);
    host = sides[0] && sides[1] ? g_strsplit(sides[0], ":", -1) : NULL;
    guest = host ? g_strsplit(sides[1], ":", -1) : NULL;
    if (!host || g_strv_length(host) != 3 || g_strv_length(guest) != 2) {
        why = "expected [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport";
    } else if (strcmp(host[0], "") && strcmp(host[0], "tcp") && strcmp(host[0], "udp")) {
        why = "the protocol is tcp or udp";
    } else if (*host[1] && inet_pton(AF_INET, host[1], &f->host_addr) != 1) {
        why = "bad host address";
    } else if (!parse_port(host[2], 0, &f->host_port)) {
        why = "bad host port";
    } else if (*guest[0] && inet_pton(AF_INET, guest[0], &f->guest_addr) != 1) {
        why = "bad guest address";
    } else if (!parse_port(guest[1], 1, &f->guest_port)) {
        why = "bad guest port";
    }
    if (why) {
        error_setf(errp, "Invalid host forwarding rule '%s' (%s)", rule, why);
        return false;
    }
    f->udp = !strcmp(host[0], "udp");
    if (!*host[1]) {
        f->host_addr.s_addr = htonl(INADDR_ANY);
    }
    if (!*guest[0]) {
        f->guest_addr = guest_default;
    }
    return true;
}

/* Every value of a key that may repeat: "key", or "key.0", "key.1" ... */
static size_t repeated(const QDict *opts, const char *key, const char **out, size_t max)
{
    size_t n = 0;

    if (qdict_get_str(opts, key)) {
        out[n++] = qdict_get_str(opts, key);
    }
    for (size_t i = 0; n < max; i++) {
        g_autofree char *k = g_strdup_printf("%s.%zu", key, i);
        if (!qdict_get_str(opts, k)) {
            break;
        }
        out[n++] = qdict_get_str(opts, k);
    }
    return n;
}

static bool parse_ipv6(const QDict *opts, SlirpConfig *cfg, Error **errp)
{
    const char *v = qdict_get_str(opts, "ipv6-net");
    g_autofree char *prefix = g_strdup(v ? v : "fec0::/64");
    char *slash = strchr(prefix, '/');
    long bits = 64;

    if (slash) {
        *slash++ = '\0';
        char *end;
        bits = strtol(slash, &end, 10);
        if (*end || end == slash || bits < 1 || bits > 126) {
            error_setf(errp, "Parameter 'ipv6-net': prefix length '%s' is not 1 to 126", slash);
            return false;
        }
    }
    if (inet_pton(AF_INET6, prefix, &cfg->vprefix_addr6) != 1) {
        error_setf(errp, "Parameter 'ipv6-net' expects an IPv6 prefix");
        return false;
    }
    cfg->vprefix_len = (uint8_t)bits;
    static const struct { const char *key; uint8_t last; } members[] = {
        { "ipv6-host", 2 }, { "ipv6-dns", 3 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(members); i++) {
        struct in6_addr *a = i == 0 ? &cfg->vhost6 : &cfg->vnameserver6;
        const char *s = qdict_get_str(opts, members[i].key);
        if (s && inet_pton(AF_INET6, s, a) != 1) {
            error_setf(errp, "Parameter '%s' expects an IPv6 address", members[i].key);
            return false;
        }
        if (!s) {
            *a = cfg->vprefix_addr6;
            a->s6_addr[15] |= members[i].last;
        }
    }
    return true;
}

static bool check_keys(const QDict *opts, Error **errp)
{
    static const char *const refused[] = { "guestfwd", "smb", "smbserver" };
    static const char *const repeatable[] = { "hostfwd", "dnssearch", NULL };

    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        if (qdict_haskey(opts, refused[i])) {
            error_setf(errp, "netdev user: '%s' is not supported", refused[i]);
            return false;
        }
    }
    return net_check_keys(opts, user_keys, repeatable, "user", errp);
}

static bool parse_addresses(const QDict *opts, SlirpConfig *cfg, UserOpts *uo, Error **errp)
{
    const char *net = qdict_get_str(opts, "net");

    if (!parse_net(net ? net : "10.0.2.0/24", &cfg->vnetwork, &cfg->vnetmask, errp) ||
        !net_member(opts, "host", cfg->vnetwork, cfg->vnetmask, 2, &cfg->vhost, errp) ||
        !net_member(opts, "dns", cfg->vnetwork, cfg->vnetmask, 3, &cfg->vnameserver, errp) ||
        !net_member(opts, "dhcpstart", cfg->vnetwork, cfg->vnetmask, 15, &cfg->vdhcp_start,
                    errp)) {
        return false;
    }
    inet_ntop(AF_INET, &cfg->vnetwork, uo->net_text, sizeof(uo->net_text));
    return true;
}

static bool parse_forwards(const QDict *opts, SlirpConfig *cfg, UserOpts *uo, Error **errp)
{
    const char *rules[USER_HOSTFWD_MAX + 1], *search[USER_DNSSEARCH_MAX + 1];
    size_t n = repeated(opts, "hostfwd", rules, G_N_ELEMENTS(rules));

    if (n > USER_HOSTFWD_MAX) {
        error_setf(errp, "netdev user: more than %d hostfwd rules", USER_HOSTFWD_MAX);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!parse_hostfwd(rules[i], cfg->vdhcp_start, &uo->fwd[uo->nfwd++], errp)) {
            return false;
        }
    }
    n = repeated(opts, "dnssearch", search, G_N_ELEMENTS(search));
    if (n > USER_DNSSEARCH_MAX) {
        error_setf(errp, "netdev user: more than %d dnssearch domains", USER_DNSSEARCH_MAX);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uo->dnssearch[uo->ndnssearch++] = g_strdup(search[i]);
    }
    return true;
}

bool user_parse_opts(const QDict *opts, SlirpConfig *cfg, UserOpts *uo, Error **errp)
{
    bool restrict_, ipv4, ipv6;

    memset(cfg, 0, sizeof(*cfg));
    memset(uo, 0, sizeof(*uo));
    cfg->version = 4;
    if (!check_keys(opts, errp) ||
        !opts_get_bool(opts, "restrict", false, &restrict_, errp) ||
        !opts_get_bool(opts, "ipv4", true, &ipv4, errp) ||
        !opts_get_bool(opts, "ipv6", true, &ipv6, errp)) {
        return false;
    }
    if (!ipv4 && !ipv6) {
        error_setf(errp, "netdev user: ipv4 and ipv6 cannot both be off");
        return false;
    }
    cfg->restricted = restrict_;
    cfg->in_enabled = ipv4;
    cfg->in6_enabled = ipv6;
    if (!parse_addresses(opts, cfg, uo, errp) || !parse_ipv6(opts, cfg, errp) ||
        !parse_forwards(opts, cfg, uo, errp)) {
        user_opts_free(uo);
        return false;
    }
    uo->hostname = g_strdup(qdict_get_str(opts, "hostname"));
    uo->domainname = g_strdup(qdict_get_str(opts, "domainname"));
    uo->tftp = g_strdup(qdict_get_str(opts, "tftp"));
    uo->tftp_server_name = g_strdup(qdict_get_str(opts, "tftp-server-name"));
    uo->bootfile = g_strdup(qdict_get_str(opts, "bootfile"));
    cfg->vhostname = uo->hostname;
    cfg->vdomainname = uo->domainname;
    cfg->tftp_path = uo->tftp;
    cfg->tftp_server_name = uo->tftp_server_name;
    cfg->bootfile = uo->bootfile;
    return true;
}

void user_opts_free(UserOpts *uo)
{
    g_free(uo->hostname);
    g_free(uo->domainname);
    g_free(uo->tftp);
    g_free(uo->tftp_server_name);
    g_free(uo->bootfile);
    for (size_t i = 0; i < uo->ndnssearch; i++) {
        g_free(uo->dnssearch[i]);
    }
    for (size_t i = 0; i < uo->nfwd; i++) {
        g_free(uo->fwd[i].rule);
    }
    memset(uo, 0, sizeof(*uo));
}
