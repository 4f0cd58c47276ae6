/*
 * Filesystem commands: mounted filesystems and disks (mountinfo + sysfs),
 * freeze/thaw with FIFREEZE/FITHAW and the freeze hook, and FITRIM.
 */
#include "config.h"
#include "qga/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct Mount {
    char *dir;
    char *type;
    char *source;
    unsigned major, minor;
} Mount;

static void mount_free(gpointer p)
{
    Mount *m = p;
    g_free(m->dir);
    g_free(m->type);
    g_free(m->source);
    g_free(m);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(const char *s)
{
    GString *out = g_string_new(NULL);
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            g_string_append_c(out, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
            s += 3;
        } else {
            g_string_append_c(out, *s);
        }
    }
    return g_string_free(out, FALSE);
}

static const char *const network_fs[] = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "afs", "glusterfs",
    "fuse.sshfs", NULL,
};

/*
 * Local, real filesystems in mount order. Anonymous devices (major 0) are
 * virtual filesystems, except btrfs which always uses one.
 */
static GPtrArray *mount_list(Error **errp)
{
    char *text = ga_read_file("/proc/self/mountinfo", errp);
    if (!text) {
        return NULL;
    }
    GPtrArray *mounts = g_ptr_array_new_with_free_func(mount_free);
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char **f = g_strsplit(*l, " ", -1);
        guint n = g_strv_length(f), sep = 6;
        while (sep < n && strcmp(f[sep], "-")) {
            sep++;
        }
        unsigned maj, min;
        if (n < 10 || sep + 2 >= n || sscanf(f[2], "%u:%u", &maj, &min) != 2) {
            g_strfreev(f);
            continue;
        }
        const char *type = f[sep + 1];
        if ((maj == 0 && strcmp(type, "btrfs")) ||
            g_strv_contains(network_fs, type)) {
            g_strfreev(f);
            continue;
        }
        Mount *m = g_new0(Mount, 1);
        m->dir = unescape_octal(f[4]);
        m->type = g_strdup(type);
        m->source = unescape_octal(f[sep + 2]);
        m->major = maj;
        m->minor = min;
        g_ptr_array_add(mounts, m);
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(text);
    return mounts;
}

/* ---- disk addresses (best effort from sysfs) ---- */

static const struct {
    const char *marker, *bus;
} bus_markers[] = {
    { "/virtio", "virtio" }, { "/nvme", "nvme" }, { "/usb", "usb" },
    { "/ata", "sata" }, { "/ide", "ide" }, { "/host", "scsi" }, { "/mmc", "sd" },
    { "/xen", "xen" },
};

static void put_pci_address(QDict *addr, const char *syspath)
{
    int dom = -1, bus = -1, slot = -1, fn = -1;
    /* The last PCI address on the path is the disk's controller. */
    for (const char *p = syspath; (p = strchr(p, '/')); p++) {
        int d, b, s, f;
        char tail;
        if (sscanf(p + 1, "%4x:%2x:%2x.%1x%c", &d, &b, &s, &f, &tail) == 5 && tail == '/') {
            dom = d, bus = b, slot = s, fn = f;
        }
    }
    QDict *pci = qdict_new();
    qdict_put_int(pci, "domain", dom);
    qdict_put_int(pci, "bus", bus);
    qdict_put_int(pci, "slot", slot);
    qdict_put_int(pci, "function", fn);
    qdict_put(addr, "pci-controller", pci);
}

/* Address of a whole disk given its sysfs name ("sda", "vda"). */
static QDict *disk_address(const char *disk)
{
    char *link = g_strdup_printf("/sys/block/%s", disk);
    char *path = ga_path(link);
    char *real = realpath(path, NULL);
    g_free(path);
    g_free(link);
    if (!real) {
        return NULL;
    }
    QDict *addr = qdict_new();
    put_pci_address(addr, real);
    const char *bus = "unknown";
    for (size_t i = 0; i < G_N_ELEMENTS(bus_markers); i++) {
        if (strstr(real, bus_markers[i].marker)) {
            bus = bus_markers[i].bus;
            break;
        }
    }
    int h = 0, c = 0, t = 0, u = 0;
    const char *scsi = NULL;
    for (const char *p = real; (p = strchr(p, '/')); p++) {
        if (sscanf(p + 1, "%d:%d:%d:%d", &h, &c, &t, &u) == 4) {
            scsi = p;
        }
    }
    if (scsi) {
        sscanf(scsi + 1, "%d:%d:%d:%d", &h, &c, &t, &u);
    }
    qdict_put_str(addr, "bus-type", bus);
    qdict_put_int(addr, "bus", scsi ? c : 0);
    qdict_put_int(addr, "target", scsi ? t : 0);
    qdict_put_int(addr, "unit", scsi ? u : 0);
    char *serial_path = g_build_filename(real, "serial", NULL);
    char *serial = NULL;
    if (!g_file_get_contents(serial_path, &serial, NULL, NULL)) {
        g_free(serial_path);
        serial_path = g_build_filename(real, "device", "serial", NULL);
        g_file_get_contents(serial_path, &serial, NULL, NULL);
    }
    if (serial && *g_strstrip(serial)) {
        qdict_put_str(addr, "serial", serial);
    }
    g_free(serial);
    g_free(serial_path);
    char *dev = g_strdup_printf("/dev/%s", disk);
    qdict_put(addr, "dev", qstring_take(dev));
    free(real);
    return addr;
}

