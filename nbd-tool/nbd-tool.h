/*
 * qemu-nbd internals shared by its files: the parsed command line, and the
 * pieces main() strings together (image opening, MBR partitions, the kernel
 * NBD device, -L listing, the listening server and its main loop).
 */
#ifndef NBD_TOOL_NBD_TOOL_H
#define NBD_TOOL_NBD_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include "block/block-backend.h"
#include "libcore/error.h"
#include "nbd/nbd.h"

typedef struct NbdToolOpts {
    /* where to listen (or, with -L, where to connect) */
    const char *port;
    const char *bind;
    const char *sockpath;
    /* the image */
    const char *filename;
    const char *fmt;
    bool image_opts;
    bool read_only;
    bool snapshot;
    const char *load_snapshot;
    int partition;              /* 0: the whole image */
    uint64_t offset;
    bool has_offset;
    int cache_flags;            /* BDRV_O_NOCACHE/DSYNC/NO_FLUSH */
    bool seen_cache;
    const char *aio;
    const char *discard;
    const char *detect_zeroes;
    /* the export */
    const char *export_name;
    const char *description;
    bool alloc_depth;
    int shared;                 /* 0: unlimited */
    bool persistent;
    /* modes */
    bool list;
    const char *connect_dev;
    bool disconnect;
    /* misc */
    const char *tls_creds;
    const char *tls_hostname;
    bool fork;
    const char *pid_file;
    bool verbose;
} NbdToolOpts;

/* Print QEMU's probed-raw warning text (shared with qemu-img). */
void nbd_tool_warn_probed_raw(const char *filename);

/* Open the image with every block option of the command line (image.c). */
BlockBackend *nbd_tool_open_image(const NbdToolOpts *o, Error **errp);

/*
 * Find MBR partition num (1-4 primary, 5+ logical through the chain of
 * extended boot records) of blk: byte offset and length (partition.c).
 */
bool mbr_find_partition(BlockBackend *blk, int num, uint64_t *offset, uint64_t *size,
                        Error **errp);

/* Where to listen, or with -L where to connect: -k, else -b/-p (0.0.0.0:10809). */
SocketAddress *nbd_tool_address(const NbdToolOpts *o);

/* -L: list the exports of a server as QEMU prints them; the exit status. */
int nbd_tool_list(const NbdToolOpts *o);

/* -d DEV: disconnect a kernel NBD device; the exit status (kernel.c). */
int nbd_kernel_disconnect(const char *dev);

/* -c DEV: the kernel client, served by srv over a socketpair (kernel.c). */
typedef struct NbdKernel NbdKernel;
/* done is called from the device thread when the kernel lets go of the device. */
NbdKernel *nbd_kernel_connect(const char *dev, NbdServer *srv, const char *export_name,
                              bool read_only, void (*done)(void *), void *opaque,
                              Error **errp);
bool nbd_kernel_finished(NbdKernel *k);
/* Ask the kernel to disconnect (if still connected), wait for the thread, free. */
void nbd_kernel_close(NbdKernel *k);

/*
 * --fork: returns in the child; the parent exits with the child's verdict.
 * keep_stderr: after start-up, log to the original stderr (else /dev/null).
 */
void nbd_tool_daemonize(bool keep_stderr);
/* The child is ready: the parent exits 0. */
void nbd_tool_daemon_ready(void);

/* Serve until a signal, or the last client leaves without -t; the exit status. */
int nbd_tool_serve(const NbdToolOpts *o);

#endif
