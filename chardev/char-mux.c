/*
 * mux=on: several front ends (a serial port and the monitor, say) share one
 * back end. Output from any of them goes out; input goes to the one that has
 * the focus, which the user moves with Ctrl-a c. Ctrl-a h lists the escapes,
 * x quits (through the program's callback), b sends a break, and Ctrl-a
 * Ctrl-a sends Ctrl-a itself. The front end attached last starts with the
 * focus (with -serial mon:stdio, the serial port: the monitor attaches first).
 */
#include "config.h"
#include "chardev/char.h"
#include "chardev/char-int.h"

#include <string.h>

#define MUX_MAX 4
#define ESC 0x01                /* Ctrl-a */

typedef struct MuxState {
    Chardev *base;
    CharFrontend fes[MUX_MAX];
    int count, focus;
    bool escape;
} MuxState;

static void (*quit_cb)(void *opaque);
static void *quit_opaque;

void chardev_mux_set_quit(void (*cb)(void *opaque), void *opaque)
{
    quit_cb = cb;
    quit_opaque = opaque;
}

static CharFrontend *focused(MuxState *m)
{
    return m->count ? &m->fes[m->focus] : NULL;
}

static size_t mux_can_read(void *opaque)
{
    MuxState *m = ((Chardev *)opaque)->state;
    CharFrontend *fe = focused(m);
    /* An escape sequence is consumed here, so one byte is always welcome. */
    size_t room = fe && fe->can_read ? fe->can_read(fe->opaque) : 0;
    return room ? room : 1;
}

static void say(MuxState *m, const char *text)
{
    chardev_write_all(m->base, (const uint8_t *)text, strlen(text));
}

static void send_event(CharFrontend *fe, int ev)
{
    if (fe && fe->event) {
        fe->event(fe->opaque, ev);
    }
}

static void switch_focus(MuxState *m)
{
    send_event(focused(m), CHR_EVENT_MUX_OUT);
    m->focus = (m->focus + 1) % m->count;
    send_event(focused(m), CHR_EVENT_MUX_IN);
}

/* The command after Ctrl-a; true if the byte is to be delivered after all. */
static bool escape_command(MuxState *m, uint8_t c)
{
    switch (c) {
    case 'h': case '?':
        say(m, "\r\nC-a h    print this help\r\nC-a x    exit emulator\r\n"
               "C-a b    send break\r\nC-a c    switch between console and monitor\r\n"
               "C-a C-a  send C-a\r\n");
        return false;
    case 'x':
        say(m, "QEMU: Terminated\r\n");
        if (quit_cb) {
            quit_cb(quit_opaque);
        }
        return false;
    case 'b':
        send_event(focused(m), CHR_EVENT_BREAK);
        return false;
    case 'c':
        if (m->count) {
            switch_focus(m);
        }
        return false;
    case ESC:
        return true;
    default:
        return false;       /* unknown escapes are dropped */
    }
}

static void mux_read(void *opaque, const uint8_t *buf, size_t len)
{
    MuxState *m = ((Chardev *)opaque)->state;

    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        bool deliver = true;
        if (m->escape) {
            m->escape = false;
            deliver = escape_command(m, c);
        } else if (c == ESC) {
            m->escape = true;
            deliver = false;
        }
        CharFrontend *fe = focused(m);
        if (deliver && fe && fe->read && fe->can_read && fe->can_read(fe->opaque)) {
            fe->read(fe->opaque, &c, 1);
        }
    }
}

static void mux_event(void *opaque, int ev)
{
    MuxState *m = ((Chardev *)opaque)->state;

    for (int i = 0; i < m->count; i++) {
        send_event(&m->fes[i], ev);
    }
}

static ssize_t mux_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    MuxState *m = chr->state;
    return chardev_write_all(m->base, buf, len) ? (ssize_t)len : -1;
}

static void mux_accept_input(Chardev *chr)
{
    MuxState *m = chr->state;
    chardev_accept_input(m->base);
}

static void mux_close(Chardev *chr)
{
    MuxState *m = chr->state;
    chardev_free(m->base);
    g_free(m);
}

static const ChardevOps mux_ops = {
    .name = "mux", .keys = (const char *const[]){ NULL }, .write = mux_write,
    .accept_input = mux_accept_input, .close = mux_close,
};

bool chardev_is_mux(const Chardev *chr)
{
    return chr->ops == &mux_ops;
}

Chardev *chardev_mux_new(Chardev *mux, Chardev *base, Error **errp)
{
    MuxState *m = g_new0(MuxState, 1);

    m->base = base;
    mux->ops = &mux_ops;
    mux->state = m;
    mux->connected = base->connected;
    g_free(mux->filename);
    mux->filename = g_strdup(base->filename);
    CharFrontend fe = { mux_can_read, mux_read, mux_event, mux };
    if (!chardev_set_frontend(base, &fe, errp)) {
        g_free(m);
        return NULL;
    }
    return mux;
}

bool chardev_mux_add_frontend(Chardev *chr, const CharFrontend *fe, Error **errp)
{
    MuxState *m = chr->state;

    if (m->count == MUX_MAX) {
        error_setf(errp, "Too many uses of multiplexed chardev '%s'", chr->id);
        return false;
    }
    send_event(focused(m), CHR_EVENT_MUX_OUT);
    m->fes[m->count] = *fe;
    m->focus = m->count++;
    send_event(focused(m), CHR_EVENT_MUX_IN);
    if (chr->connected) {
        send_event(focused(m), CHR_EVENT_OPENED);
    }
    chardev_accept_input(chr);
    return true;
}
