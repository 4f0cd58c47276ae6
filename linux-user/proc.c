/*
 * /proc emulation: the files under /proc/self (and /proc/<our pid>) that
 * describe the guest rather than the emulator — maps, auxv, cmdline, environ,
 * stat, exe — and /proc/cpuinfo. Generated content is served from a memfd so the
 * guest reads, seeks and fstats it like the real file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "linux-user/files-int.h"

/* Column where the kernel starts a maps line's path (64-bit). */
#define MAPS_PATH_COLUMN 73
/* Cap on the guest memory copied into auxv / cmdline. */
#define PROC_COPY_MAX (1u << 20)

typedef GString *(*ProcGenFn)(void);

typedef struct ProcFile {
    const char *name;       /* under /proc/self/ */
    ProcGenFn gen;
} ProcFile;

/* ---- host maps, for file names and offsets ---- */

typedef struct HostMap {
    uintptr_t start, end;
    char perms[5];
    uint64_t offset;
    char dev[16];
    uint64_t inode;
    char *path;
} HostMap;

/* m continues prev's mapping of the same object (only the protection differs). */
static bool extends_prev(const HostMap *prev, const HostMap *m)
{
    return prev->end == m->start && prev->inode == m->inode &&
           strcmp(prev->dev, m->dev) == 0 && strcmp(prev->path, m->path) == 0 &&
           prev->perms[3] == m->perms[3] &&
           (m->inode == 0 || prev->offset + (prev->end - prev->start) == m->offset);
}

static GArray *read_host_maps(void)
{
    GArray *maps = g_array_new(FALSE, TRUE, sizeof(HostMap));
    FILE *f = fopen("/proc/self/maps", "re");
    char line[4096];

    if (!f) {
        return maps;
    }
    while (fgets(line, sizeof(line), f)) {
        HostMap m = { 0 };
        int pos = 0;
        unsigned long s, e;

        if (sscanf(line, "%lx-%lx %4s %" SCNx64 " %15s %" SCNu64 " %n",
                   &s, &e, m.perms, &m.offset, m.dev, &m.inode, &pos) < 6) {
            continue;
        }
        m.start = s;
        m.end = e;
        m.path = g_strchomp(g_strdup(line + pos));
        if (maps->len && extends_prev(&g_array_index(maps, HostMap, maps->len - 1), &m)) {
            /* Our write-protection of code pages splits the host mapping. */
            g_array_index(maps, HostMap, maps->len - 1).end = m.end;
            g_free(m.path);
            continue;
        }
        g_array_append_val(maps, m);
    }
    fclose(f);
    return maps;
}

static void free_host_maps(GArray *maps)
{
    for (guint i = 0; i < maps->len; i++) {
        g_free(g_array_index(maps, HostMap, i).path);
    }
    g_array_free(maps, TRUE);
}

typedef struct MapsCtx {
    GString *out;
    GArray *host;
    abi_ulong run_start, run_end;   /* the run not yet printed */
    int run_flags;
} MapsCtx;

/* What a maps line shows; other bits are the runtime's own bookkeeping. */
#define MAPS_FLAGS (PAGE_VALID | PAGE_READ | PAGE_WRITE_ORG | PAGE_EXEC)

/* Names the kernel gives the guest's own special regions. */
static const char *guest_region_name(abi_ulong start, abi_ulong end)
{
    if (user_proc.start_stack >= start && user_proc.start_stack < end) {
        return "[stack]";
    }
    if (user_proc.brk > user_proc.start_brk && start >= user_proc.start_brk &&
        start < TARGET_PAGE_ALIGN(user_proc.brk)) {
        return "[heap]";
    }
    return NULL;
}

static void maps_line(MapsCtx *c, abi_ulong start, abi_ulong end, int flags,
                      const HostMap *hm)
{
    const char *name = guest_region_name(start, end);
    /* Host pseudo-files ([heap], [anon:...]) say nothing about the guest. */
    bool file = !name && hm && hm->path[0] == '/';
    uint64_t off = 0;
    size_t col0 = c->out->len;

    if (file) {
        off = hm->offset + (uint64_t)((uintptr_t)g2h(start) - hm->start);
        name = hm->path;
    }
    g_string_append_printf(c->out, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64
                           " %s %" PRIu64,
                           (uint64_t)start, (uint64_t)end,
                           (flags & PAGE_READ) ? 'r' : '-',
                           (flags & PAGE_WRITE_ORG) ? 'w' : '-',
                           (flags & PAGE_EXEC) ? 'x' : '-',
                           hm && hm->perms[3] == 's' ? 's' : 'p',
                           off, file ? hm->dev : "00:00", file ? hm->inode : 0);
    if (name) {
        while (c->out->len - col0 < MAPS_PATH_COLUMN) {
            g_string_append_c(c->out, ' ');
        }
        g_string_append(c->out, name);
    } else {
        g_string_append_c(c->out, ' ');     /* the kernel's empty name */
    }
    g_string_append_c(c->out, '\n');
}

