/*
 * GMainContext helpers: fd watches, timers, bottom halves.
 */
#include "config.h"
#include "libcore/main-loop.h"

#include <glib-unix.h>

typedef struct Callback {
    void *func;
    void *opaque;
} Callback;

static guint attach(GMainContext *ctx, GSource *src, GSourceFunc func, Callback *cb)
{
    g_source_set_callback(src, func, cb, g_free);
    guint id = g_source_attach(src, ctx);
    g_source_unref(src);
    return id;
}

static gboolean fd_dispatch(gint fd, GIOCondition cond, gpointer data)
{
    Callback *cb = data;
    return ((MainFdFunc *)cb->func)(cb->opaque, fd, cond) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

guint main_loop_add_fd(GMainContext *ctx, int fd, GIOCondition cond, MainFdFunc *func,
                       void *opaque)
{
    Callback *cb = g_new(Callback, 1);
    cb->func = (void *)func;
    cb->opaque = opaque;
    return attach(ctx, g_unix_fd_source_new(fd, cond), (GSourceFunc)(void (*)(void))fd_dispatch, cb);
}

static gboolean timer_dispatch(gpointer data)
{
    Callback *cb = data;
    return ((MainTimerFunc *)cb->func)(cb->opaque) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

guint main_loop_add_timer(GMainContext *ctx, unsigned ms, MainTimerFunc *func, void *opaque)
{
    Callback *cb = g_new(Callback, 1);
    cb->func = (void *)func;
    cb->opaque = opaque;
    return attach(ctx, g_timeout_source_new(ms), timer_dispatch, cb);
}

bool main_loop_remove(GMainContext *ctx, guint id)
{
    GSource *src = g_main_context_find_source_by_id(ctx, id);
    if (!src) {
        return false;
    }
    g_source_destroy(src);
    return true;
}

bool main_loop_wait(GMainContext *ctx, bool blocking)
{
    return g_main_context_iteration(ctx, blocking);
}

void main_loop_run_until(GMainContext *ctx, bool (*cond)(void *opaque), void *opaque)
{
    while (!cond(opaque)) {
        g_main_context_iteration(ctx, TRUE);
    }
}

/* ---- bottom halves: a GSource made ready by setting its ready time ---- */

struct BottomHalf {
    GSource source;
    BottomHalfFunc *func;
    void *opaque;
};

static gboolean bh_source_dispatch(GSource *src, GSourceFunc unused, gpointer data)
{
    BottomHalf *bh = (BottomHalf *)src;
    g_source_set_ready_time(src, -1);       /* before the call: it may reschedule */
    bh->func(bh->opaque);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs bh_source_funcs = {
    .dispatch = bh_source_dispatch,
};

BottomHalf *bh_new(GMainContext *ctx, BottomHalfFunc *func, void *opaque)
{
    GSource *src = g_source_new(&bh_source_funcs, sizeof(BottomHalf));
    BottomHalf *bh = (BottomHalf *)src;
    bh->func = func;
    bh->opaque = opaque;
    g_source_set_ready_time(src, -1);
    g_source_attach(src, ctx);
    return bh;
}

void bh_schedule(BottomHalf *bh)
{
    g_source_set_ready_time(&bh->source, 0);
}

void bh_cancel(BottomHalf *bh)
{
    g_source_set_ready_time(&bh->source, -1);
}

void bh_delete(BottomHalf *bh)
{
    if (bh) {
        g_source_destroy(&bh->source);
        g_source_unref(&bh->source);
    }
}
