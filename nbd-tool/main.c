/*
 * qemu-nbd: the entry point. Parses QEMU's qemu-nbd command line, checks the
 * combinations of options, and picks one of the modes: serve an image (the
 * default, optionally to the kernel with -c), list a server's exports (-L),
 * or disconnect a kernel NBD device (-d).
 */
#include "config.h"
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "block/block.h"
#include "libcore/cutils.h"
#include "libcore/object.h"
#include "nbd-tool/nbd-tool.h"
#include "nbd/nbd-proto.h"

#define NBD_COMPAT_VERSION "7.2.0"

enum {
    LOPT_OBJECT = 256, LOPT_IMAGE_OPTS, LOPT_CACHE, LOPT_AIO, LOPT_DISCARD,
    LOPT_DETECT_ZEROES, LOPT_TLS_CREDS, LOPT_TLS_HOSTNAME, LOPT_TLS_AUTHZ, LOPT_FORK,
    LOPT_PID_FILE, LOPT_SELINUX_LABEL,
};

static const char short_opts[] = "hVp:o:b:k:f:rP:sl:nc:de:tvx:D:AB:LT:";

static const struct option long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "port", required_argument, NULL, 'p' },
    { "offset", required_argument, NULL, 'o' },
    { "bind", required_argument, NULL, 'b' },
    { "socket", required_argument, NULL, 'k' },
    { "image-opts", no_argument, NULL, LOPT_IMAGE_OPTS },
    { "format", required_argument, NULL, 'f' },
    { "read-only", no_argument, NULL, 'r' },
    { "partition", required_argument, NULL, 'P' },
    { "snapshot", no_argument, NULL, 's' },
    { "load-snapshot", required_argument, NULL, 'l' },
    { "nocache", no_argument, NULL, 'n' },
    { "cache", required_argument, NULL, LOPT_CACHE },
    { "aio", required_argument, NULL, LOPT_AIO },
    { "discard", required_argument, NULL, LOPT_DISCARD },
    { "detect-zeroes", required_argument, NULL, LOPT_DETECT_ZEROES },
    { "connect", required_argument, NULL, 'c' },
    { "disconnect", no_argument, NULL, 'd' },
    { "shared", required_argument, NULL, 'e' },
    { "persistent", no_argument, NULL, 't' },
    { "verbose", no_argument, NULL, 'v' },
    { "export-name", required_argument, NULL, 'x' },
    { "description", required_argument, NULL, 'D' },
    { "allocation-depth", no_argument, NULL, 'A' },
    { "bitmap", required_argument, NULL, 'B' },
    { "list", no_argument, NULL, 'L' },
    { "object", required_argument, NULL, LOPT_OBJECT },
    { "tls-creds", required_argument, NULL, LOPT_TLS_CREDS },
    { "tls-hostname", required_argument, NULL, LOPT_TLS_HOSTNAME },
    { "tls-authz", required_argument, NULL, LOPT_TLS_AUTHZ },
    { "trace", required_argument, NULL, 'T' },
    { "fork", no_argument, NULL, LOPT_FORK },
    { "pid-file", required_argument, NULL, LOPT_PID_FILE },
    { "selinux-label", required_argument, NULL, LOPT_SELINUX_LABEL },
    { NULL, 0, NULL, 0 },
};

static void print_version(void)
{
    printf("qemu-nbd version " NBD_COMPAT_VERSION " (" PACKAGE_NAME " " PACKAGE_VERSION ")\n"
           "Copyright (c) the " PACKAGE_NAME " authors\n");
}