/* One guest run of equal page flags, split where the host mapping changes. */
static int emit_region(void *opaque, abi_ulong start, abi_ulong end, int flags)
{
    MapsCtx *c = opaque;
    abi_ulong cur = start;

    if (!(flags & PAGE_VALID)) {
        return 0;
    }
    /* The heap starts a region of its own, as in the kernel. */
    if (start < user_proc.start_brk && user_proc.start_brk < end &&
        user_proc.brk > user_proc.start_brk) {
        emit_region(opaque, start, user_proc.start_brk, flags);
        return emit_region(opaque, user_proc.start_brk, end, flags);
    }
    for (guint i = 0; i < c->host->len && cur < end; i++) {
        const HostMap *hm = &g_array_index(c->host, HostMap, i);
        uintptr_t hs = (uintptr_t)g2h(cur);
        abi_ulong piece_end;

        if (hm->end <= hs) {
            continue;
        }
        if (hm->start > hs) {
            /* A hole in the host's view: print it without file details. */
            piece_end = MIN(end, h2g((void *)hm->start));
            maps_line(c, cur, piece_end, flags, NULL);
            cur = piece_end;
            if (cur >= end) {
                break;
            }
        }
        piece_end = MIN(end, h2g((void *)hm->end));
        maps_line(c, cur, piece_end, flags, hm);
        cur = piece_end;
    }
    if (cur < end) {
        maps_line(c, cur, end, flags, NULL);
    }
    return 0;
}

/* walk_memory_regions callback: merge runs that look the same to the guest. */
static int maps_region(void *opaque, abi_ulong start, abi_ulong end, int flags)
{
    MapsCtx *c = opaque;

    flags &= MAPS_FLAGS;
    if (c->run_flags && c->run_end == start && c->run_flags == flags) {
        c->run_end = end;
        return 0;
    }
    if (c->run_flags) {
        emit_region(c, c->run_start, c->run_end, c->run_flags);
    }
    c->run_start = start;
    c->run_end = end;
    c->run_flags = (flags & PAGE_VALID) ? flags : 0;
    return 0;
}

static GString *gen_maps(void)
{
    MapsCtx c = { g_string_new(NULL), read_host_maps(), 0, 0, 0 };

    mmap_lock();
    walk_memory_regions(&c, maps_region);
    mmap_unlock();
    if (c.run_flags) {
        emit_region(&c, c.run_start, c.run_end, c.run_flags);
    }
    free_host_maps(c.host);
    return c.out;
}

/* ---- copies of guest memory ---- */

static GString *gen_guest_bytes(abi_ulong start, abi_ulong len)
{
    GString *out = g_string_new(NULL);
    void *p;

    len = MIN(len, PROC_COPY_MAX);
    p = len ? lock_user(VERIFY_READ, start, len, true) : NULL;
    if (p) {
        g_string_append_len(out, p, (gssize)len);
        unlock_user(p, start, 0);
    }
    return out;
}

static GString *gen_auxv(void)
{
    return gen_guest_bytes(user_proc.auxv, user_proc.auxv_len);
}

static GString *gen_cmdline(void)
{
    return gen_guest_bytes(user_proc.arg_start, user_proc.arg_end - user_proc.arg_start);
}

static GString *gen_environ(void)
{
    return gen_guest_bytes(user_proc.env_start, user_proc.env_end - user_proc.env_start);
}

/* ---- stat ---- */

/* Field numbers (1-based, proc(5)) that describe the guest's memory layout. */
static bool stat_guest_field(int field, uint64_t *v)
{
    switch (field) {
    case 26: *v = user_proc.start_code; return true;
    case 27: *v = user_proc.end_code; return true;
    case 28: *v = user_proc.start_stack; return true;
    case 29: case 30: *v = 0; return true;     /* kstkesp, kstkeip */
    case 45: *v = user_proc.start_data; return true;
    case 46: *v = user_proc.end_data; return true;
    case 47: *v = user_proc.start_brk; return true;
    case 48: *v = user_proc.arg_start; return true;
    case 49: *v = user_proc.arg_end; return true;
    case 50: *v = user_proc.env_start; return true;
    case 51: *v = user_proc.env_end; return true;
    default: return false;
    }
}

