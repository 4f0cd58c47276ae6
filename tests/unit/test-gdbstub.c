/*
 * Unit tests for the gdbstub core (libtcg/gdbstub.c) with the RV64 register map:
 * a scripted debugger byte stream goes in, the stub's replies are checked packet
 * by packet (framing, checksums, acks, each command and its error cases).
 */
#include "config.h"
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "libtcg/gdbstub.h"
#include "targets/riscv/gdb.h"

#define MEM_BASE 0x10000u
#define MEM_SIZE 0x100u

typedef struct Fixture {
    GString *in;
    size_t pos;
    GString *out;
    uint8_t mem[MEM_SIZE];
    GArray *bps;
    CPURISCVState env;
} Fixture;

static ssize_t t_read(void *opaque, void *buf, size_t len)
{
    Fixture *f = opaque;
    size_t n = MIN(len, f->in->len - f->pos);
    memcpy(buf, f->in->str + f->pos, n);
    f->pos += n;
    return (ssize_t)n;
}

static bool t_write(void *opaque, const void *buf, size_t len)
{
    Fixture *f = opaque;
    g_string_append_len(f->out, buf, (gssize)len);
    return true;
}

static bool t_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    Fixture *f = opaque;
    if (addr < MEM_BASE || addr - MEM_BASE + len > MEM_SIZE) {
        return false;
    }
    memcpy(buf, f->mem + (addr - MEM_BASE), len);
    return true;
}

static bool t_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    Fixture *f = opaque;
    if (addr < MEM_BASE || addr - MEM_BASE + len > MEM_SIZE) {
        return false;
    }
    memcpy(f->mem + (addr - MEM_BASE), buf, len);
    return true;
}

static bool t_bp_insert(void *opaque, uint64_t addr)
{
    Fixture *f = opaque;
    g_array_append_val(f->bps, addr);
    return true;
}

static bool t_bp_remove(void *opaque, uint64_t addr)
{
    Fixture *f = opaque;
    for (guint i = 0; i < f->bps->len; i++) {
        if (g_array_index(f->bps, uint64_t, i) == addr) {
            g_array_remove_index(f->bps, i);
            return true;
        }
    }
    return false;
}

static void t_bp_remove_all(void *opaque)
{
    Fixture *f = opaque;
    g_array_set_size(f->bps, 0);
}

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->in = g_string_new(NULL);
    f->out = g_string_new(NULL);
    f->bps = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    f->env.ext = RISCV_EXT_I | RISCV_EXT_F | RISCV_EXT_D;
    for (int i = 1; i < 32; i++) {
        f->env.gpr[i] = 0x1000 + (uint64_t)i;
    }
    f->env.pc = 0x10078;
    f->env.fflags = 0x3;
    f->env.frm = 0x2;
    for (unsigned i = 0; i < MEM_SIZE; i++) {
        f->mem[i] = (uint8_t)i;
    }
}

static void fixture_free(Fixture *f)
{
    g_string_free(f->in, TRUE);
    g_string_free(f->out, TRUE);
    g_array_free(f->bps, TRUE);
}

/* Queue one framed packet (and the '+' that acks our reply to it). */
static void send_pkt(Fixture *f, const char *payload, bool ack_reply)
{
    unsigned sum = 0;
    for (const char *p = payload; *p; p++) {
        sum += (unsigned char)*p;
    }
    g_string_append_printf(f->in, "$%s#%02x", payload, sum & 0xff);
    if (ack_reply) {
        g_string_append_c(f->in, '+');
    }
}

static GdbResume run(Fixture *f)
{
    GdbOps ops = {
        .read = t_read, .write = t_write, .mem_read = t_mem_read,
        .mem_write = t_mem_write, .bp_insert = t_bp_insert, .bp_remove = t_bp_remove,
        .bp_remove_all = t_bp_remove_all, .opaque = f,
    };
    GdbServer *s = gdb_server_new(riscv_gdb_arch_get(f->env.ext), &ops);
    GdbResume r = gdb_server_stopped(s, &f->env, GDB_SIGNAL_TRAP);
    gdb_server_free(s);
    return r;
}

