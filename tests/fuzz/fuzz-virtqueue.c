/*
 * The split virtqueue walker over guest RAM that is entirely the fuzz input:
 * the first bytes choose the queue size, features and ring addresses, the rest
 * is the RAM holding the rings, tables and buffers. Every chain the walker
 * hands out is read, written and returned; nothing may reach outside RAM, loop
 * for ever or allocate without bound.
 */
#include "config.h"
#include "hw/virtio/virtqueue.h"

#include <glib.h>
#include <string.h>

#include "tests/fuzz/fuzz-ram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 8
#define RAM_MAX (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR) {
        return 0;
    }
    FuzzRam ram = { .size = MIN(size - HDR, (size_t)RAM_MAX) };
    ram.bytes = g_memdup2(data + HDR, ram.size);
    VirtQueue vq;
    virtqueue_init(&vq, &fuzz_ram_ops, &ram);
    vq.size = (uint16_t)(1u << (data[0] & 15));     /* 1 .. 32768 */
    vq.event_idx = data[1] & 1;
    vq.desc = (uint64_t)data[2] << 8 | data[3] << 4;
    vq.avail = (uint64_t)data[4] << 8 | (data[5] & 0xfe);
    vq.used = (uint64_t)data[6] << 8 | (data[7] & 0xfc);
    if (virtqueue_validate_config(&vq)) {
        vq.ready = true;
        uint8_t buf[256];
        for (unsigned n = 0; n < 64; n++) {
            VirtQueueElement e;
            if (virtqueue_pop(&vq, &e) != 1) {
                break;
            }
            size_t got = virtqueue_elem_read(&vq, &e, n, buf, sizeof(buf));
            virtqueue_elem_write(&vq, &e, 1, buf, got);
            virtqueue_set_notification(&vq, n & 1);
            virtqueue_push(&vq, &e, (uint32_t)got);
            virtqueue_should_notify(&vq);
        }
        virtqueue_empty(&vq);
    }
    g_free(ram.bytes);
    return 0;
}
