/*
 * Number and size parsing shared by every command line.
 */
#ifndef LIBCORE_CUTILS_H
#define LIBCORE_CUTILS_H

#include <stdbool.h>
#include <stdint.h>
#include "libcore/error.h"

/*
 * Sizes as QEMU takes them: a number (decimal; fractions allowed with a suffix,
 * e.g. 1.5G), optional suffix B/b (bytes), k/K, M/m, G/g, T/t, P/p, E/e (powers of
 * 1024). default_suffix applies when none is given ('B' for bytes, 'M' for -m).
 * Rejects negative numbers, overflow, trailing garbage and empty strings.
 */
bool parse_size(const char *str, char default_suffix, uint64_t *out, Error **errp);
/* The same returning 0, -EINVAL (malformed) or -ERANGE (above UINT64_MAX), for
 * callers whose messages tell the two apart (qemu-img create). Hex ("0x10") is
 * accepted, fractions are rounded to the nearest byte, leading blanks skipped. */
int parse_size_errno(const char *str, char default_suffix, uint64_t *out);
/* Whole numbers: decimal, 0x hex, 0 octal; ranges checked. */
bool parse_uint64(const char *str, uint64_t *out, Error **errp);
bool parse_int64(const char *str, int64_t *out, Error **errp);
/* "on/off/yes/no/true/false" */
bool parse_bool(const char *str, bool *out, Error **errp);
/* Human size for qemu-img info: "1 GiB", "192 KiB", "512 B", "1.5 GiB". */
char *size_to_human(uint64_t bytes);

#endif
