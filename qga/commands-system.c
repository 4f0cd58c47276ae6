/*
 * System state commands: logged-in users, vCPUs and memory blocks (sysfs),
 * load, CPU and disk statistics (procfs), network interfaces.
 */
#include "config.h"
#include "qga/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utmpx.h>

/* ---- users ---- */

static void cmd_get_users(QDict *args, QObject **ret, Error **errp)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GPtrArray *order = g_ptr_array_new();  /* QDict *, first-seen order */
    struct utmpx *ut;

    setutxent();
    while ((ut = getutxent())) {
        if (ut->ut_type != USER_PROCESS) {
            continue;
        }
        char *name = g_strndup(ut->ut_user, sizeof(ut->ut_user));
        double t = ut->ut_tv.tv_sec + ut->ut_tv.tv_usec / 1e6;
        QDict *u = g_hash_table_lookup(seen, name);
        if (!u) {
            u = qdict_new();
            qdict_put_str(u, "user", name);
            qdict_put(u, "login-time", qnum_from_double(t));
            g_hash_table_insert(seen, name, u);
            g_ptr_array_add(order, u);
            continue;
        }
        if (t < qnum_get_double(qdict_get(u, "login-time"))) {
            qdict_put(u, "login-time", qnum_from_double(t));  /* earliest login */
        }
        g_free(name);
    }
    endutxent();

    QList *list = qlist_new();
    for (guint i = 0; i < order->len; i++) {
        qlist_append(list, g_ptr_array_index(order, i));
    }
    g_ptr_array_free(order, TRUE);
    g_hash_table_destroy(seen);
    *ret = list;
}

/* ---- sysfs helpers ---- */

static char *sysfs_read_line(const char *dir, const char *file)
{
    char *path = g_build_filename(dir, file, NULL);
    char *data = NULL;
    if (g_file_get_contents(path, &data, NULL, NULL)) {
        g_strchomp(data);
    }
    g_free(path);
    return data;
}

static bool sysfs_write(const char *dir, const char *file, const char *val, int *err)
{
    char *path = g_build_filename(dir, file, NULL);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    g_free(path);
    if (fd < 0) {
        *err = errno;
        return false;
    }
    bool ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
    *err = ok ? 0 : errno;
    close(fd);
    return ok;
}

static int cmp_int64(gconstpointer a, gconstpointer b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Numbers N of the entries "<prefix>N" of a sysfs directory, sorted. */
static GArray *sysfs_indices(const char *dir, const char *prefix)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
    GDir *d = g_dir_open(dir, 0, NULL);
    size_t plen = strlen(prefix);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        if (strncmp(name, prefix, plen) || !name[plen]) {
            continue;
        }
        char *end;
        errno = 0;
        int64_t v = g_ascii_strtoll(name + plen, &end, 10);
        if (!*end && !errno && v >= 0 && g_ascii_isdigit(name[plen])) {
            g_array_append_val(ids, v);
        }
    }
    if (d) {
        g_dir_close(d);
    }
    g_array_sort(ids, cmp_int64);
    return ids;
}

/* ---- vCPUs ---- */

#define CPU_DIR "/sys/devices/system/cpu"

static void cmd_get_vcpus(QDict *args, QObject **ret, Error **errp)
{
    char *root = ga_path(CPU_DIR);
    GArray *ids = sysfs_indices(root, "cpu");
    QList *list = qlist_new();
    for (guint i = 0; i < ids->len; i++) {
        int64_t id = g_array_index(ids, int64_t, i);
        char *dir = g_strdup_printf("%s/cpu%" G_GINT64_FORMAT, root, id);
        char *online = sysfs_read_line(dir, "online");
        QDict *cpu = qdict_new();
        qdict_put_int(cpu, "logical-id", id);
        /* No "online" file: the CPU is always online (typically cpu0). */
        qdict_put_bool(cpu, "online", !online || strcmp(online, "0") != 0);
        qdict_put_bool(cpu, "can-offline", online != NULL);
        qlist_append(list, cpu);
        g_free(online);
        g_free(dir);
    }
    g_array_free(ids, TRUE);
    g_free(root);
    *ret = list;
}

