/*
 * qemu-nbd -L: connect to a server as a client, ask for every export and its
 * details, and print them in the layout QEMU's qemu-nbd uses, so that scripts
 * reading that output work with either program.
 */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "libcore/tls.h"
#include "nbd-tool/nbd-tool.h"
#include "nbd/nbd-proto.h"

SocketAddress *nbd_tool_address(const NbdToolOpts *o)
{
    if (o->sockpath) {
        return socket_address_new_unix(o->sockpath);
    }
    char port[16];
    snprintf(port, sizeof(port), "%d", NBD_DEFAULT_PORT);
    return socket_address_new_inet(o->bind ? o->bind : "0.0.0.0", o->port ? o->port : port);
}

/* Transmission flag names, indexed by bit, as QEMU's listing spells them. */
static const char *const flag_names[] = {
    [1] = "readonly", [2] = "flush", [3] = "fua", [4] = "rotational", [5] = "trim",
    [6] = "zeroes", [7] = "df", [8] = "multi", [9] = "resize", [10] = "cache",
    [11] = "fast-zero",
};

static void print_export(const NbdExportInfo *e)
{
    printf(" export: '%s'\n", e->name ? e->name : "");
    if (e->description && *e->description) {
        printf("  description: %s\n", e->description);
    }
    if (e->flags & NBD_FLAG_HAS_FLAGS) {
        printf("  size:  %" PRIu64 "\n", e->size);
        printf("  flags: 0x%x (", e->flags);
        for (size_t bit = 0; bit < G_N_ELEMENTS(flag_names); bit++) {
            if (flag_names[bit] && (e->flags & (1u << bit))) {
                printf(" %s", flag_names[bit]);
            }
        }
        printf(" )\n");
    }
    if (e->min_block) {
        printf("  min block: %u\n", e->min_block);
        printf("  opt block: %u\n", e->pref_block);
        printf("  max block: %u\n", e->max_block);
    }
    if (e->n_contexts) {
        printf("  available meta contexts: %zu\n", e->n_contexts);
        for (size_t i = 0; i < e->n_contexts; i++) {
            printf("   %s\n", e->contexts[i]);
        }
    }
}

int nbd_tool_list(const NbdToolOpts *o)
{
    Error *err = NULL;
    TlsCreds *creds = NULL;
    if (o->tls_creds) {
        creds = tls_creds_lookup(o->tls_creds, TLS_ENDPOINT_CLIENT, &err);
        if (!creds) {
            error_prepend(&err, "Failed to get TLS creds: ");
            error_report_err(err);
            return 1;
        }
    }
    SocketAddress *addr = nbd_tool_address(o);
    NbdClientConfig cfg = {
        .addr = addr,
        .tls_creds = creds,
        .tls_hostname = o->tls_hostname,
    };
    NbdExportInfo *list = NULL;
    size_t n = 0;
    bool ok = nbd_client_list(&cfg, &list, &n, &err);
    socket_address_free(addr);
    if (!ok) {
        error_report_err(err);
        return 1;
    }
    printf("exports available: %zu\n", n);
    for (size_t i = 0; i < n; i++) {
        print_export(&list[i]);
    }
    nbd_export_info_free_list(list, n);
    return 0;
}
