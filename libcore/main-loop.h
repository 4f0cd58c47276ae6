/*
 * Thin helpers over GLib's GMainContext for servers and tools: fd watches,
 * timers and bottom halves (callbacks scheduled from any thread to run once
 * in the context's thread). A NULL context means the default one.
 */
#ifndef LIBCORE_MAIN_LOOP_H
#define LIBCORE_MAIN_LOOP_H

#include <glib.h>
#include <stdbool.h>

/* Return false to remove the watch / timer. */
typedef bool MainFdFunc(void *opaque, int fd, GIOCondition cond);
typedef bool MainTimerFunc(void *opaque);

/* Watch fd for cond (G_IO_IN, G_IO_OUT, G_IO_HUP ...); returns the source id. */
guint main_loop_add_fd(GMainContext *ctx, int fd, GIOCondition cond, MainFdFunc *func,
                       void *opaque);
/* Call func every ms milliseconds until it returns false. */
guint main_loop_add_timer(GMainContext *ctx, unsigned ms, MainTimerFunc *func, void *opaque);
/* Remove a watch or timer by id; false if it is already gone. */
bool main_loop_remove(GMainContext *ctx, guint id);

/* Run one iteration; blocking waits for at least one event. True if anything ran. */
bool main_loop_wait(GMainContext *ctx, bool blocking);
/* Iterate (blocking) until cond(opaque) is true. */
void main_loop_run_until(GMainContext *ctx, bool (*cond)(void *opaque), void *opaque);

typedef struct BottomHalf BottomHalf;
typedef void BottomHalfFunc(void *opaque);

BottomHalf *bh_new(GMainContext *ctx, BottomHalfFunc *func, void *opaque);
/* Thread-safe; runs func once in ctx's thread, however often it was scheduled. */
void bh_schedule(BottomHalf *bh);
/* Unschedule if it has not run yet (thread-safe). */
void bh_cancel(BottomHalf *bh);
/* Cancel and free; from the context's thread. */
void bh_delete(BottomHalf *bh);

#endif
