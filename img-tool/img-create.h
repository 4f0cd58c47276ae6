/*
 * The -o option helpers of qemu-img (create, convert, amend, measure share them).
 */
#ifndef IMG_TOOL_IMG_CREATE_H
#define IMG_TOOL_IMG_CREATE_H

#include "block/block.h"

/* "Supported options:" list of a format, sorted by name, as -o help shows it. */
void img_print_create_help(const BlockDriver *drv);
/* The same with another first line, leaving out names in exclude ("x." = prefix). */
void img_print_opts_help(const BlockDriver *drv, const char *header,
                         const char *const *exclude);
/* Join repeated -o arguments with commas into *acc (g_free it). */
bool img_opts_append(char **acc, const char *arg);
const CreateOptDesc *img_find_create_opt(const BlockDriver *drv, const char *name);
/* Parse -o into a flat dict, refusing keys the format does not know (prints). */
QDict *img_parse_create_opts(const BlockDriver *drv, const char *optstr, const char *ctx);
/* "Formatting 'file', fmt=... key=value ..." */
void img_print_formatting(const char *filename, const BlockDriver *drv, QDict *opts);
/* A backing name resolved against the directory of image (g_free). */
char *img_backing_path(const char *image, const char *backing);

#endif