/* The replies as a list of payloads (checksums verified), acks dropped. */
static GPtrArray *replies(Fixture *f)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    const char *p = f->out->str;
    while ((p = strchr(p, '$')) != NULL) {
        const char *hash = strchr(p, '#');
        g_assert_nonnull(hash);
        unsigned sum = 0;
        for (const char *q = p + 1; q < hash; q++) {
            sum += (unsigned char)*q;
        }
        char cks[3] = { hash[1], hash[2], 0 };
        g_assert_cmpuint(strtoul(cks, NULL, 16), ==, sum & 0xff);
        g_ptr_array_add(a, g_strndup(p + 1, (gsize)(hash - p - 1)));
        p = hash + 3;
    }
    return a;
}

/* Send one packet, stop on the following 'D', return the reply to the first. */
static char *one(Fixture *f, const char *pkt)
{
    send_pkt(f, pkt, true);
    send_pkt(f, "D", true);
    run(f);
    GPtrArray *a = replies(f);
    g_assert_cmpuint(a->len, >=, 1);
    char *r = g_strdup(g_ptr_array_index(a, 0));
    g_ptr_array_free(a, TRUE);
    return r;
}

static void check_one(const char *pkt, const char *want)
{
    Fixture f;
    fixture_init(&f);
    char *r = one(&f, pkt);
    g_assert_cmpstr(r, ==, want);
    g_free(r);
    fixture_free(&f);
}

static void test_basic_queries(void)
{
    check_one("?", "T05thread:1;");
    check_one("qC", "QC1");
    check_one("qfThreadInfo", "m1");
    check_one("qsThreadInfo", "l");
    check_one("qAttached", "1");
    check_one("Hg0", "OK");
    check_one("Hc-1", "OK");
    check_one("T1", "OK");
    check_one("T2", "E03");
    check_one("vMustReplyEmpty", "");
    check_one("qSomethingNew", "");
    check_one("vCont?", "vCont;c;C;s;S");
    check_one("Hx0", "E16");
}

static void test_supported(void)
{
    Fixture f;
    fixture_init(&f);
    char *r = one(&f, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
    g_assert_nonnull(strstr(r, "PacketSize=1000"));
    g_assert_nonnull(strstr(r, "qXfer:features:read+"));
    g_assert_nonnull(strstr(r, "QStartNoAckMode+"));
    g_free(r);
    fixture_free(&f);
}

/* After qSupported with multiprocess+, thread ids are pPID.TID (ours p1.1). */
static void test_multiprocess(void)
{
    Fixture f;
    fixture_init(&f);
    send_pkt(&f, "qSupported:multiprocess+;swbreak+", true);
    send_pkt(&f, "qC", true);
    send_pkt(&f, "qfThreadInfo", true);
    send_pkt(&f, "Hgp1.1", true);
    send_pkt(&f, "Hcp-1.-1", true);
    send_pkt(&f, "Hgp2.1", true);
    send_pkt(&f, "Tp1.1", true);
    send_pkt(&f, "?", true);
    send_pkt(&f, "D", true);
    run(&f);
    GPtrArray *a = replies(&f);
    g_assert_cmpuint(a->len, >=, 8);
    g_assert_nonnull(strstr(g_ptr_array_index(a, 0), ";multiprocess+"));
    g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "QCp1.1");
    g_assert_cmpstr(g_ptr_array_index(a, 2), ==, "mp1.1");
    g_assert_cmpstr(g_ptr_array_index(a, 3), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 4), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 5), ==, "E16");
    g_assert_cmpstr(g_ptr_array_index(a, 6), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 7), ==, "T05thread:p1.1;");
    g_ptr_array_free(a, TRUE);
    fixture_free(&f);
}

