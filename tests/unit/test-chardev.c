/*
 * Character devices: option parsing (-chardev and the short -serial forms)
 * and their refusals, null, file, pipe (FIFOs), pty, socket server and
 * client with a front end's flow control, reconnect, and ringbuf with its
 * QMP read/write.
 */
#include "config.h"
#include "chardev/char.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libcore/main-loop.h"
#include "libcore/sockets.h"

typedef struct Fe {
    GString *got;
    size_t room;
    int opened, closed;
} Fe;

static size_t fe_can_read(void *opaque) { return ((Fe *)opaque)->room; }

static void fe_read(void *opaque, const uint8_t *buf, size_t len)
{
    Fe *f = opaque;
    g_assert_cmpuint(len, <=, f->room);
    g_string_append_len(f->got, (const char *)buf, (gssize)len);
    f->room -= len;
}

static void fe_event(void *opaque, int ev)
{
    Fe *f = opaque;
    if (ev == CHR_EVENT_OPENED) {
        f->opened++;
    } else if (ev == CHR_EVENT_CLOSED) {
        f->closed++;
    }
}

static void attach(Chardev *chr, Fe *f, size_t room)
{
    f->got = g_string_new(NULL);
    f->room = room;
    f->opened = f->closed = 0;
    CharFrontend fe = { fe_can_read, fe_read, fe_event, f };
    g_assert_true(chardev_set_frontend(chr, &fe, NULL));
}

static void spin_until(bool (*cond)(void *), void *opaque)
{
    for (int i = 0; i < 3000 && !cond(opaque); i++) {
        main_loop_wait(NULL, false);
        g_usleep(1000);
    }
    g_assert_true(cond(opaque));
}

static char *tmpdir;

