/*
 * qemu-img: the entry point. Handles the global options (-h, -V, -T, --object)
 * and dispatches to one function per command through a table.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "img-tool/img.h"

#define IMG_COMPAT_VERSION "7.2.0"

const ImgCommand img_commands[] = {
    { "amend", img_cmd_amend,
      "amend [--object objectdef] [--image-opts] [-p] [-q] [-f fmt] [-t cache] [--force] "
      "-o options filename" },
    { "bench", img_cmd_bench,
      "bench [-c count] [-d depth] [-f fmt] [--flush-interval=flush_interval] [-i aio] "
      "[-n] [--no-drain] [-o offset] [--pattern=pattern] [-q] [-s buffer_size] "
      "[-S step_size] [-t cache] [-w] [-U] filename" },
    { "bitmap", img_cmd_bitmap,
      "bitmap (--merge SOURCE | --add | --remove | --clear | --enable | --disable)... "
      "[-b source_file [-F source_fmt]] [-g granularity] [--object objectdef] "
      "[--image-opts | -f fmt] filename bitmap" },
    { "check", img_cmd_check,
      "check [--object objectdef] [--image-opts] [-q] [-f fmt] [--output=ofmt] "
      "[-r [leaks | all]] [-T src_cache] [-U] filename" },
    { "commit", img_cmd_commit,
      "commit [--object objectdef] [--image-opts] [-q] [-f fmt] [-t cache] [-b base] "
      "[-r rate_limit] [-d] [-p] filename" },
    { "compare", img_cmd_compare,
      "compare [--object objectdef] [--image-opts] [-f fmt] [-F fmt] [-T src_cache] "
      "[-p] [-q] [-s] [-U] filename1 filename2" },
    { "convert", img_cmd_convert,
      "convert [--object objectdef] [--image-opts] [--target-image-opts] "
      "[--target-is-zero] [--bitmaps] [-U] [-C] [-c] [-p] [-q] [-n] [-f fmt] [-t cache] "
      "[-T src_cache] [-O output_fmt] [-B backing_file [-F backing_fmt]] [-o options] "
      "[-l snapshot_param] [-S sparse_size] [-r rate_limit] [-m num_coroutines] [-W] "
      "[--salvage] filename [filename2 [...]] output_filename" },
    { "create", img_cmd_create,
      "create [--object objectdef] [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] "
      "[-o options] filename [size]" },
    { "dd", img_cmd_dd,
      "dd [--image-opts] [-U] [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] "
      "[skip=blocks] if=input of=output" },
    { "info", img_cmd_info,
      "info [--object objectdef] [--image-opts] [-f fmt] [--output=ofmt] [--backing-chain] "
      "[-U] filename" },
    { "map", img_cmd_map,
      "map [--object objectdef] [--image-opts] [-f fmt] [--start-offset=offset] "
      "[--max-length=len] [--output=ofmt] [-U] filename" },
    { "measure", img_cmd_measure,
      "measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [--object objectdef] "
      "[--image-opts] [-f fmt] [-l snapshot_param] filename]" },
    { "snapshot", img_cmd_snapshot,
      "snapshot [--object objectdef] [--image-opts] [-U] [-q] "
      "[-l | -a snapshot | -c snapshot | -d snapshot] filename" },
    { "rebase", img_cmd_rebase,
      "rebase [--object objectdef] [--image-opts] [-U] [-q] [-f fmt] [-t cache] "
      "[-T src_cache] [-p] [-u] -b backing_file [-F backing_fmt] filename" },
    { "resize", img_cmd_resize,
      "resize [--object objectdef] [--image-opts] [-f fmt] [--preallocation=prealloc] [-q] "
      "[--shrink] filename [+ | -]size" },
    { NULL, NULL, NULL },
};

const ImgCommand *img_find_command(const char *name)
{
    for (const ImgCommand *c = img_commands; c->name; c++) {
        if (strcmp(c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

static void print_version(void)
{
    printf("qemu-img version " IMG_COMPAT_VERSION " (" PACKAGE_NAME " " PACKAGE_VERSION ")\n"
           "Copyright (c) the " PACKAGE_NAME " authors\n");
}

void img_print_help(void)
{
    print_version();
    printf("usage: qemu-img [standard options] command [command options]\n"
           "Disk image tool: create, inspect, check, convert and modify disk images.\n"
           "\n"
           "    '-h', '--help'       show this text and exit\n"
           "    '-V', '--version'    show the version and exit\n"
           "    '-T', '--trace'      [[enable=]<pattern>][,events=<file>][,file=<file>]\n"
           "                         tracing options (refused: this build has no tracing)\n"
           "\n"
           "Command syntax:\n");
    for (const ImgCommand *c = img_commands; c->name; c++) {
        printf("  %s\n", c->usage);
    }
    printf("\n"
           "Command parameters:\n"
           "  'filename' names a disk image; with --image-opts it is an option string\n"
           "    such as 'driver=qcow2,file.filename=disk.qcow2'\n"
           "  'objectdef' defines a user object, e.g. 'secret,id=sec0,data=pass'\n"
           "  'fmt' is the image format; it is probed from the content when omitted\n"
           "  'cache' is the cache mode for writing: 'none', 'writeback' (default,\n"
           "    except for convert), 'writethrough', 'directsync' or 'unsafe'\n"
           "    (default for convert)\n"
           "  'src_cache' is the cache mode for reading source images (same values)\n"
           "  'size' is a byte count with an optional suffix k/K, M, G, T, P or E\n"
           "    (powers of 1024); a 'b' suffix means bytes\n"
           "  'output_filename' and 'output_fmt' name the destination and its format\n"
           "  'options' are comma-separated name=value format options; '-o help'\n"
           "    lists the options of a format\n"
           "  'snapshot_param' is 'snapshot.id=[ID],snapshot.name=[NAME]' or '[ID_OR_NAME]'\n"
           "  '-c' compresses the target (formats with compression only)\n"
           "  '-u' unsafe mode: rebase only rewrites the backing name; create does not\n"
           "       open the backing file\n"
           "  '-h' shows this text and the supported formats\n"
           "  '-p' shows progress; '-q' prints nothing but errors\n"
           "  '-S' is the length of zero runs (default 4k) that convert leaves sparse;\n"
           "       0 writes every byte (fully allocated target)\n"
           "  '--output' is 'human' or 'json'\n"
           "  '-n' uses an existing target instead of creating it\n"
           "\n"
           "check: '-r leaks' repairs leaked clusters only, '-r all' repairs every\n"
           "  kind of error (a riskier choice).\n"
           "convert: '-m' is the number of parallel workers (default one per CPU,\n"
           "  at least 2 and at most 8; up to 16 with -c), '-W' allows writing out\n"
           "  of order.\n"
           "snapshot: '-a' applies, '-c' creates, '-d' deletes, '-l' lists.\n"
           "compare: '-f'/'-F' are the formats of the two images, '-s' is strict mode\n"
           "  (image size and allocation must match too).\n"
           "dd: 'bs=BYTES' block size (default 512), 'count=N' blocks to copy,\n"
           "  'if=FILE' input, 'of=FILE' output, 'skip=N' input blocks to skip.\n"
           "\n"
           "Supported formats:");
    size_t n = 0;
    const char **names = bdrv_format_names(&n);
    for (size_t i = 0; i < n; i++) {
        printf(" %s", names[i]);
    }
    g_free(names);
    printf("\n");
}

/* The command being run, so that usage errors can show its syntax. */
static const ImgCommand *current_command;

