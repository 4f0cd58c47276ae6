/*
 * The code buffer: one anonymous mapping, readable, writable and executable at once
 * (simple and enough for now; a W^X split would map one memfd twice). Blocks are bump
 * allocated and freed all together by a reset.
 */
#include <errno.h>
#include <sys/mman.h>
#include "libtcg/tcg-backend.h"

bool tcg_codebuf_init(TCGCodeBuf *cb, size_t size, Error **errp)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        error_setf_errno(errp, errno, "cannot map %zu bytes of executable code buffer", size);
        return false;
    }
    cb->base = p;
    cb->size = size;
    cb->used = 0;
    return true;
}

void tcg_codebuf_destroy(TCGCodeBuf *cb)
{
    if (cb->base) {
        munmap(cb->base, cb->size);
        cb->base = NULL;
    }
}

void *tcg_codebuf_alloc(TCGCodeBuf *cb, size_t size, size_t align)
{
    size_t start = (cb->used + align - 1) & ~(align - 1);

    if (start > cb->size || size > cb->size - start) {
        return NULL;
    }
    cb->used = start + size;
    return cb->base + start;
}