static const QmpArgSpec vcpu_spec[] = {
    { "logical-id", QMP_ARG_INT },
    { "online", QMP_ARG_BOOL },
    { "can-offline", QMP_ARG_BOOL, .optional = true },
    { NULL }
};

static bool set_one_vcpu(const QDict *vcpu, Error **errp)
{
    int64_t id = ga_arg_int(vcpu, "logical-id", -1);
    bool want = ga_arg_bool(vcpu, "online", true);
    char *root = ga_path(CPU_DIR);
    char *dir = g_strdup_printf("%s/cpu%" G_GINT64_FORMAT, root, id);
    bool ok = false;

    if (id < 0 || !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        error_setf(errp, "logical processor #%" G_GINT64_FORMAT " does not exist", id);
        goto out;
    }
    char *cur = sysfs_read_line(dir, "online");
    if (!cur) {
        ok = want;
        if (!want) {
            error_setf(errp, "logical processor #%" G_GINT64_FORMAT " can't be offlined", id);
        }
        goto out;
    }
    bool is_online = strcmp(cur, "0") != 0;
    g_free(cur);
    int err = 0;
    ok = is_online == want || sysfs_write(dir, "online", want ? "1" : "0", &err);
    if (!ok) {
        error_setf_errno(errp, err, "failed to set logical processor #%" G_GINT64_FORMAT
                         " %s", id, want ? "online" : "offline");
    }
out:
    g_free(dir);
    g_free(root);
    return ok;
}