static void print_help(void)
{
    printf(
"Usage: qemu-nbd [OPTIONS] FILE\n"
"   or: qemu-nbd -L [OPTIONS]\n"
"   or: qemu-nbd -d DEV\n"
"Serve a disk image over the Network Block Device protocol.\n"
"\n"
"  -h, --help                show this text and exit\n"
"  -V, --version             show the version and exit\n"
"\n"
"Where to listen:\n"
"  -p, --port=PORT           TCP port (default 10809)\n"
"  -b, --bind=IFACE          address to listen on (default 0.0.0.0)\n"
"  -k, --socket=PATH         listen on a Unix socket instead of TCP\n"
"  -e, --shared=NUM          serve at most NUM clients at once (default 1,\n"
"                            0 for no limit)\n"
"  -t, --persistent          keep running after the last client has left\n"
"  -v, --verbose             trace the protocol on stderr\n"
"  -x, --export-name=NAME    name of the export (default: the empty name)\n"
"  -D, --description=TEXT    description sent to clients that ask for it\n"
"\n"
"What to export:\n"
"  -o, --offset=OFFSET       export the image from byte OFFSET on\n"
"  -P, --partition=NUM       export MBR partition NUM only (1-4 primary,\n"
"                            5 and up logical)\n"
"  -A, --allocation-depth    offer the qemu:allocation-depth meta context\n"
"  -B, --bitmap=NAME         export a dirty bitmap (refused: this build has\n"
"                            no persistent bitmaps)\n"
"\n"
"Other modes and general options:\n"
"  -L, --list                list the exports of a server (given by -p/-b/-k)\n"
"  --object TYPE,id=ID,...   create an object, e.g. a secret or TLS credentials\n"
"  --tls-creds=ID            use the TLS credentials object ID (server side, or\n"
"                            client side with -L)\n"
"  --tls-hostname=NAME       with -L: the name the server certificate must carry\n"
"  --tls-authz=ID            authorization object (refused: not supported)\n"
"  -T, --trace OPTIONS       tracing (refused: this build has no tracing)\n"
"  --fork                    run in the background; return once serving\n"
"  --pid-file=PATH           write the server's process ID to PATH\n"
"  --selinux-label=LABEL     label of the listening socket (refused: no SELinux)\n"
"\n"
"Linux kernel NBD client:\n"
"  -c, --connect=DEV         attach FILE to the kernel NBD device DEV\n"
"  -d, --disconnect          detach the kernel NBD device DEV\n"
"\n"
"Block device options:\n"
"  -f, --format=FORMAT       image format (probed when omitted)\n"
"  -r, --read-only           refuse writes from clients\n"
"  -s, --snapshot            send writes to a temporary overlay and leave FILE\n"
"                            untouched (the overlay is deleted at exit)\n"
"  -l, --load-snapshot=SNAPSHOT_PARAM\n"
"                            export internal snapshot SNAPSHOT_PARAM read-only:\n"
"                            'snapshot.id=[ID],snapshot.name=[NAME]' or\n"
"                            '[ID_OR_NAME]'\n"
"  -n, --nocache             bypass the host page cache (cache=none)\n"
"      --cache=MODE          none, writeback (default), writethrough,\n"
"                            directsync or unsafe\n"
"      --aio=MODE            threads (native and io_uring are refused)\n"
"      --discard=MODE        ignore (default) or unmap: whether trim requests\n"
"                            reach the image\n"
"      --detect-zeroes=MODE  off (default), on or unmap: turn writes of zeroes\n"
"                            into zero writes (unmap needs --discard=unmap)\n"
"      --image-opts          FILE is a key=value option string, not a file name\n"
"\n"
"The exit status is 0 after a clean shutdown and 1 after any error.\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_report("%s", msg);
    g_free(msg);
    fprintf(stderr, "Try `qemu-nbd --help' for more information.\n");
    return 1;
}

/* Plain numbers only ("1G" is not an offset: QEMU refuses suffixes here). */
static bool parse_plain_u64(const char *arg, uint64_t *out)
{
    if (!g_ascii_isdigit(arg[0])) {
        return false;
    }
    Error *err = NULL;
    if (!parse_uint64(arg, out, &err)) {
        error_free(err);
        return false;
    }
    return true;
}

static bool parse_int_range(const char *arg, int min, int max, int *out)
{
    uint64_t v;
    if (!parse_plain_u64(arg, &v) || v < (uint64_t)min || v > (uint64_t)max) {
        return false;
    }
    *out = (int)v;
    return true;
}

static bool set_cache(NbdToolOpts *o, const char *mode)
{
    if (o->seen_cache) {
        error_report("-n and --cache can only be specified once");
        return false;
    }
    o->seen_cache = true;
    if (!bdrv_parse_cache_mode(mode, &o->cache_flags)) {
        error_report("Invalid cache mode `%s'", mode);
        return false;
    }
    return true;
}

static bool in_list(const char *s, const char *const *names)
{
    for (; *names; names++) {
        if (strcmp(s, *names) == 0) {
            return true;
        }
    }
    return false;
}

/* Store a once-only string option; complain about a second one. */
static bool set_once(const char **slot, const char *val, const char *optname)
{
    if (*slot) {
        error_report("%s can only be specified once", optname);
        return false;
    }
    *slot = val;
    return true;
}

/* One option; false after an error was printed, *stop set for a clean early exit. */
static bool handle_opt(NbdToolOpts *o, int c, const char *arg, bool *stop)
{
    static const char *const aio_modes[] = { "threads", "native", "io_uring", NULL };
    static const char *const discard_modes[] = { "ignore", "off", "unmap", "on", NULL };
    static const char *const dz_modes[] = { "off", "on", "unmap", NULL };
    Error *err = NULL;

    switch (c) {
    case 'h':
        print_help();
        *stop = true;
        return true;
    case 'V':
        print_version();
        *stop = true;
        return true;
    case 'p':
        o->port = arg;
        return true;
    case 'b':
        o->bind = arg;
        return true;
    case 'k':
        o->sockpath = arg;
        return true;
    case 'o':
        if (!parse_plain_u64(arg, &o->offset) || o->offset > INT64_MAX) {
            error_report("Invalid offset '%s'", arg);
            return false;
        }
        o->has_offset = true;
        return true;
    case 'P':
        if (!parse_int_range(arg, 1, 255, &o->partition)) {
            error_report("Invalid partition '%s'", arg);
            return false;
        }
        return true;
    case LOPT_IMAGE_OPTS:
        o->image_opts = true;
        return true;
    case 'f':
        o->fmt = arg;
        return true;
    case 'r':
        o->read_only = true;
        return true;
    case 's':
        o->snapshot = true;
        return true;
    case 'l':
        o->load_snapshot = arg;
        return true;
    case 'n':
        return set_cache(o, "none");
    case LOPT_CACHE:
        return set_cache(o, arg);
    case LOPT_AIO:
        if (o->aio) {
            error_report("--aio can only be specified once");
            return false;
        }
        if (!in_list(arg, aio_modes)) {
            error_report("Invalid aio mode '%s'", arg);
            return false;
        }
        o->aio = arg;
        return true;
    case LOPT_DISCARD:
        if (o->discard) {
            error_report("--discard can only be specified once");
            return false;
        }
        if (!in_list(arg, discard_modes)) {
            error_report("Invalid discard mode `%s'", arg);
            return false;
        }
        o->discard = arg;
        return true;
    case LOPT_DETECT_ZEROES:
        if (o->detect_zeroes) {
            error_report("--detect-zeroes can only be specified once");
            return false;
        }
        if (!in_list(arg, dz_modes)) {
            error_report("Failed to parse detect_zeroes mode: invalid parameter value: %s",
                         arg);
            return false;
        }
        o->detect_zeroes = arg;
        return true;
    case 'c':
        return set_once(&o->connect_dev, arg, "--connect");
    case 'd':
        o->disconnect = true;
        return true;
    case 'e':
        if (!parse_int_range(arg, 0, INT32_MAX, &o->shared)) {
            error_report("Invalid shared device number '%s'", arg);
            return false;
        }
        return true;
    case 't':
        o->persistent = true;
        return true;
    case 'v':
        o->verbose = true;
        return true;
    case 'x':
        if (strlen(arg) > NBD_MAX_STRING_SIZE) {
            error_report("export name '%s' too long", arg);
            return false;
        }
        o->export_name = arg;
        return true;
    case 'D':
        if (strlen(arg) > NBD_MAX_STRING_SIZE) {
            error_report("export description '%s' too long", arg);
            return false;
        }
        o->description = arg;
        return true;
    case 'A':
        o->alloc_depth = true;
        return true;
    case 'B':
        error_report("--bitmap %s: exporting dirty bitmaps is not supported by this build "
                     "(no persistent bitmaps)", arg);
        return false;
    case 'L':
        o->list = true;
        return true;
    case LOPT_OBJECT:
        if (user_object_help_requested(arg)) {
            *stop = true;
            return true;
        }
        if (!user_object_create_str(arg, &err)) {
            error_report_err(err);
            return false;
        }
        return true;
    case LOPT_TLS_CREDS:
        o->tls_creds = arg;
        return true;
    case LOPT_TLS_HOSTNAME:
        o->tls_hostname = arg;
        return true;
    case LOPT_TLS_AUTHZ:
        error_report("--tls-authz %s: TLS authorization objects are not supported by this "
                     "build", arg);
        return false;
    case 'T':
        error_report("-T %s: tracing is not supported by this build", arg);
        return false;
    case LOPT_FORK:
        o->fork = true;
        return true;
    case LOPT_PID_FILE:
        o->pid_file = arg;
        return true;
    case LOPT_SELINUX_LABEL:
        error_report("--selinux-label %s: SELinux labels are not supported by this build",
                     arg);
        return false;
    default:
        /* getopt has printed its message already. */
        fprintf(stderr, "qemu-nbd: Try `qemu-nbd --help' for more information.\n");
        return false;
    }
}

/* Everything -L cannot be combined with (it only talks to another server). */
static bool has_device_settings(const NbdToolOpts *o)
{
    return o->export_name || o->description || o->has_offset || o->partition ||
           o->connect_dev || o->disconnect || o->fmt || o->load_snapshot ||
           o->alloc_depth || o->seen_cache || o->aio || o->discard || o->detect_zeroes ||
           o->snapshot || o->read_only || o->image_opts || o->persistent ||
           o->shared != 1 || o->pid_file;
}

static bool check_list_mode(const NbdToolOpts *o, int nargs)
{
    if (nargs) {
        error_report("List mode is incompatible with a file name");
        return false;
    }
    if (has_device_settings(o)) {
        error_report("List mode is incompatible with per-device settings");
        return false;
    }
    if (o->fork) {
        error_report("List mode is incompatible with forking");
        return false;
    }
    return true;
}

static bool check_serve_mode(const NbdToolOpts *o)
{
    if (o->tls_hostname) {
        error_report("TLS hostname is only supported with export list");
        return false;
    }
    if (o->sockpath && (o->bind || o->port)) {
        error_report("--socket cannot be combined with --bind or --port");
        return false;
    }
    if (o->connect_dev && o->tls_creds) {
        error_report("TLS is not supported with a host device");
        return false;
    }
    if (o->fmt && o->image_opts) {
        error_report("--image-opts and -f are mutually exclusive");
        return false;
    }
    if (o->partition && o->has_offset) {
        error_report("--partition and --offset cannot be used together");
        return false;
    }
    if (o->detect_zeroes && strcmp(o->detect_zeroes, "unmap") == 0 &&
        !(o->discard && (strcmp(o->discard, "unmap") == 0 || strcmp(o->discard, "on") == 0))) {
        error_report("setting detect-zeroes to unmap is not allowed without setting discard "
                     "operation to unmap");
        return false;
    }
    if (o->fork && o->sockpath && o->sockpath[0] != '/') {
        error_report("socket path must be absolute");
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    NbdToolOpts o = { .shared = 1 };
    bool stop = false;
    int c;

    error_set_progname("qemu-nbd");
    /*
     * Request buffers (up to 32 MiB each) come and go on every request: keep
     * them in the heap rather than mmap'd and trimmed, so that the pages are
     * not faulted in again and again (a third of the write path otherwise).
     */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    /* getopt's own messages then start with our name whatever the path was. */
    argv[0] = (char *)"qemu-nbd";
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        if (!handle_opt(&o, c, optarg, &stop)) {
            return 1;
        }
        if (stop) {
            return 0;
        }
    }
    int nargs = argc - optind;
    if (o.tls_hostname && !o.tls_creds) {
        error_report("--tls-hostname is not permitted without --tls-creds");
        return 1;
    }
    nbd_set_verbose(o.verbose);
    if (o.list) {
        return check_list_mode(&o, nargs) ? nbd_tool_list(&o) : 1;
    }
    if (o.disconnect) {
        if (nargs != 1) {
            return usage_error("Invalid number of arguments");
        }
        return nbd_kernel_disconnect(argv[optind]);
    }
    if (nargs != 1) {
        return usage_error("Invalid number of arguments");
    }
    o.filename = argv[optind];
    if (!check_serve_mode(&o)) {
        return 1;
    }
    return nbd_tool_serve(&o);
}