static void test_registers(void)
{
    Fixture f;
    fixture_init(&f);
    char *r = one(&f, "g");
    /* 33 registers of 8 bytes: x0 = 0, x1 = 0x1001 little-endian, ..., pc last. */
    g_assert_cmpuint(strlen(r), ==, 33 * 16);
    g_assert_true(g_str_has_prefix(r, "0000000000000000" "0110000000000000"));
    g_assert_cmpstr(r + 32 * 16, ==, "7800010000000000");
    g_free(r);
    fixture_free(&f);

    check_one("p20", "7800010000000000");
    check_one("p42", "03000000");            /* fflags */
    check_one("p43", "02000000");            /* frm */
    check_one("p44", "43000000");            /* fcsr = frm << 5 | fflags */
    check_one("p41", "E16");                 /* 65: no such register */
    check_one("p45", "E16");
    check_one("pzz", "E16");
    check_one("p11111111111111111", "E16");

    fixture_init(&f);
    send_pkt(&f, "P5=0807060504030201", true);
    send_pkt(&f, "P0=ffffffffffffffff", true);  /* x0 stays 0 */
    send_pkt(&f, "P20=00", true);               /* too short */
    send_pkt(&f, "P21=0000000000000040", true); /* f0 */
    send_pkt(&f, "D", true);
    run(&f);
    GPtrArray *a = replies(&f);
    g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 2), ==, "E16");
    g_assert_cmpstr(g_ptr_array_index(a, 3), ==, "OK");
    g_assert_cmphex(f.env.gpr[5], ==, 0x0102030405060708ull);
    g_assert_cmphex(f.env.gpr[0], ==, 0);
    g_assert_cmphex(f.env.pc, ==, 0x10078);
    g_assert_cmphex(f.env.fpr[0], ==, 0x4000000000000000ull);
    g_ptr_array_free(a, TRUE);
    fixture_free(&f);
}

static void test_write_all_registers(void)
{
    Fixture f;
    fixture_init(&f);
    GString *g = g_string_new("G");
    for (int i = 0; i < 33; i++) {
        g_string_append_printf(g, "%02x00000000000000", i + 0x40);
    }
    send_pkt(&f, g->str, true);
    send_pkt(&f, "G00", true);          /* short: refused, nothing changed */
    send_pkt(&f, "D", true);
    run(&f);
    GPtrArray *a = replies(&f);
    g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "E16");
    g_assert_cmphex(f.env.gpr[0], ==, 0);
    g_assert_cmphex(f.env.gpr[31], ==, 0x40 + 31);
    g_assert_cmphex(f.env.pc, ==, 0x40 + 32);
    g_ptr_array_free(a, TRUE);
    g_string_free(g, TRUE);
    fixture_free(&f);
}

static void test_memory(void)
{
    check_one("m10000,4", "00010203");
    check_one("m100fe,2", "feff");
    check_one("m100fe,3", "E0e");           /* runs off the end: EFAULT */
    check_one("m0,4", "E0e");
    check_one("m10000,0", "");
    check_one("m10000", "E16");
    check_one("m10000,100000", "E16");      /* longer than a packet */
    check_one("mffffffffffffffff,2", "E16");/* wraps */

    Fixture f;
    fixture_init(&f);
    send_pkt(&f, "M10010,3:aabbcc", true);
    send_pkt(&f, "M10010,3:aabb", true);    /* too few bytes */
    send_pkt(&f, "M10020,1:zz", true);
    /* X: binary with '}' escapes: 0x7d 0x5d -> ']' ^ 0x20 = '}' */
    send_pkt(&f, "X10030,3:A}]B", true);
    send_pkt(&f, "X10040,0:", true);
    send_pkt(&f, "X10040,2:A", true);       /* short */
    send_pkt(&f, "D", true);
    run(&f);
    GPtrArray *a = replies(&f);
    g_assert_cmpuint(a->len, ==, 7);
    g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "E16");
    g_assert_cmpstr(g_ptr_array_index(a, 2), ==, "E16");
    g_assert_cmpstr(g_ptr_array_index(a, 3), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 4), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 5), ==, "E16");
    g_assert_cmpmem(f.mem + 0x10, 3, "\xaa\xbb\xcc", 3);
    g_assert_cmpmem(f.mem + 0x30, 3, "A}B", 3);
    g_assert_cmpuint(f.mem[0x20], ==, 0x20);
    g_ptr_array_free(a, TRUE);
    fixture_free(&f);
}

