/*
 * The debug log behind -d and -D: a mask of named items, one output (stderr or a
 * file), whole lines written atomically so that several threads can log at once.
 */
#ifndef LIBCORE_LOG_H
#define LIBCORE_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>
#include "libcore/error.h"

/* The -d items (bit values; names as QEMU spells them). */
enum {
    LOG_OUT_ASM      = 1u << 0,   /* out_asm: host code of each new TB */
    LOG_IN_ASM       = 1u << 1,   /* in_asm: guest code of each new TB */
    LOG_OP           = 1u << 2,   /* op: IR as translated */
    LOG_OP_OPT       = 1u << 3,   /* op_opt: IR after the optimizer */
    LOG_INT          = 1u << 4,   /* int: exceptions and signals */
    LOG_EXEC         = 1u << 5,   /* exec: each TB entered from the loop */
    LOG_CPU          = 1u << 6,   /* cpu: registers before each TB entered */
    LOG_UNIMP        = 1u << 7,   /* unimp: unimplemented syscalls and features */
    LOG_GUEST_ERROR  = 1u << 8,   /* guest_errors */
    LOG_PAGE         = 1u << 9,   /* page: guest mappings */
    LOG_NOCHAIN      = 1u << 10,  /* nochain: do not chain TBs */
    LOG_STRACE       = 1u << 11,  /* strace: same as -strace */
    LOG_TID          = 1u << 12,  /* tid: with -D, %d in the file name is the tid */
};

extern unsigned qemu_loglevel;

static inline bool qemu_loglevel_mask(unsigned mask)
{
    return (qemu_loglevel & mask) != 0;
}

/* "in_asm,exec" -> mask. Unknown item: error naming it. "help" is the caller's. */
bool qemu_log_parse_mask(const char *str, unsigned *mask, Error **errp);
/* The text -d help prints: one line per item with its description. g_free. */
char *qemu_log_help_text(void);
void qemu_log_set_mask(unsigned mask);
/* -D path ("%d" becomes the pid, or the tid with LOG_TID); NULL: stderr. */
bool qemu_log_set_file(const char *path, Error **errp);
void qemu_log_close(void);

/* Append formatted text; a call that does not end in '\n' is held until one does. */
void qemu_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
#define qemu_log_mask(mask, ...) \
    do { if (qemu_loglevel_mask(mask)) { qemu_log(__VA_ARGS__); } } while (0)
/* Group several qemu_log calls into one uninterrupted block. */
void qemu_log_lock(void);
void qemu_log_unlock(void);

#endif
