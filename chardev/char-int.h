/* Shared inside chardev/: the multiplexer (char-mux.c). */
#ifndef CHARDEV_CHAR_INT_H
#define CHARDEV_CHAR_INT_H

#include "chardev/char.h"

/* Turn the new chardev mux into a multiplexer over base (its own back end). */
Chardev *chardev_mux_new(Chardev *mux, Chardev *base, Error **errp);
bool chardev_mux_add_frontend(Chardev *chr, const CharFrontend *fe, Error **errp);
bool chardev_is_mux(const Chardev *chr);

#endif