/* Check every element of a list of structures, as QEMU's input visitor does. */
static bool check_struct_list(QList *list, const QmpArgSpec *spec, const char *name,
                              Error **errp)
{
    size_t n = qlist_size(list);
    for (size_t i = 0; i < n; i++) {
        char *prefix = g_strdup_printf("%s[%zu].", name, i);
        bool ok = qmp_check_args(qlist_get(list, i), spec, prefix, errp);
        g_free(prefix);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static void cmd_set_vcpus(QDict *args, QObject **ret, Error **errp)
{
    QList *vcpus = qdict_get_list(args, "vcpus");
    size_t n = qlist_size(vcpus), done = 0;
    if (!check_struct_list(vcpus, vcpu_spec, "vcpus", errp)) {
        return;
    }
    for (; done < n; done++) {
        Error *err = NULL;
        if (!set_one_vcpu(qlist_get(vcpus, done), &err)) {
            /* Only a failure on the first node is an error; later ones stop early. */
            if (done == 0) {
                error_propagate(errp, err);
                return;
            }
            error_free(err);
            break;
        }
    }
    *ret = qnum_from_int(done);
}

/* ---- memory blocks ---- */

#define MEM_DIR "/sys/devices/system/memory"

static void cmd_get_memory_blocks(QDict *args, QObject **ret, Error **errp)
{
    char *root = ga_path(MEM_DIR);
    if (!g_file_test(root, G_FILE_TEST_IS_DIR)) {
        error_setf(errp, "memory blocks are not supported: %s does not exist", root);
        g_free(root);
        return;
    }
    GArray *ids = sysfs_indices(root, "memory");
    QList *list = qlist_new();
    for (guint i = 0; i < ids->len; i++) {
        int64_t id = g_array_index(ids, int64_t, i);
        char *dir = g_strdup_printf("%s/memory%" G_GINT64_FORMAT, root, id);
        char *state = sysfs_read_line(dir, "state");
        char *removable = sysfs_read_line(dir, "removable");
        QDict *blk = qdict_new();
        qdict_put(blk, "phys-index", qnum_from_uint(id));
        qdict_put_bool(blk, "online", !state || strcmp(state, "offline") != 0);
        qdict_put_bool(blk, "can-offline", removable && !strcmp(removable, "1"));
        qlist_append(list, blk);
        g_free(state);
        g_free(removable);
        g_free(dir);
    }
    g_array_free(ids, TRUE);
    g_free(root);
    *ret = list;
}

static const QmpArgSpec mem_blk_spec[] = {
    { "phys-index", QMP_ARG_UINT },
    { "online", QMP_ARG_BOOL },
    { "can-offline", QMP_ARG_BOOL, .optional = true },
    { NULL }
};

static QDict *set_one_memory_block(const QDict *blk)
{
    uint64_t id = 0;
    qnum_get_uint(qdict_get(blk, "phys-index"), &id);
    bool want = ga_arg_bool(blk, "online", true);
    char *root = ga_path(MEM_DIR);
    char *dir = g_strdup_printf("%s/memory%" G_GUINT64_FORMAT, root, id);
    QDict *rsp = qdict_new();
    qdict_put(rsp, "phys-index", qnum_from_uint(id));
    const char *result = "success";
    int err = 0;

    char *state = NULL;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        result = "not-found";
    } else if (!(state = sysfs_read_line(dir, "state"))) {
        result = "operation-not-supported";
    } else if ((strcmp(state, "offline") != 0) != want &&
               !sysfs_write(dir, "state", want ? "online" : "offline", &err)) {
        result = "operation-failed";
    }
    qdict_put_str(rsp, "response", result);
    if (err) {
        qdict_put_int(rsp, "error-code", err);
    }
    g_free(state);
    g_free(dir);
    g_free(root);
    return rsp;
}

static void cmd_set_memory_blocks(QDict *args, QObject **ret, Error **errp)
{
    QList *blks = qdict_get_list(args, "mem-blks");
    size_t n = qlist_size(blks);
    if (!check_struct_list(blks, mem_blk_spec, "mem-blks", errp)) {
        return;
    }
    QList *list = qlist_new();
    for (size_t i = 0; i < n; i++) {
        qlist_append(list, set_one_memory_block(qlist_get(blks, i)));
    }
    *ret = list;
}

static void cmd_get_memory_block_info(QDict *args, QObject **ret, Error **errp)
{
    char *text = ga_read_file(MEM_DIR "/block_size_bytes", errp);
    if (!text) {
        return;
    }
    char *end;
    errno = 0;
    uint64_t size = g_ascii_strtoull(g_strstrip(text), &end, 16);
    bool bad = errno || *end || end == text;
    g_free(text);
    if (bad) {
        error_setf(errp, "invalid memory block size in " MEM_DIR "/block_size_bytes");
        return;
    }
    QDict *d = qdict_new();
    qdict_put(d, "size", qnum_from_uint(size));
    *ret = d;
}

/* ---- load, CPU and disk statistics ---- */

static void cmd_get_load(QDict *args, QObject **ret, Error **errp)
{
    double avg[3];
    if (getloadavg(avg, 3) != 3) {
        error_setf(errp, "cannot get load average");
        return;
    }
    QDict *d = qdict_new();
    qdict_put(d, "load1m", qnum_from_double(avg[0]));
    qdict_put(d, "load5m", qnum_from_double(avg[1]));
    qdict_put(d, "load15m", qnum_from_double(avg[2]));
    *ret = d;
}

static const char *const cpustat_names[] = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
    "guest", "guestnice",
};