/* Name of the block device M:m ("sda1", "dm-0"), or NULL. */
static char *block_name(unsigned maj, unsigned min)
{
    char *link = g_strdup_printf("/sys/dev/block/%u:%u", maj, min);
    char *path = ga_path(link);
    char *real = realpath(path, NULL);
    char *name = real ? g_path_get_basename(real) : NULL;
    free(real);
    g_free(path);
    g_free(link);
    return name;
}

/* Whole disks under a block device: itself, its parent disk, or its slaves. */
static void collect_disks(const char *name, QList *out, int depth)
{
    if (depth > 8) {
        return;
    }
    char *rel = g_strdup_printf("/sys/class/block/%s", name);
    char *dir = ga_path(rel);
    char *slaves = g_build_filename(dir, "slaves", NULL);
    GDir *d = g_dir_open(slaves, 0, NULL);
    const char *s;
    bool any = false;
    while (d && (s = g_dir_read_name(d))) {
        collect_disks(s, out, depth + 1);
        any = true;
    }
    if (d) {
        g_dir_close(d);
    }
    if (!any) {
        char *partition = g_build_filename(dir, "partition", NULL);
        char *disk = NULL;
        if (g_file_test(partition, G_FILE_TEST_EXISTS)) {
            char *real = realpath(dir, NULL);
            if (real) {
                char *parent = g_path_get_dirname(real);
                disk = g_path_get_basename(parent);
                g_free(parent);
                free(real);
            }
        } else {
            disk = g_strdup(name);
        }
        QDict *addr = disk ? disk_address(disk) : NULL;
        if (addr) {
            qlist_append(out, addr);
        }
        g_free(disk);
        g_free(partition);
    }
    g_free(slaves);
    g_free(dir);
    g_free(rel);
}

static void cmd_get_fsinfo(QDict *args, QObject **ret, Error **errp)
{
    GPtrArray *mounts = mount_list(errp);
    if (!mounts) {
        return;
    }
    QList *list = qlist_new();
    for (guint i = 0; i < mounts->len; i++) {
        Mount *m = g_ptr_array_index(mounts, i);
        QDict *fs = qdict_new();
        char *name = block_name(m->major, m->minor);
        qdict_put(fs, "name", qstring_take(name ? name : g_path_get_basename(m->source)));
        qdict_put_str(fs, "mountpoint", m->dir);
        qdict_put_str(fs, "type", m->type);
        struct statvfs st;
        if (statvfs(m->dir, &st) == 0) {
            uint64_t used = (uint64_t)(st.f_blocks - st.f_bfree) * st.f_frsize;
            qdict_put(fs, "used-bytes", qnum_from_uint(used));
            qdict_put(fs, "total-bytes", qnum_from_uint(used + (uint64_t)st.f_bavail * st.f_frsize));
            qdict_put(fs, "total-bytes-privileged",
                      qnum_from_uint((uint64_t)st.f_blocks * st.f_frsize));
        }
        QList *disks = qlist_new();
        char *bname = block_name(m->major, m->minor);
        if (bname) {
            collect_disks(bname, disks, 0);
            g_free(bname);
        }
        qdict_put(fs, "disk", disks);
        qlist_append(list, fs);
    }
    g_ptr_array_free(mounts, TRUE);
    *ret = list;
}