static void test_options(void)
{
    static const struct { const char *opts, *msg; } bad[] = {
        { "null", "'id' is missing" },
        { "bogus,id=x", "'bogus' is not a valid char driver name" },
        { "vc,id=x", "there is no display" },
        { "null,id=9x", "identifier" },
        { "null,id=x,colour=red", "Invalid parameter 'colour'" },
        { "file,id=x", "no filename given" },
        { "socket,id=x,port=1,telnet=on", "telnet is not supported" },
        { "socket,id=x", "no host given" },
        { "socket,id=x,host=a,path=/b", "path= excludes" },
        { "socket,id=x,host=localhost,port=1,server=on,reconnect=2", "incompatible" },
        { "ringbuf,id=x,size=1000", "power of two" },
        { "null,id=x,mux=maybe", "'mux' expects" },
        { "socket,id=x,host=127.0.0.1,port=1", "Connection refused" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        Error *err = NULL;
        g_assert_null(chardev_new_str(bad[i].opts, NULL, &err));
        g_assert_nonnull(err);
        if (!strstr(error_message(err), bad[i].msg)) {
            g_error("%s: \"%s\" lacks \"%s\"", bad[i].opts, error_message(err), bad[i].msg);
        }
        error_free(err);
    }
    Chardev *n = chardev_new_str("null,id=n0", NULL, NULL);
    g_assert_nonnull(n);
    Error *err = NULL;
    g_assert_null(chardev_new_str("null,id=n0", NULL, &err));
    g_assert_nonnull(strstr(error_message(err), "Duplicate ID 'n0'"));
    error_free(err);
    g_assert_true(chardev_find("n0") == n);
    g_assert_true(chardev_write_all(n, (const uint8_t *)"x", 1));
    /* Only one front end. */
    Fe f;
    attach(n, &f, 0);
    CharFrontend again = { fe_can_read, fe_read, NULL, &f };
    err = NULL;
    g_assert_false(chardev_set_frontend(n, &again, &err));
    g_assert_nonnull(strstr(error_message(err), "in use"));
    error_free(err);
    chardev_free(n);
    g_string_free(f.got, TRUE);

    /* Legacy forms. */
    err = NULL;
    g_assert_null(chardev_new_legacy("s0", "udp:127.0.0.1:4555", NULL, &err));
    error_free(err);
    err = NULL;
    g_assert_null(chardev_new_legacy("s0", "chardev:missing", NULL, &err));
    error_free(err);
    Chardev *l = chardev_new_legacy("s0", "null", NULL, NULL);
    g_assert_nonnull(l);
    g_assert_true(chardev_new_legacy("s1", "chardev:s0", NULL, NULL) == l);
    chardev_free(l);
}

static void test_file_and_pipe(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "out.txt", NULL);
    g_autofree char *o = g_strdup_printf("file,id=f0,path=%s", path);
    Chardev *f = chardev_new_str(o, NULL, NULL);
    g_assert_nonnull(f);
    g_assert_true(chardev_write_all(f, (const uint8_t *)"hello\n", 6));
    chardev_free(f);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "hello\n");
    /* append=on keeps what is there. */
    g_autofree char *o2 = g_strdup_printf("file,id=f1,path=%s,append=on", path);
    f = chardev_new_str(o2, NULL, NULL);
    chardev_write_all(f, (const uint8_t *)"more\n", 5);
    chardev_free(f);
    g_free(text);
    text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "hello\nmore\n");

    /* pipe: PATH.in / PATH.out FIFOs. */
    g_autofree char *base = g_build_filename(tmpdir, "fifo", NULL);
    g_autofree char *in = g_strdup_printf("%s.in", base), *out = g_strdup_printf("%s.out", base);
    g_assert_cmpint(mkfifo(in, 0600), ==, 0);
    g_assert_cmpint(mkfifo(out, 0600), ==, 0);
    g_autofree char *o3 = g_strdup_printf("pipe,id=p0,path=%s", base);
    Chardev *p = chardev_new_str(o3, NULL, NULL);
    g_assert_nonnull(p);
    Fe fe;
    attach(p, &fe, 3);
    int win = open(in, O_WRONLY), rout = open(out, O_RDONLY | O_NONBLOCK);
    g_assert_cmpint(write(win, "abcdef", 6), ==, 6);
    for (int i = 0; i < 200 && fe.got->len < 3; i++) {
        main_loop_wait(NULL, false);
        g_usleep(1000);
    }
    /* Only the room the front end gave: 3 bytes, then more when it asks. */
    g_assert_cmpstr(fe.got->str, ==, "abc");
    for (int i = 0; i < 50; i++) {
        main_loop_wait(NULL, false);
    }
    g_assert_cmpstr(fe.got->str, ==, "abc");
    fe.room = 10;
    chardev_accept_input(p);
    for (int i = 0; i < 200 && fe.got->len < 6; i++) {
        main_loop_wait(NULL, false);
        g_usleep(1000);
    }
    g_assert_cmpstr(fe.got->str, ==, "abcdef");
    chardev_write_all(p, (const uint8_t *)"xyz", 3);
    char buf[8] = { 0 };
    g_assert_cmpint(read(rout, buf, sizeof(buf)), ==, 3);
    g_assert_cmpstr(buf, ==, "xyz");
    close(win);
    close(rout);
    chardev_free(p);
    g_string_free(fe.got, TRUE);
}

static bool got3(void *opaque) { return ((Fe *)opaque)->got->len >= 3; }
static bool opened(void *opaque) { return ((Fe *)opaque)->opened > 0; }
static bool closed(void *opaque) { return ((Fe *)opaque)->closed > 0; }

static void test_pty(void)
{
    Chardev *c = chardev_new_str("pty,id=t0", NULL, NULL);
    if (!c) {
        g_test_skip("no pseudo-terminals here");
        return;
    }
    g_assert_true(g_str_has_prefix(c->filename, "pty:/dev/pts/"));
    Fe fe;
    attach(c, &fe, 100);
    /* Nobody on the slave yet: writing does not block. */
    g_assert_true(chardev_write_all(c, (const uint8_t *)"early", 5));
    int s = open(c->filename + 4, O_RDWR | O_NOCTTY);
    g_assert_cmpint(s, >=, 0);
    g_assert_cmpint(write(s, "key", 3), ==, 3);
    spin_until(got3, &fe);
    g_assert_cmpstr(fe.got->str, ==, "key");
    chardev_write_all(c, (const uint8_t *)"out", 3);
    GString *seen = g_string_new(NULL);
    for (int i = 0; i < 100 && !strstr(seen->str, "out"); i++) {
        char buf[16];
        ssize_t n = read(s, buf, sizeof(buf));
        if (n > 0) {
            g_string_append_len(seen, buf, n);
        }
    }
    g_assert_nonnull(strstr(seen->str, "out"));
    g_string_free(seen, TRUE);
    close(s);
    for (int i = 0; i < 20; i++) {
        main_loop_wait(NULL, false);    /* the hang-up must not spin */
    }
    chardev_free(c);
    g_string_free(fe.got, TRUE);
}