static void test_breakpoints_and_resume(void)
{
    Fixture f;
    fixture_init(&f);
    send_pkt(&f, "Z0,10080,4", true);
    send_pkt(&f, "Z0,10090,2", true);
    send_pkt(&f, "z0,10080,4", true);
    send_pkt(&f, "z0,10080,4", true);       /* not there any more */
    send_pkt(&f, "Z1,10080,4", true);       /* hardware: unsupported, empty */
    send_pkt(&f, "Z0,10080", true);
    send_pkt(&f, "c", false);
    GdbResume r = run(&f);
    g_assert_cmpint(r.kind, ==, GDB_RESUME_CONTINUE);
    g_assert_cmpint(r.gdb_signal, ==, 0);
    GPtrArray *a = replies(&f);
    g_assert_cmpuint(a->len, ==, 6);
    g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 2), ==, "OK");
    g_assert_cmpstr(g_ptr_array_index(a, 3), ==, "E02");
    g_assert_cmpstr(g_ptr_array_index(a, 4), ==, "");
    g_assert_cmpstr(g_ptr_array_index(a, 5), ==, "E16");
    g_assert_cmpuint(f.bps->len, ==, 1);
    g_assert_cmphex(g_array_index(f.bps, uint64_t, 0), ==, 0x10090);
    g_ptr_array_free(a, TRUE);
    fixture_free(&f);
}

static GdbResume resume_of(const char *pkt)
{
    Fixture f;
    fixture_init(&f);
    send_pkt(&f, pkt, false);
    GdbResume r = run(&f);
    fixture_free(&f);
    return r;
}

static void test_resume_kinds(void)
{
    GdbResume r;
    r = resume_of("s");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_STEP);
    r = resume_of("C0b");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_CONTINUE);
    g_assert_cmpint(r.gdb_signal, ==, 11);
    r = resume_of("S05");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_STEP);
    g_assert_cmpint(r.gdb_signal, ==, 5);
    r = resume_of("vCont;s:1;c");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_STEP);
    r = resume_of("vCont;C0b:1");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_CONTINUE);
    g_assert_cmpint(r.gdb_signal, ==, 11);
    r = resume_of("vCont;c");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_CONTINUE);
    r = resume_of("k");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_KILL);
    r = resume_of("vKill;1");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_KILL);
    r = resume_of("D");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_DETACH);
    /* Bad vCont: error reply, and the end of input is a disconnect. */
    r = resume_of("vCont;x");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_DISCONNECT);
    r = resume_of("vCont;c:2");
    g_assert_cmpint(r.kind, ==, GDB_RESUME_DISCONNECT);
    r = resume_of("c12");       /* c ADDR moves the pc */
    g_assert_cmpint(r.kind, ==, GDB_RESUME_CONTINUE);
}

static void test_c_addr_sets_pc(void)
{
    Fixture f;
    fixture_init(&f);
    send_pkt(&f, "c10100", false);
    run(&f);
    g_assert_cmphex(f.env.pc, ==, 0x10100);
    fixture_free(&f);
}

