/*
 * libFuzzer target for the NBD server: the input is everything a client sends
 * (client flags, options, requests and payloads, after the server's greeting).
 * It is fed over a socketpair to the synchronous entry point serving a small
 * raw export and a qcow2 export with allocation depth, while a thread drains
 * the replies. Any input must end in a clean disconnect: no crash, hang, leak
 * or out-of-bounds access.
 */
#define _GNU_SOURCE
#include "config.h"
#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "block/block.h"
#include "block/block-backend.h"
#include "nbd/nbd.h"
#include "tests/fuzz/fuzz-feed.h"
#include "nbd/server-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static NbdServer *srv;

static BlockBackend *memfd_image(const char *fmt)
{
    int fd = memfd_create("fuzz-nbd", 0);
    char path[64];
    Error *err = NULL;
    if (fd < 0) {
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (!strcmp(fmt, "raw")) {
        if (ftruncate(fd, 1 << 20) < 0) {
            abort();
        }
    } else {
        QDict *copts = qdict_new();
        qdict_put_str(copts, "size", "1M");
        if (bdrv_create(bdrv_find_format(fmt), path, copts, &err) < 0) {
            fprintf(stderr, "%s\n", error_message(err));
            abort();
        }
        qobject_unref(copts);
    }
    QDict *opts = qdict_new();
    qdict_put_str(opts, "driver", fmt);
    BlockBackend *blk = blk_new_open(path, opts, BDRV_O_RDWR | BDRV_O_NO_FLUSH | BDRV_O_UNMAP,
                                     &err);
    if (!blk) {
        fprintf(stderr, "%s\n", error_message(err));
        abort();
    }
    uint8_t buf[4096];
    memset(buf, 0x5a, sizeof(buf));
    blk_pwrite(blk, 8192, sizeof(buf), buf, 0);
    return blk;
}

static void init(void)
{
    NbdServerConfig cfg = { 0 };
    srv = nbd_server_new(&cfg);
    NbdExportConfig raw = { .name = "", .description = "fuzz", .blk = memfd_image("raw") };
    NbdExportConfig q = {
        .name = "q", .blk = memfd_image("qcow2"), .allocation_depth = true,
    };
    NbdExportConfig ro = { .name = "ro", .blk = raw.blk, .read_only = true };
    if (!nbd_server_add_export(srv, &raw, NULL) || !nbd_server_add_export(srv, &q, NULL) ||
        !nbd_server_add_export(srv, &ro, NULL)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        abort();
    }
    Feed f = { sv[1], data, size };
    pthread_t w, d;
    if (pthread_create(&w, NULL, feed_writer, &f) || pthread_create(&d, NULL, feed_drainer, &f)) {
        abort();
    }
    nbd_server_serve_fd_sync(srv, sv[0]);   /* closes sv[0] */
    pthread_join(w, NULL);
    pthread_join(d, NULL);
    close(sv[1]);
    return 0;
}
