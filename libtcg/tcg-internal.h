/*
 * Declarations shared by libtcg's own files, not part of its interface.
 */
#ifndef LIBTCG_TCG_INTERNAL_H
#define LIBTCG_TCG_INTERNAL_H

#include "libtcg/tcg.h"

/* Zeroed memory from a per-context arena, valid until tcg_ctx_reset(). */
void *tcg_arena_alloc(TCGArena *a, size_t size);

#endif