static void test_xml(void)
{
    Fixture f;
    fixture_init(&f);
    char *r = one(&f, "qXfer:features:read:target.xml:0,1000");
    g_assert_true(r[0] == 'l');
    g_assert_nonnull(strstr(r, "<architecture>riscv:rv64</architecture>"));
    g_assert_nonnull(strstr(r, "riscv-64bit-fpu.xml"));
    g_free(r);
    fixture_free(&f);

    fixture_init(&f);
    r = one(&f, "qXfer:features:read:riscv-64bit-cpu.xml:0,40");
    g_assert_true(r[0] == 'm');
    g_assert_cmpuint(strlen(r), ==, 0x41);
    g_free(r);
    fixture_free(&f);

    /* A long document comes in pieces: 'm' until the last, 'l'. */
    GString *doc = g_string_new(NULL);
    for (int i = 0; i < 20; i++) {
        fixture_init(&f);
        char *pkt = g_strdup_printf("qXfer:features:read:riscv-64bit-fpu.xml:%zx,4000",
                                    doc->len);
        r = one(&f, pkt);
        g_assert_true(r[0] == 'm' || r[0] == 'l');
        g_string_append(doc, r + 1);
        bool last = r[0] == 'l';
        g_free(pkt);
        g_free(r);
        fixture_free(&f);
        if (last) {
            break;
        }
    }
    g_assert_true(g_str_has_suffix(doc->str, "</feature>\n"));
    g_assert_nonnull(strstr(doc->str, "org.gnu.gdb.riscv.fpu"));
    g_assert_nonnull(strstr(doc->str, "name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\""));
    g_string_free(doc, TRUE);

    check_one("qXfer:features:read:none.xml:0,10", "E02");
    check_one("qXfer:features:read:target.xml:100000,10", "E16");
    check_one("qXfer:features:read:target.xml", "E16");

    /* Without F: no fpu feature. */
    fixture_init(&f);
    f.env.ext = RISCV_EXT_I;
    r = one(&f, "qXfer:features:read:target.xml:0,1000");
    g_assert_null(strstr(r, "fpu"));
    g_free(r);
    fixture_free(&f);
    fixture_init(&f);
    f.env.ext = RISCV_EXT_I;
    r = one(&f, "p21");
    g_assert_cmpstr(r, ==, "E16");
    g_free(r);
    fixture_free(&f);
}

static void test_framing(void)
{
    Fixture f;
    fixture_init(&f);
    /* Bad checksum: '-' and no reply; noise before '$' ignored. */
    g_string_append(f.in, "junk$g#00");
    send_pkt(&f, "?", true);
    send_pkt(&f, "D", true);
    run(&f);
    g_assert_true(g_str_has_prefix(f.out->str, "-+$T05"));
    fixture_free(&f);

    /* Our reply nacked once: it is sent again. */
    fixture_init(&f);
    send_pkt(&f, "qC", false);
    g_string_append(f.in, "-+");
    send_pkt(&f, "D", true);
    run(&f);
    GPtrArray *a = replies(&f);
    g_assert_cmpuint(a->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "QC1");
    g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "QC1");
    g_ptr_array_free(a, TRUE);
    fixture_free(&f);

    /* An over-long packet is refused with '-', the stream goes on. */
    fixture_init(&f);
    GString *big = g_string_new("$");
    for (int i = 0; i < GDB_MAX_PACKET + 10; i++) {
        g_string_append_c(big, 'q');
    }
    g_string_append(big, "#00");
    g_string_append(f.in, big->str);
    send_pkt(&f, "qC", true);
    send_pkt(&f, "D", true);
    run(&f);
    g_assert_true(g_str_has_prefix(f.out->str, "-+$QC1#"));
    g_string_free(big, TRUE);
    fixture_free(&f);

    /* No-ack mode: after the OK, no more '+' from us. */
    fixture_init(&f);
    send_pkt(&f, "QStartNoAckMode", true);
    send_pkt(&f, "qC", false);
    send_pkt(&f, "D", false);
    run(&f);
    g_assert_cmpstr(f.out->str, ==, "+$OK#9a$QC1#c5$OK#9a");
    fixture_free(&f);

    /* End of input mid-packet: a disconnect. */
    fixture_init(&f);
    g_string_append(f.in, "$qC#1");
    GdbResume r = run(&f);
    g_assert_cmpint(r.kind, ==, GDB_RESUME_DISCONNECT);
    fixture_free(&f);
}

