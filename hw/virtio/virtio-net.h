/*
 * virtio-net (virtio 1.x section 5.1, device id 1): a NIC with one receive
 * and one transmit queue, joined to a -netdev back end as its network peer.
 */
#ifndef HW_VIRTIO_VIRTIO_NET_H
#define HW_VIRTIO_VIRTIO_NET_H

#include "hw/virtio/virtio.h"
#include "libcore/main-loop.h"
#include "net/net.h"

#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_STATUS     16
#define VIRTIO_NET_S_LINK_UP    1
/* struct virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers. */
#define VIRTIO_NET_HDR_LEN      12

typedef struct VirtIONet {
    VirtIODevice vdev;
    NetClient *nc;              /* our side of the pair */
    uint8_t mac[6];
    bool link_up;
    BottomHalf *flush_bh;       /* the driver gave receive buffers */
    uint8_t *txbuf;
    uint64_t rx_dropped;        /* frames that fit no buffer, or came while stopped */
} VirtIONet;

/*
 * A virtio-net NIC named name (for "info network"), joined to peer when it
 * is not NULL. ctx is where deliveries of queued frames run.
 */
bool virtio_net_init(VirtIONet *n, const char *name, NetClient *peer, const uint8_t mac[6],
                     const VirtQueueMemOps *mem, void *mem_opaque, GMainContext *ctx,
                     Error **errp);
void virtio_net_cleanup(VirtIONet *n);
/* Link up or down (set_link): the status field changes, with a config interrupt. */
void virtio_net_set_link(VirtIONet *n, bool up);

#endif
