/*
 * qemu-img internals shared by the command files: the command table entry,
 * image opening with QEMU's messages, option-value parsers, progress output
 * and the helpers every command needs to report errors like QEMU does.
 */
#ifndef IMG_TOOL_IMG_H
#define IMG_TOOL_IMG_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include "libcore/error.h"
#include "libcore/qobject.h"
#include "block/block.h"

typedef struct ImgCommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;      /* the syntax line shown by --help and on usage errors */
} ImgCommand;

extern const ImgCommand img_commands[];
const ImgCommand *img_find_command(const char *name);

/* Long-option codes shared by the commands (above any short option char). */
enum {
    LOPT_OBJECT = 256, LOPT_IMAGE_OPTS, LOPT_TARGET_IMAGE_OPTS, LOPT_OUTPUT,
    LOPT_BACKING_CHAIN, LOPT_FORCE_SHARE, LOPT_SHRINK, LOPT_PREALLOC, LOPT_START_OFFSET,
    LOPT_MAX_LENGTH, LOPT_SIZE, LOPT_FORCE, LOPT_TARGET_IS_ZERO, LOPT_SALVAGE, LOPT_BITMAPS,
    LOPT_FLUSH_INTERVAL, LOPT_NO_DRAIN, LOPT_PATTERN, LOPT_HELP,
};

/* Print "qemu-img: msg" and "Try 'qemu-img --help'..." and return 1. */
int img_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a getopt failure (unknown option / missing argument) the same way. */
int img_getopt_error(int argc, char **argv, int c);
/* Common handling of '?' and ':' from getopt_long; returns the exit status. */
void img_print_help(void);

/* Output format of --output. */
typedef enum { OFMT_HUMAN, OFMT_JSON } OutputFormat;
bool img_parse_output(const char *arg, OutputFormat *out);

/* Cache modes as -t/-T take them: fills BDRV_O_* flags. */
bool img_parse_cache(const char *mode, int *flags);

/*
 * --object: create the user object, or print the help it asks for. True when the
 * command must stop now with *stop_rc (0 after help, 1 after a reported error).
 */
bool img_object_opt(const char *optarg, int *stop_rc);

/*
 * -l/-s: show an internal snapshot of a read-only source instead of its active
 * image. param is "snapshot.id=ID,snapshot.name=NAME" (either or both) or a bare
 * id or name (tried as an id first). False after reporting the error.
 */
bool img_load_snapshot(BlockDriverState *bs, const char *param);

typedef struct ImgOpenOpts {
    const char *fmt;        /* -f, may be NULL (probe) */
    bool image_opts;        /* filename is a key=value option string */
    bool force_share;       /* -U */
    bool quiet;
    int flags;              /* BDRV_O_* (RDWR, cache, NO_BACKING ...) */
} ImgOpenOpts;
/* Open an image and print QEMU's message on failure (returns NULL). */
BlockDriverState *img_open(const char *filename, const ImgOpenOpts *o);

/* Write pretty JSON and a newline to stdout. */
void img_print_json(const QObject *obj);
/* Human dump of a QDict (format-specific information) with an indent. */
void img_dump_human(const QObject *obj, int indent);

/* "    (12.34/100%)\r" progress, thread safe; enabled by -p or SIGUSR1. */
/* SIGUSR1 asks for one progress line; installed once at start-up. */
void progress_install_signal(void);
void progress_init(bool enabled, double min_step);
void progress_update(uint64_t done, uint64_t total);
void progress_end(void);          /* ends the line: call progress_update(n, n) first */

/* Parse a -o argument into a flat dict, merging repeated -o; "help" detection. */
bool img_opts_is_help(const char *opts);
bool img_size_arg(const char *arg, uint64_t *out);     /* prints the error itself */

/* Snapshot table as qemu-img snapshot -l and info print it. */
void img_dump_snapshots(const SnapshotInfo *sn, int count);

/* Is the buffer all zero? */
bool buffer_is_zero(const void *buf, size_t len);

/* The commands, one function each. */
int img_cmd_create(int argc, char **argv);
int img_cmd_info(int argc, char **argv);
int img_cmd_check(int argc, char **argv);
int img_cmd_convert(int argc, char **argv);
int img_cmd_compare(int argc, char **argv);
int img_cmd_resize(int argc, char **argv);
int img_cmd_snapshot(int argc, char **argv);
int img_cmd_commit(int argc, char **argv);
int img_cmd_rebase(int argc, char **argv);
int img_cmd_map(int argc, char **argv);
int img_cmd_measure(int argc, char **argv);
int img_cmd_amend(int argc, char **argv);
int img_cmd_bench(int argc, char **argv);
int img_cmd_dd(int argc, char **argv);
int img_cmd_bitmap(int argc, char **argv);

#endif