static void cmd_get_cpustats(QDict *args, QObject **ret, Error **errp)
{
    char *text = ga_read_file("/proc/stat", errp);
    if (!text) {
        return;
    }
    long ticks = sysconf(_SC_CLK_TCK);
    if (ticks <= 0) {
        ticks = 100;
    }
    QList *list = qlist_new();
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (strncmp(*l, "cpu", 3) || !g_ascii_isdigit((*l)[3])) {
            continue;  /* the "cpu " line is the sum of all */
        }
        char **f = g_strsplit_set(*l + 3, " ", -1);
        GPtrArray *fields = g_ptr_array_new();
        for (char **p = f; *p; p++) {
            if (**p) {
                g_ptr_array_add(fields, *p);
            }
        }
        if (fields->len >= 5) {
            QDict *cpu = qdict_new();
            qdict_put_str(cpu, "type", "linux");
            qdict_put_int(cpu, "cpu", g_ascii_strtoll(g_ptr_array_index(fields, 0), NULL, 10));
            for (guint i = 1; i < fields->len && i <= G_N_ELEMENTS(cpustat_names); i++) {
                uint64_t v = g_ascii_strtoull(g_ptr_array_index(fields, i), NULL, 10);
                qdict_put(cpu, cpustat_names[i - 1], qnum_from_uint(v * 1000 / ticks));
            }
            qlist_append(list, cpu);
        }
        g_ptr_array_free(fields, TRUE);
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(text);
    *ret = list;
}

/* Fields of /proc/diskstats after major, minor and name, in file order. */
static const char *const diskstat_names[] = {
    "read-ios", "read-merges", "read-sectors", "read-ticks",
    "write-ios", "write-merges", "write-sectors", "write-ticks",
    "ios-pgr", "total-ticks", "weight-ticks",
    "discard-ios", "discard-merges", "discard-sectors", "discard-ticks",
    "flush-ios", "flush-ticks",
};

static void cmd_get_diskstats(QDict *args, QObject **ret, Error **errp)
{
    char *text = ga_read_file("/proc/diskstats", errp);
    if (!text) {
        return;
    }
    QList *list = qlist_new();
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char **tok = g_strsplit_set(*l, " \t", -1);
        GPtrArray *f = g_ptr_array_new();
        for (char **p = tok; *p; p++) {
            if (**p) {
                g_ptr_array_add(f, *p);
            }
        }
        if (f->len >= 3 + 11) {
            QDict *info = qdict_new();
            qdict_put_str(info, "name", g_ptr_array_index(f, 2));
            qdict_put(info, "major", qnum_from_uint(g_ascii_strtoull(g_ptr_array_index(f, 0), NULL, 10)));
            qdict_put(info, "minor", qnum_from_uint(g_ascii_strtoull(g_ptr_array_index(f, 1), NULL, 10)));
            QDict *stats = qdict_new();
            for (guint i = 3; i < f->len && i - 3 < G_N_ELEMENTS(diskstat_names); i++) {
                uint64_t v = g_ascii_strtoull(g_ptr_array_index(f, i), NULL, 10);
                qdict_put(stats, diskstat_names[i - 3], qnum_from_uint(v));
            }
            qdict_put(info, "stats", stats);
            qlist_append(list, info);
        }
        g_ptr_array_free(f, TRUE);
        g_strfreev(tok);
    }
    g_strfreev(lines);
    g_free(text);
    *ret = list;
}

/* ---- network interfaces ---- */

static int prefix_len(const struct sockaddr *mask, int family)
{
    const unsigned char *p;
    size_t n;
    if (!mask) {
        return family == AF_INET ? 32 : 128;
    }
    if (family == AF_INET) {
        p = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
        n = 4;
    } else {
        p = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
        n = 16;
    }
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        bits += __builtin_popcount(p[i]);
    }
    return bits;
}

static const char *const netstat_files[][2] = {
    { "rx-bytes", "rx_bytes" }, { "rx-packets", "rx_packets" },
    { "rx-errs", "rx_errors" }, { "rx-dropped", "rx_dropped" },
    { "tx-bytes", "tx_bytes" }, { "tx-packets", "tx_packets" },
    { "tx-errs", "tx_errors" }, { "tx-dropped", "tx_dropped" },
};