int img_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_report("%s", msg);
    g_free(msg);
    if (current_command) {
        fprintf(stderr, "Usage: qemu-img %s\n", current_command->usage);
    }
    fprintf(stderr, "Try 'qemu-img --help' for more information\n");
    return 1;
}

static const struct option global_longopts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "trace", required_argument, NULL, 'T' },
    { "object", required_argument, NULL, LOPT_OBJECT },
    { NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
    error_set_progname("qemu-img");
    progress_install_signal();
    if (argc < 2) {
        return img_usage_error("Not enough arguments");
    }
    /* Global options come before the command; stop at the first non-option. */
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:hVT:", global_longopts, NULL)) != -1) {
        int stop_rc;
        switch (c) {
        case 'h':
            img_print_help();
            return 0;
        case 'V':
            print_version();
            return 0;
        case 'T':
            error_report("-T %s: tracing is not supported by this build", optarg);
            return 1;
        case LOPT_OBJECT:
            if (img_object_opt(optarg, &stop_rc)) {
                return stop_rc;
            }
            break;
        default:
            return img_getopt_error(argc, argv, c);
        }
    }
    if (optind >= argc) {
        return img_usage_error("Not enough arguments");
    }
    const char *cmdname = argv[optind];
    if (strcmp(cmdname, "help") == 0) {
        img_print_help();
        return 0;
    }
    const ImgCommand *cmd = img_find_command(cmdname);
    if (!cmd) {
        return img_usage_error("Command not found: %s", cmdname);
    }
    current_command = cmd;
    /* Each command parses its own options with argv[0] = the command name. */
    argc -= optind;
    argv += optind;
    optind = 0;
    return cmd->run(argc, argv);
}
