/*
 * virtio-rng: every chain the driver makes available is answered with as many
 * random bytes as its device-writable buffers hold (bounded per chain, so one
 * huge request cannot stall the vCPU that notified).
 */
#include "config.h"
#include "hw/virtio/virtio-rng.h"

#include <errno.h>
#include <glib.h>
#include <sys/random.h>

#define RNG_QUEUE_MAX 256
/* Bytes given to one chain at most; the driver asks again for more. */
#define RNG_CHAIN_MAX (64 * 1024)

static size_t host_fill(void *opaque, uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        done += (size_t)n;
    }
    return done;
}

static void rng_notify(VirtIODevice *vdev, unsigned n)
{
    VirtIORNG *rng = vdev->opaque;
    VirtQueue *vq = &vdev->vq[n];
    VirtQueueElement e;
    uint8_t buf[4096];

    while (virtqueue_pop(vq, &e) == 1) {
        uint64_t want = MIN(e.in_len, (uint64_t)RNG_CHAIN_MAX), done = 0;
        while (done < want) {
            size_t chunk = rng->fill(rng->fill_opaque, buf, MIN(sizeof(buf), want - done));
            if (chunk == 0 || virtqueue_elem_write(vq, &e, done, buf, chunk) != chunk) {
                break;
            }
            done += chunk;
        }
        if (!virtqueue_push(vq, &e, (uint32_t)done)) {
            break;
        }
    }
    virtio_notify(vdev, n);
}

static const VirtIODeviceOps rng_ops = {
    .name = "virtio-rng",
    .device_id = 4,
    .queue_notify = rng_notify,
};

void virtio_rng_init(VirtIORNG *rng, const VirtQueueMemOps *mem, void *mem_opaque)
{
    virtio_init(&rng->vdev, &rng_ops, rng, 1, RNG_QUEUE_MAX, 0, mem, mem_opaque);
    rng->fill = host_fill;
    rng->fill_opaque = NULL;
}

void virtio_rng_cleanup(VirtIORNG *rng)
{
    virtio_cleanup(&rng->vdev);
}
