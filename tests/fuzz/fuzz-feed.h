/*
 * Socket plumbing shared by the NBD fuzz targets: a thread plays the peer by
 * sending the fuzz input and then ending its side, another swallows whatever
 * the code under test answers, so neither side blocks on a full socket.
 */
#ifndef TESTS_FUZZ_FEED_H
#define TESTS_FUZZ_FEED_H

#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct Feed {
    int fd;
    const uint8_t *data;
    size_t size;
} Feed;

static inline void *feed_writer(void *opaque)
{
    Feed *f = opaque;
    size_t done = 0;
    while (done < f->size) {
        ssize_t n = send(f->fd, f->data + done, f->size - done, MSG_NOSIGNAL);
        if (n <= 0) {
            break;   /* the other side hung up early: fine */
        }
        done += n;
    }
    shutdown(f->fd, SHUT_WR);
    return NULL;
}

static inline void *feed_drainer(void *opaque)
{
    Feed *f = opaque;
    static __thread uint8_t buf[65536];
    while (read(f->fd, buf, sizeof(buf)) > 0) {
    }
    return NULL;
}

#endif