static QDict *disk_info(const char *name, bool partition, const char *parent)
{
    QDict *d = qdict_new();
    qdict_put(d, "name", qstring_take(g_strdup_printf("/dev/%s", name)));
    qdict_put_bool(d, "partition", partition);
    QList *deps = qlist_new();
    if (parent) {
        qlist_append(deps, qstring_take(g_strdup_printf("/dev/%s", parent)));
    }
    char *rel = g_strdup_printf("/sys/block/%s/slaves", name);
    char *slaves = ga_path(rel);
    GDir *dir = g_dir_open(slaves, 0, NULL);
    const char *s;
    while (dir && (s = g_dir_read_name(dir))) {
        qlist_append(deps, qstring_take(g_strdup_printf("/dev/%s", s)));
    }
    if (dir) {
        g_dir_close(dir);
    }
    qdict_put(d, "dependencies", deps);
    if (!partition) {
        char *dmrel = g_strdup_printf("/sys/block/%s/dm/name", name);
        char *alias = ga_read_file(dmrel, NULL);
        if (alias && *g_strstrip(alias)) {
            qdict_put_str(d, "alias", alias);
        }
        g_free(alias);
        g_free(dmrel);
        QDict *addr = qlist_size(deps) ? NULL : disk_address(name);
        if (addr) {
            qdict_put(d, "address", addr);
        }
    }
    g_free(slaves);
    g_free(rel);
    return d;
}

static bool sysfs_size_nonzero(const char *dir)
{
    char *path = g_build_filename(dir, "size", NULL);
    char *txt = NULL;
    bool nz = g_file_get_contents(path, &txt, NULL, NULL) && g_ascii_strtoull(txt, NULL, 10) > 0;
    g_free(txt);
    g_free(path);
    return nz;
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cmd_get_disks(QDict *args, QObject **ret, Error **errp)
{
    char *root = ga_path("/sys/block");
    GDir *d = g_dir_open(root, 0, NULL);
    if (!d) {
        error_setf(errp, "failed to list %s", root);
        g_free(root);
        return;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_ptr_array_add(names, g_strdup(name));
    }
    g_dir_close(d);
    g_ptr_array_sort(names, cmp_str);
    QList *list = qlist_new();
    for (guint i = 0; i < names->len; i++) {
        const char *disk = g_ptr_array_index(names, i);
        char *dir = g_build_filename(root, disk, NULL);
        if (sysfs_size_nonzero(dir)) {
            qlist_append(list, disk_info(disk, false, NULL));
            GDir *pd = g_dir_open(dir, 0, NULL);
            const char *part;
            while (pd && (part = g_dir_read_name(pd))) {
                char *pfile = g_build_filename(dir, part, "partition", NULL);
                if (g_file_test(pfile, G_FILE_TEST_EXISTS)) {
                    qlist_append(list, disk_info(part, true, disk));
                }
                g_free(pfile);
            }
            if (pd) {
                g_dir_close(pd);
            }
        }
        g_free(dir);
    }
    g_ptr_array_free(names, TRUE);
    g_free(root);
    *ret = list;
}

/* ---- freeze / thaw ---- */

static bool run_hook(const char *arg, Error **errp)
{
    const char *hook = ga_state->fsfreeze_hook;
    if (!hook) {
        return true;
    }
    if (access(hook, X_OK) < 0) {
        error_setf_errno(errp, errno, "can't access fsfreeze hook '%s'", hook);
        return false;
    }
    char *argv[] = { (char *)hook, (char *)arg, NULL };
    int status;
    GError *gerr = NULL;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &status, &gerr)) {
        error_setf(errp, "failed to run fsfreeze hook '%s': %s", hook, gerr->message);
        g_error_free(gerr);
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        error_setf(errp, "fsfreeze hook has failed with status %d",
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return false;
    }
    return true;
}

static int64_t thaw_all(GPtrArray *mounts)
{
    int64_t thawed = 0;
    for (guint i = 0; i < mounts->len; i++) {
        Mount *m = g_ptr_array_index(mounts, i);
        int fd = open(m->dir, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        /* Freezes nest: thaw until the kernel says it is no longer frozen. */
        int n = 0;
        while (n < 64 && ioctl(fd, FITHAW) == 0) {
            n++;
        }
        thawed += n > 0;
        close(fd);
    }
    return thawed;
}

static bool list_has(const QList *list, const char *s)
{
    size_t n = qlist_size(list);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(qstring_get(qlist_get(list, i)), s)) {
            return true;
        }
    }
    return false;
}