static void test_stop_replies(void)
{
    Fixture f;
    fixture_init(&f);
    GdbOps ops = {
        .read = t_read, .write = t_write, .mem_read = t_mem_read,
        .mem_write = t_mem_write, .bp_insert = t_bp_insert, .bp_remove = t_bp_remove,
        .bp_remove_all = t_bp_remove_all, .opaque = &f,
    };
    GdbServer *s = gdb_server_new(riscv_gdb_arch_get(f.env.ext), &ops);
    /* First stop: no unsolicited reply until '?'. */
    send_pkt(&f, "?", true);
    send_pkt(&f, "c", false);
    gdb_server_stopped(s, &f.env, GDB_SIGNAL_TRAP);
    /* Next stop (SIGSEGV = gdb 11): the reply comes by itself. */
    g_string_append_c(f.in, '+');
    send_pkt(&f, "c", false);
    gdb_server_stopped(s, &f.env, 11);
    g_string_append_c(f.in, '+');
    gdb_server_exited(s, 3);
    g_assert_false(gdb_server_connected(s));
    gdb_server_free(s);
    GPtrArray *a = replies(&f);
    g_assert_cmpuint(a->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(a, 0), ==, "T05thread:1;");
    g_assert_cmpstr(g_ptr_array_index(a, 1), ==, "T0bthread:1;");
    g_assert_cmpstr(g_ptr_array_index(a, 2), ==, "W03");
    g_ptr_array_free(a, TRUE);
    fixture_free(&f);

    fixture_init(&f);
    s = gdb_server_new(riscv_gdb_arch_get(f.env.ext), &ops);
    gdb_server_killed(s, 9);
    gdb_server_free(s);
    g_assert_true(g_str_has_prefix(f.out->str, "$X09#"));
    fixture_free(&f);
}

static void test_signals(void)
{
    g_assert_cmpint(gdb_signal_from_host(SIGTRAP), ==, 5);
    g_assert_cmpint(gdb_signal_from_host(SIGSEGV), ==, 11);
    g_assert_cmpint(gdb_signal_from_host(SIGBUS), ==, 10);
    g_assert_cmpint(gdb_signal_from_host(SIGUSR1), ==, 30);
    g_assert_cmpint(gdb_signal_from_host(SIGCHLD), ==, 20);
    g_assert_cmpint(gdb_signal_from_host(SIGSYS), ==, 12);
    g_assert_cmpint(gdb_signal_from_host(34), ==, 46);
    for (int sig = 1; sig <= 64; sig++) {
        int g = gdb_signal_from_host(sig);
        if (g) {
            g_assert_cmpint(gdb_signal_to_host(g), ==, sig);
        }
    }
    g_assert_cmpint(gdb_signal_to_host(0), ==, 0);
    g_assert_cmpint(gdb_signal_to_host(1000), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/gdbstub/basic-queries", test_basic_queries);
    g_test_add_func("/gdbstub/supported", test_supported);
    g_test_add_func("/gdbstub/multiprocess", test_multiprocess);
    g_test_add_func("/gdbstub/registers", test_registers);
    g_test_add_func("/gdbstub/write-all-registers", test_write_all_registers);
    g_test_add_func("/gdbstub/memory", test_memory);
    g_test_add_func("/gdbstub/breakpoints", test_breakpoints_and_resume);
    g_test_add_func("/gdbstub/resume", test_resume_kinds);
    g_test_add_func("/gdbstub/c-addr", test_c_addr_sets_pc);
    g_test_add_func("/gdbstub/xml", test_xml);
    g_test_add_func("/gdbstub/framing", test_framing);
    g_test_add_func("/gdbstub/stop-replies", test_stop_replies);
    g_test_add_func("/gdbstub/signals", test_signals);
    return g_test_run();
}