static int free_port(void)
{
    g_autoptr(SocketAddress) a = socket_address_new_inet("127.0.0.1", "0");
    int *fds;
    g_assert_cmpint(socket_listen(a, 1, &fds, NULL), ==, 1);
    int port = socket_local_port(fds[0]);
    close(fds[0]);
    g_free(fds);
    return port;
}

static void test_socket(void)
{
    int port = free_port();
    g_autofree char *so = g_strdup_printf("socket,id=srv,host=127.0.0.1,port=%d,server=on,"
                                          "wait=off", port);
    Chardev *srv = chardev_new_str(so, NULL, NULL);
    g_assert_nonnull(srv);
    g_assert_true(g_str_has_prefix(srv->filename, "disconnected:tcp:127.0.0.1:"));
    Fe sf;
    attach(srv, &sf, 64);
    /* Output with nobody connected is dropped. */
    g_assert_true(chardev_write_all(srv, (const uint8_t *)"void", 4));

    /* A client chardev connects to it. */
    g_autofree char *co = g_strdup_printf("socket,id=cli,host=127.0.0.1,port=%d", port);
    Chardev *cli = chardev_new_str(co, NULL, NULL);
    g_assert_nonnull(cli);
    Fe cf;
    attach(cli, &cf, 64);
    g_assert_cmpint(cf.opened, ==, 1);
    spin_until(opened, &sf);
    g_assert_true(g_str_has_prefix(srv->filename, "tcp:127.0.0.1:"));
    chardev_write_all(cli, (const uint8_t *)"c2s", 3);
    spin_until(got3, &sf);
    g_assert_cmpstr(sf.got->str, ==, "c2s");
    chardev_write_all(srv, (const uint8_t *)"s2c", 3);
    spin_until(got3, &cf);
    g_assert_cmpstr(cf.got->str, ==, "s2c");
    /* The client goes away: the server sees it close and listens again. */
    chardev_free(cli);
    spin_until(closed, &sf);
    g_assert_true(g_str_has_prefix(srv->filename, "disconnected:"));
    chardev_free(srv);
    g_string_free(sf.got, TRUE);
    g_string_free(cf.got, TRUE);
}

static void test_reconnect(void)
{
    int port = free_port();
    g_autofree char *co = g_strdup_printf("socket,id=rc,host=127.0.0.1,port=%d,reconnect=1",
                                          port);
    Chardev *cli = chardev_new_str(co, NULL, NULL);
    g_assert_nonnull(cli);                      /* no server yet: retried later */
    Fe cf;
    attach(cli, &cf, 16);
    g_assert_cmpint(cf.opened, ==, 0);
    g_autofree char *so = g_strdup_printf("socket,id=rs,host=127.0.0.1,port=%d,server=on,"
                                          "wait=off", port);
    Chardev *srv = chardev_new_str(so, NULL, NULL);
    g_assert_nonnull(srv);
    spin_until(opened, &cf);
    chardev_free(cli);
    chardev_free(srv);
    g_string_free(cf.got, TRUE);
}

static void test_ringbuf(void)
{
    Chardev *r = chardev_new_str("ringbuf,id=rb,size=8", NULL, NULL);
    g_assert_nonnull(r);
    chardev_write_all(r, (const uint8_t *)"0123456789", 10);
    g_autofree char *all = chardev_ringbuf_read(r, 100, "utf8", NULL);
    g_assert_cmpstr(all, ==, "23456789");       /* the oldest gave way */
    chardev_write_all(r, (const uint8_t *)"hi", 2);
    g_autofree char *b64 = chardev_ringbuf_read(r, 1, "base64", NULL);
    g_assert_cmpstr(b64, ==, "aA==");
    Error *err = NULL;
    g_assert_null(chardev_ringbuf_read(r, 1, "hex", &err));
    error_free(err);
    Fe f;
    attach(r, &f, 4);
    g_assert_true(chardev_ringbuf_write(r, "aW5wdXQ=", "base64", NULL));    /* "input" */
    g_assert_cmpstr(f.got->str, ==, "inpu");    /* within the front end's room */
    Chardev *n = chardev_new_str("null,id=notring", NULL, NULL);
    err = NULL;
    g_assert_false(chardev_ringbuf_write(n, "x", NULL, &err));
    g_assert_nonnull(strstr(error_message(err), "not a ringbuf"));
    error_free(err);
    chardev_free(n);
    chardev_free(r);
    g_string_free(f.got, TRUE);
}