static void do_freeze(const QList *only, QObject **ret, Error **errp)
{
    GPtrArray *mounts = mount_list(errp);
    if (!mounts) {
        return;
    }
    if (!run_hook("freeze", errp)) {
        g_ptr_array_free(mounts, TRUE);
        return;
    }
    ga_set_frozen(ga_state, true);
    int64_t frozen = 0;
    Error *err = NULL;
    /* Children before parents: walk the mount list backwards. */
    for (guint i = mounts->len; i-- > 0;) {
        Mount *m = g_ptr_array_index(mounts, i);
        if (only && !list_has(only, m->dir)) {
            continue;
        }
        int fd = open(m->dir, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error_setf_errno(&err, errno, "failed to open %s", m->dir);
            break;
        }
        int r = ioctl(fd, FIFREEZE);
        int e = errno;
        close(fd);
        if (r == 0) {
            frozen++;
        } else if (e != EOPNOTSUPP && e != EBUSY) {
            error_setf_errno(&err, e, "failed to freeze %s", m->dir);
            break;
        }
    }
    if (err || frozen == 0) {
        /* Undo: nothing stays frozen, the hook sees a thaw. */
        if (frozen) {
            thaw_all(mounts);
        }
        ga_set_frozen(ga_state, false);
        Error *hook_err = NULL;
        run_hook("thaw", &hook_err);
        error_free(hook_err);
    }
    g_ptr_array_free(mounts, TRUE);
    if (err) {
        error_propagate(errp, err);
        return;
    }
    *ret = qnum_from_int(frozen);
}

static void cmd_fsfreeze_status(QDict *args, QObject **ret, Error **errp)
{
    *ret = qstring_new(ga_state->frozen ? "frozen" : "thawed");
}

static void cmd_fsfreeze_freeze(QDict *args, QObject **ret, Error **errp)
{
    do_freeze(NULL, ret, errp);
}

static void cmd_fsfreeze_freeze_list(QDict *args, QObject **ret, Error **errp)
{
    do_freeze(qdict_get_list(args, "mountpoints"), ret, errp);
}

static void cmd_fsfreeze_thaw(QDict *args, QObject **ret, Error **errp)
{
    GPtrArray *mounts = mount_list(errp);
    if (!mounts) {
        return;
    }
    int64_t n = thaw_all(mounts);
    g_ptr_array_free(mounts, TRUE);
    ga_set_frozen(ga_state, false);
    if (!run_hook("thaw", errp)) {
        return;
    }
    *ret = qnum_from_int(n);
}

static void cmd_fstrim(QDict *args, QObject **ret, Error **errp)
{
    int64_t minimum = ga_arg_int(args, "minimum", 0);
    if (minimum < 0) {
        error_setf(errp, "Parameter 'minimum' expects a value not below 0");
        return;
    }
    GPtrArray *mounts = mount_list(errp);
    if (!mounts) {
        return;
    }
    QList *paths = qlist_new();
    for (guint i = mounts->len; i-- > 0;) {
        Mount *m = g_ptr_array_index(mounts, i);
        QDict *res = qdict_new();
        qdict_put_str(res, "path", m->dir);
        int fd = open(m->dir, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            qdict_put(res, "error", qstring_take(g_strdup_printf("failed to open: %s",
                                                                 g_strerror(errno))));
        } else {
            struct fstrim_range r = { .start = 0, .len = UINT64_MAX, .minlen = minimum };
            if (ioctl(fd, FITRIM, &r) < 0) {
                int e = errno;
                qdict_put(res, "error", qstring_take(
                    e == ENOTTY || e == EOPNOTSUPP ? g_strdup("trim not supported")
                                                    : g_strdup_printf("failed to trim: %s",
                                                                      g_strerror(e))));
            } else {
                qdict_put(res, "trimmed", qnum_from_int(r.len));
                qdict_put(res, "minimum", qnum_from_int(r.minlen));
            }
            close(fd);
        }
        qlist_append(paths, res);
    }
    g_ptr_array_free(mounts, TRUE);
    QDict *d = qdict_new();
    qdict_put(d, "paths", paths);
    *ret = d;
}

static const QmpArgSpec freeze_list_args[] = {
    { "mountpoints", QMP_ARG_LIST, .optional = true, .elem = QMP_ARG_STR },
    { NULL }
};
static const QmpArgSpec fstrim_args[] = {
    { "minimum", QMP_ARG_INT, .optional = true },
    { NULL }
};

void ga_register_fs_commands(QmpCommandList *cmds)
{
    qmp_register_command(cmds, "guest-fsfreeze-status", cmd_fsfreeze_status, NULL, 0);
    qmp_register_command(cmds, "guest-fsfreeze-freeze", cmd_fsfreeze_freeze, NULL, 0);
    qmp_register_command(cmds, "guest-fsfreeze-freeze-list", cmd_fsfreeze_freeze_list,
                         freeze_list_args, 0);
    qmp_register_command(cmds, "guest-fsfreeze-thaw", cmd_fsfreeze_thaw, NULL, 0);
    qmp_register_command(cmds, "guest-fstrim", cmd_fstrim, fstrim_args, 0);
    qmp_register_command(cmds, "guest-get-fsinfo", cmd_get_fsinfo, NULL, 0);
    qmp_register_command(cmds, "guest-get-disks", cmd_get_disks, NULL, 0);
}
