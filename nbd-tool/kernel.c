/*
 * The Linux kernel NBD client (-c DEV / -d DEV). qemu-nbd serves the kernel
 * over a socketpair: our server gets one end, we run the handshake on the
 * other as a client (simple replies only, which is what the kernel speaks),
 * hand the negotiated size and flags to the device with ioctls, and give the
 * socket to the kernel. NBD_DO_IT then blocks in a thread of ours for as long
 * as the device stays connected.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/fs.h>
#include "nbd-tool/nbd-tool.h"

/*
 * The ioctls of <linux/nbd.h>; that header's protocol macros clash with ours,
 * so the few numbers we need are spelled here.
 */
#define KNBD_SET_SOCK        _IO(0xab, 0)
#define KNBD_SET_BLKSIZE     _IO(0xab, 1)
#define KNBD_DO_IT           _IO(0xab, 3)
#define KNBD_CLEAR_SOCK      _IO(0xab, 4)
#define KNBD_CLEAR_QUE       _IO(0xab, 5)
#define KNBD_SET_SIZE_BLOCKS _IO(0xab, 7)
#define KNBD_DISCONNECT      _IO(0xab, 8)
#define KNBD_SET_FLAGS       _IO(0xab, 10)

#define KNBD_FLAG_READ_ONLY  (1u << 1)

struct NbdKernel {
    char *dev;
    int devfd;
    int sock;                   /* our copy of the kernel's end */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock;
    bool finished;
    void (*done)(void *);
    void *opaque;
};

static const char *module_hint(int err)
{
    return err == ENOENT || err == ENXIO || err == ENODEV
           ? " (is the nbd kernel module loaded? modprobe nbd)" : "";
}

int nbd_kernel_disconnect(const char *dev)
{
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        error_report("Cannot open %s: %s%s", dev, strerror(err), module_hint(err));
        return 1;
    }
    if (ioctl(fd, KNBD_DISCONNECT) < 0) {
        error_report("Cannot disconnect %s: %s", dev, strerror(errno));
        close(fd);
        return 1;
    }
    ioctl(fd, KNBD_CLEAR_SOCK);
    close(fd);
    printf("%s disconnected\n", dev);
    return 0;
}

static void *device_thread(void *opaque)
{
    NbdKernel *k = opaque;
    /* Returns once the device is disconnected (or the connection is lost). */
    if (ioctl(k->devfd, KNBD_DO_IT) < 0 && nbd_verbose()) {
        fprintf(stderr, "qemu-nbd: %s: NBD_DO_IT ended: %s\n", k->dev, strerror(errno));
    }
    ioctl(k->devfd, KNBD_CLEAR_QUE);
    ioctl(k->devfd, KNBD_CLEAR_SOCK);
    pthread_mutex_lock(&k->lock);
    k->finished = true;
    pthread_mutex_unlock(&k->lock);
    if (k->done) {
        k->done(k->opaque);
    }
    return NULL;
}

/* Tell the device what was negotiated, then give it the socket. */
static bool configure_device(NbdKernel *k, const NbdExportInfo *info, bool read_only,
                             Error **errp)
{
    unsigned long blksize = 512;
    if (info->min_block > blksize && info->min_block <= 4096) {
        blksize = info->min_block;
    }
    if (info->size < blksize) {
        error_setf(errp, "The export is smaller than one block of %lu bytes", blksize);
        return false;
    }
    if (ioctl(k->devfd, KNBD_SET_BLKSIZE, blksize) < 0) {
        error_setf_errno(errp, errno, "Failed setting NBD block size");
        return false;
    }
    if (ioctl(k->devfd, KNBD_SET_SIZE_BLOCKS, (unsigned long)(info->size / blksize)) < 0) {
        error_setf_errno(errp, errno, "Failed setting size (in blocks)");
        return false;
    }
    if (ioctl(k->devfd, KNBD_SET_FLAGS, (unsigned long)info->flags) < 0 && errno != ENOTTY) {
        error_setf_errno(errp, errno, "Failed setting flags");
        return false;
    }
    int ro = read_only || (info->flags & KNBD_FLAG_READ_ONLY);
    if (ioctl(k->devfd, BLKROSET, &ro) < 0) {
        error_setf_errno(errp, errno, "Failed setting read-only attribute");
        return false;
    }
    if (ioctl(k->devfd, KNBD_SET_SOCK, (unsigned long)k->sock) < 0) {
        if (errno == EBUSY) {
            error_setf(errp, "Failed to set NBD socket: %s is already in use", k->dev);
        } else {
            error_setf_errno(errp, errno, "Failed to set NBD socket");
        }
        return false;
    }
    return true;
}

NbdKernel *nbd_kernel_connect(const char *dev, NbdServer *srv, const char *export_name,
                              bool read_only, void (*done)(void *), void *opaque,
                              Error **errp)
{
    int devfd = open(dev, O_RDWR | O_CLOEXEC);
    if (devfd < 0) {
        int err = errno;
        error_setf(errp, "Failed to open %s: %s%s", dev, strerror(err), module_hint(err));
        return NULL;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        error_setf_errno(errp, errno, "Could not create a socket pair");
        close(devfd);
        return NULL;
    }
    NbdKernel *k = g_new0(NbdKernel, 1);
    k->dev = g_strdup(dev);
    k->devfd = devfd;
    k->sock = sv[1];
    k->done = done;
    k->opaque = opaque;
    pthread_mutex_init(&k->lock, NULL);
    nbd_server_serve_fd(srv, sv[0]);

    NbdClientConfig cfg = { .export_name = export_name };
    NbdExportInfo info = { 0 };
    if (!nbd_client_negotiate_fd(&cfg, k->sock, &info, errp) ||
        !configure_device(k, &info, read_only, errp)) {
        nbd_export_info_clear(&info);
        ioctl(devfd, KNBD_CLEAR_SOCK);
        nbd_kernel_close(k);
        return NULL;
    }
    nbd_export_info_clear(&info);
    int err = pthread_create(&k->thread, NULL, device_thread, k);
    if (err) {
        error_setf_errno(errp, err, "Could not start the device thread");
        ioctl(devfd, KNBD_CLEAR_SOCK);
        nbd_kernel_close(k);
        return NULL;
    }
    k->thread_started = true;
    if (nbd_verbose()) {
        fprintf(stderr, "qemu-nbd: NBD device %s is now connected\n", dev);
    }
    return k;
}

bool nbd_kernel_finished(NbdKernel *k)
{
    pthread_mutex_lock(&k->lock);
    bool f = k->finished;
    pthread_mutex_unlock(&k->lock);
    return f;
}

void nbd_kernel_close(NbdKernel *k)
{
    if (!k) {
        return;
    }
    if (k->thread_started) {
        if (!nbd_kernel_finished(k)) {
            ioctl(k->devfd, KNBD_DISCONNECT);
        }
        pthread_join(k->thread, NULL);
    }
    /* Our copy of the kernel's end: closing it ends the server's connection too. */
    shutdown(k->sock, SHUT_RDWR);
    close(k->sock);
    close(k->devfd);
    pthread_mutex_destroy(&k->lock);
    g_free(k->dev);
    g_free(k);
}