static GString *gen_stat(void)
{
    GString *out = g_string_new(NULL);
    g_autofree char *host = NULL;
    g_autofree char *comm = NULL;
    g_auto(GStrv) fields = NULL;
    const char *rest;

    if (!g_file_get_contents("/proc/self/stat", &host, NULL, NULL) ||
        !(rest = strrchr(host, ')')) || rest[1] != ' ') {
        return out;
    }
    comm = g_path_get_basename(user_proc.argc > 0 ? user_proc.argv[0]
                                                  : user_proc.exec_path);
    if (strlen(comm) > 15) {
        comm[15] = '\0';        /* TASK_COMM_LEN - 1 */
    }
    g_string_append_printf(out, "%d (%s)", (int)getpid(), comm);
    fields = g_strsplit(g_strchomp((char *)rest + 2), " ", -1);
    for (int i = 0; fields[i]; i++) {
        int field = i + 3;
        uint64_t v;

        if (stat_guest_field(field, &v)) {
            g_string_append_printf(out, " %" PRIu64, v);
        } else {
            g_string_append_printf(out, " %s", fields[i]);
        }
    }
    g_string_append_c(out, '\n');
    return out;
}

static GString *gen_cpuinfo(void)
{
    char *s = target_proc_cpuinfo();
    GString *out = g_string_new(s ? s : "");

    g_free(s);
    return out;
}

static const ProcFile self_files[] = {
    { "maps", gen_maps },
    { "auxv", gen_auxv },
    { "cmdline", gen_cmdline },
    { "environ", gen_environ },
    { "stat", gen_stat },
};

/* ---- matching guest paths ---- */

/* The part after "/proc/self/" or "/proc/<our pid>/", or NULL. */
static const char *self_entry(const char *p)
{
    char pid[24];
    size_t n;

    if (!g_str_has_prefix(p, "/proc/")) {
        return NULL;
    }
    p += 6;
    if (g_str_has_prefix(p, "self/")) {
        return p + 5;
    }
    n = (size_t)snprintf(pid, sizeof(pid), "%d/", (int)getpid());
    return strncmp(p, pid, n) == 0 ? p + n : NULL;
}

/* A memfd holding text, positioned at its start. */
static abi_long memfd_with(GString *text, int host_flags)
{
    unsigned mfd_flags = (host_flags & O_CLOEXEC) ? MFD_CLOEXEC : 0;
    int fd = (int)syscall(SYS_memfd_create, "qemu-proc", mfd_flags);
    size_t done = 0;

    if (fd < 0) {
        return -host_to_target_errno(errno);
    }
    while (done < text->len) {
        ssize_t w = write(fd, text->str + done, text->len - done);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            return -host_to_target_errno(e);
        }
        done += (size_t)w;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

bool proc_open(int dirfd, const char *guest_path, int host_flags, mode_t mode,
               abi_long *ret)
{
    const char *entry;
    GString *text = NULL;

    (void)dirfd;    /* only absolute names are recognised */
    if ((host_flags & O_ACCMODE) != O_RDONLY) {
        return false;
    }
    if (strcmp(guest_path, "/proc/cpuinfo") == 0) {
        text = gen_cpuinfo();
    } else if ((entry = self_entry(guest_path))) {
        if (strcmp(entry, "exe") == 0 && user_proc.exec_realpath) {
            *ret = get_errno(open(user_proc.exec_realpath, host_flags, mode));
            return true;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(self_files); i++) {
            if (strcmp(entry, self_files[i].name) == 0) {
                text = self_files[i].gen();
                break;
            }
        }
    }
    if (!text) {
        return false;
    }
    *ret = memfd_with(text, host_flags);
    g_string_free(text, TRUE);
    return true;
}

bool proc_readlink(int dirfd, const char *guest_path, char *buf, size_t bufsz,
                   abi_long *ret)
{
    const char *entry = self_entry(guest_path);
    const char *target = user_proc.exec_realpath;
    size_t n;

    (void)dirfd;
    if (!entry || strcmp(entry, "exe") != 0 || !target) {
        return false;
    }
    n = MIN(strlen(target), bufsz);
    memcpy(buf, target, n);
    *ret = (abi_long)n;
    return true;
}

const char *proc_exe_path(const char *guest_path)
{
    const char *entry = self_entry(guest_path);

    if (entry && strcmp(entry, "exe") == 0 && user_proc.exec_realpath) {
        return user_proc.exec_realpath;
    }
    return NULL;
}