typedef struct MuxFe {
    Fe fe;
    int in, out, brk;
} MuxFe;

static void mux_event(void *opaque, int ev)
{
    MuxFe *m = opaque;
    m->in += ev == CHR_EVENT_MUX_IN;
    m->out += ev == CHR_EVENT_MUX_OUT;
    m->brk += ev == CHR_EVENT_BREAK;
}

static size_t mux_can_read(void *opaque) { return fe_can_read(&((MuxFe *)opaque)->fe); }
static void mux_read(void *opaque, const uint8_t *b, size_t n) { fe_read(&((MuxFe *)opaque)->fe, b, n); }

static int quits;
static void on_quit(void *opaque) { quits++; }

static void test_mux(void)
{
    /* -serial mon:null: a multiplexer over null. */
    Chardev *c = chardev_new_legacy("serial0", "mon:null", NULL, NULL);
    g_assert_nonnull(c);
    g_assert_nonnull(chardev_find("serial0-base"));
    chardev_free(c);
    c = chardev_new_str("ringbuf,id=mx,mux=on", NULL, NULL);
    g_assert_nonnull(c);
    g_assert_nonnull(chardev_find("mx-base"));
    chardev_mux_set_quit(on_quit, NULL);
    MuxFe mon = { { g_string_new(NULL), 100, 0, 0 }, 0, 0, 0 };
    MuxFe ser = { { g_string_new(NULL), 100, 0, 0 }, 0, 0, 0 };
    CharFrontend fm = { mux_can_read, mux_read, mux_event, &mon };
    CharFrontend fs = { mux_can_read, mux_read, mux_event, &ser };
    g_assert_true(chardev_set_frontend(c, &fm, NULL));    /* the monitor first */
    g_assert_true(chardev_set_frontend(c, &fs, NULL));    /* then the serial port */
    Chardev *base = chardev_find("mx-base");
    /* The serial port has the focus. */
    chardev_ringbuf_write(base, "ab", "utf8", NULL);
    g_assert_cmpstr(ser.fe.got->str, ==, "ab");
    /* Ctrl-a c: to the monitor. */
    chardev_ringbuf_write(base, "\001cxy", "utf8", NULL);
    g_assert_cmpstr(mon.fe.got->str, ==, "xy");
    g_assert_cmpint(ser.out, ==, 1);
    g_assert_cmpint(mon.in, >=, 1);
    /* Ctrl-a Ctrl-a sends Ctrl-a; Ctrl-a b a break; unknown escapes vanish. */
    chardev_ringbuf_write(base, "\001\001\001b\001z", "utf8", NULL);
    g_assert_cmpstr(mon.fe.got->str, ==, "xy\001");
    g_assert_cmpint(mon.brk, ==, 1);
    /* Both front ends write out; Ctrl-a h answers on the back end. */
    chardev_write_all(c, (const uint8_t *)"[s]", 3);
    chardev_ringbuf_write(base, "\001h", "utf8", NULL);
    g_autofree char *out = chardev_ringbuf_read(base, 4096, "utf8", NULL);
    g_assert_true(g_str_has_prefix(out, "[s]"));
    g_assert_nonnull(strstr(out, "C-a c    switch between console and monitor"));
    /* Ctrl-a x quits through the program's callback. */
    chardev_ringbuf_write(base, "\001x", "utf8", NULL);
    g_assert_cmpint(quits, ==, 1);
    chardev_free(c);
    g_assert_null(chardev_find("mx-base"));
    g_string_free(mon.fe.got, TRUE);
    g_string_free(ser.fe.got, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_test_add_func("/chardev/options", test_options);
    g_test_add_func("/chardev/file-and-pipe", test_file_and_pipe);
    g_test_add_func("/chardev/pty", test_pty);
    g_test_add_func("/chardev/socket", test_socket);
    g_test_add_func("/chardev/reconnect", test_reconnect);
    g_test_add_func("/chardev/ringbuf", test_ringbuf);
    g_test_add_func("/chardev/mux", test_mux);
    int ret = g_test_run();
    g_autofree char *cmd = g_strdup_printf("rm -rf %s", tmpdir);
    if (system(cmd) != 0) {
        ret = 1;
    }
    return ret;
}