static QDict *new_interface(const char *name)
{
    QDict *iface = qdict_new();
    qdict_put_str(iface, "name", name);
    char *dir = g_strdup_printf("/sys/class/net/%s", name);
    char *sysdir = ga_path(dir);
    char *mac = sysfs_read_line(sysdir, "address");
    if (mac && *mac) {
        qdict_put_str(iface, "hardware-address", mac);
    }
    g_free(mac);
    qdict_put(iface, "ip-addresses", qlist_new());
    char *statdir = g_build_filename(sysdir, "statistics", NULL);
    if (g_file_test(statdir, G_FILE_TEST_IS_DIR)) {
        QDict *stats = qdict_new();
        for (size_t i = 0; i < G_N_ELEMENTS(netstat_files); i++) {
            char *v = sysfs_read_line(statdir, netstat_files[i][1]);
            qdict_put(stats, netstat_files[i][0],
                      qnum_from_uint(v ? g_ascii_strtoull(v, NULL, 10) : 0));
            g_free(v);
        }
        qdict_put(iface, "statistics", stats);
    }
    g_free(statdir);
    g_free(sysdir);
    g_free(dir);
    return iface;
}

static void cmd_network_get_interfaces(QDict *args, QObject **ret, Error **errp)
{
    struct ifaddrs *ifap;
    if (getifaddrs(&ifap) < 0) {
        error_setf_errno(errp, errno, "getifaddrs failed");
        return;
    }
    QList *list = qlist_new();
    GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
    for (struct ifaddrs *ifa = ifap; ifa; ifa = ifa->ifa_next) {
        QDict *iface = g_hash_table_lookup(by_name, ifa->ifa_name);
        if (!iface) {
            iface = new_interface(ifa->ifa_name);
            qlist_append(list, iface);
            g_hash_table_insert(by_name, (char *)qdict_get_str(iface, "name"), iface);
        }
        if (!ifa->ifa_addr) {
            continue;
        }
        int family = ifa->ifa_addr->sa_family;
        if (family != AF_INET && family != AF_INET6) {
            continue;
        }
        char buf[INET6_ADDRSTRLEN];
        const void *src = family == AF_INET
            ? (const void *)&((struct sockaddr_in *)ifa->ifa_addr)->sin_addr
            : (const void *)&((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
        if (!inet_ntop(family, src, buf, sizeof(buf))) {
            continue;
        }
        QDict *addr = qdict_new();
        qdict_put_str(addr, "ip-address", buf);
        qdict_put_str(addr, "ip-address-type", family == AF_INET ? "ipv4" : "ipv6");
        qdict_put_int(addr, "prefix", prefix_len(ifa->ifa_netmask, family));
        qlist_append(qdict_get_list(iface, "ip-addresses"), addr);
    }
    g_hash_table_destroy(by_name);
    freeifaddrs(ifap);
    *ret = list;
}

static const QmpArgSpec set_vcpus_args[] = {
    { "vcpus", QMP_ARG_LIST, .elem = QMP_ARG_DICT },
    { NULL }
};

static const QmpArgSpec set_mem_args[] = {
    { "mem-blks", QMP_ARG_LIST, .elem = QMP_ARG_DICT },
    { NULL }
};

void ga_register_system_commands(QmpCommandList *cmds)
{
    qmp_register_command(cmds, "guest-network-get-interfaces", cmd_network_get_interfaces,
                         NULL, 0);
    qmp_register_command(cmds, "guest-get-vcpus", cmd_get_vcpus, NULL, 0);
    qmp_register_command(cmds, "guest-set-vcpus", cmd_set_vcpus, set_vcpus_args, 0);
    qmp_register_command(cmds, "guest-get-memory-blocks", cmd_get_memory_blocks, NULL, 0);
    qmp_register_command(cmds, "guest-set-memory-blocks", cmd_set_memory_blocks,
                         set_mem_args, 0);
    qmp_register_command(cmds, "guest-get-memory-block-info", cmd_get_memory_block_info,
                         NULL, 0);
    qmp_register_command(cmds, "guest-get-users", cmd_get_users, NULL, 0);
    qmp_register_command(cmds, "guest-get-load", cmd_get_load, NULL, 0);
    qmp_register_command(cmds, "guest-get-cpustats", cmd_get_cpustats, NULL, 0);
    qmp_register_command(cmds, "guest-get-diskstats", cmd_get_diskstats, NULL, 0);
}
