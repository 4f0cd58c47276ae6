/*
 * The GDB Remote Serial Protocol core (see gdbstub.h): reads "$payload#xx" packets
 * from the runtime's transport, checks and acknowledges them, and answers each with
 * one reply packet through a table of command handlers. All parsing works on a
 * bounded buffer and validates hex digits, lengths and register numbers first.
 */
#include "config.h"
#include "libtcg/gdbstub.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

/* Reply buffer: hex doubles the bytes, so twice the packet plus framing. */
#define GDB_REPLY_MAX (2 * GDB_MAX_PACKET + 64)
/* 'm' and 'x' reads are bounded so the reply fits one packet. */
#define GDB_MAX_MEM_XFER (GDB_MAX_PACKET / 2 - 16)
#define GDB_THREAD_ID 1
/* With the multiprocess extension, thread ids read pPID.TID; ours is p1.1. */
#define GDB_PROCESS_ID 1

struct GdbServer {
    const GdbArch *arch;
    GdbOps ops;
    bool connected;
    bool no_ack;                /* QStartNoAckMode accepted */
    bool asked_stop;            /* gdb has sent '?' since connecting */
    bool multiprocess;          /* gdb and we agreed on pPID.TID thread ids */
    void *env;                  /* the stopped thread, while serving */
    int stop_sig;
    /* Input buffering. */
    uint8_t in[1024];
    size_t in_pos, in_len;
    /* The packet being served (NUL-terminated, binary for X). */
    char pkt[GDB_MAX_PACKET + 1];
    size_t pkt_len;
    GString *reply;
    GdbResume resume;
    bool resumed;               /* a handler decided how to go on */
};

/* ------------------------------------------------------------------------
 * Transport: bytes, packets, acks
 * ---------------------------------------------------------------------- */

static int gdb_getc(GdbServer *s)
{
    if (!s->connected) {
        return -1;
    }
    if (s->in_pos == s->in_len) {
        ssize_t n = s->ops.read(s->ops.opaque, s->in, sizeof(s->in));
        if (n <= 0) {
            s->connected = false;
            return -1;
        }
        s->in_pos = 0;
        s->in_len = (size_t)n;
    }
    return s->in[s->in_pos++];
}

static void gdb_write(GdbServer *s, const void *buf, size_t len)
{
    if (s->connected && !s->ops.write(s->ops.opaque, buf, len)) {
        s->connected = false;
    }
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static const char hex_digits[] = "0123456789abcdef";

/*
 * Send one packet and, in ack mode, wait for the '+' (resend on '-', a few
 * times). Run-length encoding is never used, so '*' needs no care here; the
 * payload is escaped by whoever built it when it is binary.
 */
static void gdb_send_packet(GdbServer *s, const char *payload, size_t len)
{
    GString *out = g_string_sized_new(len + 4);
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += (uint8_t)payload[i];
    }
    g_string_append_c(out, '$');
    g_string_append_len(out, payload, (gssize)len);
    g_string_append_printf(out, "#%c%c", hex_digits[sum >> 4], hex_digits[sum & 15]);
    for (int tries = 0; tries < 5 && s->connected; tries++) {
        gdb_write(s, out->str, out->len);
        if (s->no_ack) {
            break;
        }
        int c;
        do {
            c = gdb_getc(s);
        } while (c >= 0 && c != '+' && c != '-');
        if (c != '-') {
            break;
        }
    }
    g_string_free(out, TRUE);
}

static void gdb_send_str(GdbServer *s, const char *str)
{
    gdb_send_packet(s, str, strlen(str));
}

/*
 * Read the next packet into s->pkt. Returns false at end of stream. A packet
 * that is too long or has a bad checksum is nacked and skipped.
 */
static bool gdb_read_packet(GdbServer *s)
{
    for (;;) {
        int c;
        do {
            c = gdb_getc(s);
            if (c < 0) {
                return false;
            }
        } while (c != '$');
        size_t len = 0;
        bool overflow = false;
        uint8_t sum = 0;
        while ((c = gdb_getc(s)) >= 0 && c != '#') {
            if (c == '$') {             /* a new start: drop what we had */
                len = 0;
                sum = 0;
                overflow = false;
                continue;
            }
            sum += (uint8_t)c;
            if (len < GDB_MAX_PACKET) {
                s->pkt[len++] = (char)c;
            } else {
                overflow = true;
            }
        }
        if (c < 0) {
            return false;
        }
        int h = gdb_getc(s);
        int l = gdb_getc(s);
        if (h < 0 || l < 0) {
            return false;
        }
        int hv = hex_value(h), lv = hex_value(l);
        bool good = !overflow && hv >= 0 && lv >= 0 && (uint8_t)(hv << 4 | lv) == sum;
        if (!s->no_ack) {
            gdb_write(s, good ? "+" : "-", 1);
        }
        if (good) {
            s->pkt[len] = '\0';
            s->pkt_len = len;
            return true;
        }
    }
}

/* ------------------------------------------------------------------------
 * Parsing helpers: each advances *p and fails on anything unexpected
 * ---------------------------------------------------------------------- */

typedef struct Cursor {
    const char *p, *end;
} Cursor;

static bool cur_eof(const Cursor *c)
{
    return c->p >= c->end;
}

static bool cur_expect(Cursor *c, char ch)
{
    if (cur_eof(c) || *c->p != ch) {
        return false;
    }
    c->p++;
    return true;
}

/* A hex number of 1..16 digits. */
static bool cur_hex(Cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (!cur_eof(c) && hex_value(*c->p) >= 0) {
        if (++n > 16) {
            return false;
        }
        v = v << 4 | (uint64_t)hex_value(*c->p);
        c->p++;
    }
    *out = v;
    return n > 0;
}

/* One id of a thread-id: -1 (all), or hex (0: any). */
static bool cur_id(Cursor *c, int64_t *out)
{
    uint64_t v;

    if (cur_expect(c, '-')) {
        if (!cur_hex(c, &v) || v != 1) {
            return false;
        }
        *out = -1;
        return true;
    }
    if (!cur_hex(c, &v) || v > INT64_MAX) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

/*
 * A thread-id (TID, or pPID.TID with the multiprocess extension). *ours is true
 * when it selects our one thread: -1, 0 or its id, in process -1, 0 or ours.
 */
static bool cur_thread_id(Cursor *c, bool *ours)
{
    int64_t pid = 0, tid = 0;

    if (cur_expect(c, 'p')) {
        if (!cur_id(c, &pid)) {
            return false;
        }
        if (cur_expect(c, '.') && !cur_id(c, &tid)) {
            return false;
        }
    } else if (!cur_id(c, &tid)) {
        return false;
    }
    *ours = (pid <= 0 || pid == GDB_PROCESS_ID) && (tid <= 0 || tid == GDB_THREAD_ID);
    return true;
}

/* Exactly len bytes as 2 * len hex digits. */
static bool cur_hex_bytes(Cursor *c, uint8_t *buf, size_t len)
{
    if ((size_t)(c->end - c->p) < 2 * len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        int h = hex_value(c->p[2 * i]), l = hex_value(c->p[2 * i + 1]);
        if (h < 0 || l < 0) {
            return false;
        }
        buf[i] = (uint8_t)(h << 4 | l);
    }
    c->p += 2 * len;
    return true;
}

static void reply_hex(GString *r, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        g_string_append_c(r, hex_digits[buf[i] >> 4]);
        g_string_append_c(r, hex_digits[buf[i] & 15]);
    }
}

/* Binary data in a reply: '#', '$', '}' and '*' go as '}' then byte ^ 0x20. */
static void reply_binary(GString *r, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == '#' || ch == '$' || ch == '}' || ch == '*') {
            g_string_append_c(r, '}');
            ch ^= 0x20;
        }
        g_string_append_c(r, ch);
    }
}

static void reply_error(GString *r, int code)
{
    g_string_printf(r, "E%02x", code & 0xff);
}

/* ------------------------------------------------------------------------
 * Stop replies
 * ---------------------------------------------------------------------- */

/* Our thread-id in the form gdb asked for. */
static void append_thread_id(const GdbServer *s, GString *r)
{
    if (s->multiprocess) {
        g_string_append_printf(r, "p%x.%x", GDB_PROCESS_ID, GDB_THREAD_ID);
    } else {
        g_string_append_printf(r, "%x", GDB_THREAD_ID);
    }
}

static void reply_stop(GdbServer *s, GString *r)
{
    g_string_printf(r, "T%02xthread:", s->stop_sig & 0xff);
    append_thread_id(s, r);
    g_string_append_c(r, ';');
}

/* ------------------------------------------------------------------------
 * Command handlers. Each gets the packet after its command letter(s).
 * ---------------------------------------------------------------------- */

static void set_resume(GdbServer *s, GdbResumeKind kind, int sig)
{
    s->resume.kind = kind;
    s->resume.gdb_signal = sig;
    s->resumed = true;
}

static void cmd_stop_reason(GdbServer *s, Cursor *c)
{
    (void)c;
    s->asked_stop = true;
    reply_stop(s, s->reply);
}

static void cmd_read_regs(GdbServer *s, Cursor *c)
{
    (void)c;
    uint8_t buf[GDB_MAX_REG_BYTES];
    for (unsigned n = 0; n < s->arch->num_g_regs; n++) {
        unsigned size = s->arch->read_reg(s->env, n, buf);
        reply_hex(s->reply, buf, size);
    }
}

static void cmd_write_regs(GdbServer *s, Cursor *c)
{
    uint8_t buf[GDB_MAX_REG_BYTES];
    /* Check the whole packet before changing anything. */
    Cursor check = *c;
    for (unsigned n = 0; n < s->arch->num_g_regs; n++) {
        unsigned size = s->arch->read_reg(s->env, n, buf);
        if (!cur_hex_bytes(&check, buf, size)) {
            reply_error(s->reply, EINVAL);
            return;
        }
    }
    if (!cur_eof(&check)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    for (unsigned n = 0; n < s->arch->num_g_regs; n++) {
        unsigned size = s->arch->read_reg(s->env, n, buf);
        cur_hex_bytes(c, buf, size);
        s->arch->write_reg(s->env, n, buf);
    }
    g_string_assign(s->reply, "OK");
}

static void cmd_read_reg(GdbServer *s, Cursor *c)
{
    uint64_t n;
    uint8_t buf[GDB_MAX_REG_BYTES];
    unsigned size;
    if (!cur_hex(c, &n) || !cur_eof(c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    size = n < s->arch->num_regs ? s->arch->read_reg(s->env, (unsigned)n, buf) : 0;
    if (size == 0) {
        reply_error(s->reply, EINVAL);
        return;
    }
    reply_hex(s->reply, buf, size);
}

static void cmd_write_reg(GdbServer *s, Cursor *c)
{
    uint64_t n;
    uint8_t buf[GDB_MAX_REG_BYTES];
    unsigned size;
    if (!cur_hex(c, &n) || !cur_expect(c, '=')) {
        reply_error(s->reply, EINVAL);
        return;
    }
    size = n < s->arch->num_regs ? s->arch->read_reg(s->env, (unsigned)n, buf) : 0;
    if (size == 0 || !cur_hex_bytes(c, buf, size) || !cur_eof(c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    s->arch->write_reg(s->env, (unsigned)n, buf);
    g_string_assign(s->reply, "OK");
}

/* "ADDR,LEN" with LEN bounded by max. */
static bool parse_addr_len(Cursor *c, uint64_t *addr, uint64_t *len, uint64_t max)
{
    return cur_hex(c, addr) && cur_expect(c, ',') && cur_hex(c, len) && *len <= max &&
           *addr + *len >= *addr;
}

static void cmd_read_mem(GdbServer *s, Cursor *c)
{
    uint64_t addr, len;
    uint8_t buf[GDB_MAX_MEM_XFER];
    if (!parse_addr_len(c, &addr, &len, GDB_MAX_MEM_XFER) || !cur_eof(c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    if (len && !s->ops.mem_read(s->ops.opaque, addr, buf, len)) {
        reply_error(s->reply, EFAULT);
        return;
    }
    reply_hex(s->reply, buf, len);
}

static void write_mem_reply(GdbServer *s, uint64_t addr, const uint8_t *buf, uint64_t len)
{
    if (len && !s->ops.mem_write(s->ops.opaque, addr, buf, len)) {
        reply_error(s->reply, EFAULT);
        return;
    }
    g_string_assign(s->reply, "OK");
}

static void cmd_write_mem(GdbServer *s, Cursor *c)
{
    uint64_t addr, len;
    uint8_t buf[GDB_MAX_PACKET / 2];
    if (!parse_addr_len(c, &addr, &len, sizeof(buf)) || !cur_expect(c, ':') ||
        !cur_hex_bytes(c, buf, len) || !cur_eof(c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    write_mem_reply(s, addr, buf, len);
}

/* X: binary data, '}' escapes the next byte (xor 0x20). */
static void cmd_write_mem_binary(GdbServer *s, Cursor *c)
{
    uint64_t addr, len;
    uint8_t buf[GDB_MAX_PACKET];
    size_t n = 0;
    if (!parse_addr_len(c, &addr, &len, sizeof(buf)) || !cur_expect(c, ':')) {
        reply_error(s->reply, EINVAL);
        return;
    }
    while (!cur_eof(c) && n < len) {
        uint8_t b = (uint8_t)*c->p++;
        if (b == '}') {
            if (cur_eof(c)) {
                break;
            }
            b = (uint8_t)*c->p++ ^ 0x20;
        }
        buf[n++] = b;
    }
    if (n != len || !cur_eof(c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    write_mem_reply(s, addr, buf, len);
}

/* Z0/z0: software breakpoints; other kinds are not supported (empty reply). */
static void cmd_breakpoint(GdbServer *s, Cursor *c, bool insert)
{
    uint64_t type, addr, kind;
    if (!cur_hex(c, &type) || !cur_expect(c, ',') || !cur_hex(c, &addr) ||
        !cur_expect(c, ',') || !cur_hex(c, &kind)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    /* Conditions and commands (";X...") are optional extras we may ignore. */
    if (!cur_eof(c) && *c->p != ';') {
        reply_error(s->reply, EINVAL);
        return;
    }
    if (type != 0) {
        return;
    }
    bool ok = insert ? s->ops.bp_insert(s->ops.opaque, addr)
                     : s->ops.bp_remove(s->ops.opaque, addr);
    if (ok) {
        g_string_assign(s->reply, "OK");
    } else {
        reply_error(s->reply, insert ? ENOMEM : ENOENT);
    }
}

static void cmd_insert_bp(GdbServer *s, Cursor *c)
{
    cmd_breakpoint(s, c, true);
}

static void cmd_remove_bp(GdbServer *s, Cursor *c)
{
    cmd_breakpoint(s, c, false);
}

/* c [ADDR] / s [ADDR]: an address moves the pc first (old gdbs send it). */
static bool resume_addr(GdbServer *s, Cursor *c)
{
    uint64_t addr;
    uint8_t buf[GDB_MAX_REG_BYTES];
    if (cur_eof(c)) {
        return true;
    }
    if (!cur_hex(c, &addr) || !cur_eof(c) ||
        s->arch->read_reg(s->env, s->arch->pc_regnum, buf) != 8) {
        return false;
    }
    for (int i = 0; i < 8; i++) {       /* target byte order: little-endian */
        buf[i] = (uint8_t)(addr >> (8 * i));
    }
    return s->arch->write_reg(s->env, s->arch->pc_regnum, buf);
}

static void cmd_continue(GdbServer *s, Cursor *c)
{
    if (!resume_addr(s, c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    set_resume(s, GDB_RESUME_CONTINUE, 0);
}

static void cmd_step(GdbServer *s, Cursor *c)
{
    if (!resume_addr(s, c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    set_resume(s, GDB_RESUME_STEP, 0);
}

/* C SIG[;ADDR] / S SIG[;ADDR] */
static void cmd_resume_sig(GdbServer *s, Cursor *c, GdbResumeKind kind)
{
    uint64_t sig;
    if (!cur_hex(c, &sig) || sig > GDB_SIGNAL_LAST || !cur_eof(c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    set_resume(s, kind, (int)sig);
}

static void cmd_continue_sig(GdbServer *s, Cursor *c)
{
    cmd_resume_sig(s, c, GDB_RESUME_CONTINUE);
}

static void cmd_step_sig(GdbServer *s, Cursor *c)
{
    cmd_resume_sig(s, c, GDB_RESUME_STEP);
}

static void cmd_detach(GdbServer *s, Cursor *c)
{
    (void)c;
    s->ops.bp_remove_all(s->ops.opaque);
    g_string_assign(s->reply, "OK");
    set_resume(s, GDB_RESUME_DETACH, 0);
}

static void cmd_kill(GdbServer *s, Cursor *c)
{
    (void)c;
    set_resume(s, GDB_RESUME_KILL, 0);
}

/* H op THREAD: one thread, so any id that selects it is accepted. */
static void cmd_set_thread(GdbServer *s, Cursor *c)
{
    bool ours;

    if (cur_eof(c) || (*c->p != 'g' && *c->p != 'c')) {
        reply_error(s->reply, EINVAL);
        return;
    }
    c->p++;
    if (!cur_thread_id(c, &ours) || !cur_eof(c) || !ours) {
        reply_error(s->reply, EINVAL);
        return;
    }
    g_string_assign(s->reply, "OK");
}

static void cmd_thread_alive(GdbServer *s, Cursor *c)
{
    bool ours;

    if (!cur_thread_id(c, &ours) || !cur_eof(c) || !ours) {
        reply_error(s->reply, ESRCH);
        return;
    }
    g_string_assign(s->reply, "OK");
}

/* ------------------------------------------------------------------------
 * q / Q / v packets: named, matched on their name
 * ---------------------------------------------------------------------- */

static void q_supported(GdbServer *s, Cursor *c)
{
    /* Of gdb's features only multiprocess changes what we send. */
    s->multiprocess = g_strstr_len(c->p, c->end - c->p, "multiprocess+") != NULL;
    g_string_printf(s->reply, "PacketSize=%x;QStartNoAckMode+;vContSupported+",
                    GDB_MAX_PACKET);
    if (s->multiprocess) {
        g_string_append(s->reply, ";multiprocess+");
    }
    if (s->arch->xml) {
        g_string_append(s->reply, ";qXfer:features:read+");
    }
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static void q_xfer_features(GdbServer *s, Cursor *c)
{
    const char *colon = memchr(c->p, ':', (size_t)(c->end - c->p));
    char annex[64];
    uint64_t off, len;
    if (!colon || (size_t)(colon - c->p) >= sizeof(annex)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    memcpy(annex, c->p, (size_t)(colon - c->p));
    annex[colon - c->p] = '\0';
    c->p = colon + 1;
    if (!cur_hex(c, &off) || !cur_expect(c, ',') || !cur_hex(c, &len) || !cur_eof(c)) {
        reply_error(s->reply, EINVAL);
        return;
    }
    const char *doc = s->arch->xml ? s->arch->xml(annex) : NULL;
    if (!doc) {
        reply_error(s->reply, ENOENT);
        return;
    }
    size_t total = strlen(doc);
    if (off > total) {
        reply_error(s->reply, EINVAL);
        return;
    }
    /* Escaping can double a byte: keep the reply inside one packet. */
    uint64_t max = GDB_MAX_PACKET / 2 - 8;
    if (len > max) {
        len = max;
    }
    if (len > total - off) {
        len = total - off;
    }
    g_string_assign(s->reply, off + len < total ? "m" : "l");
    reply_binary(s->reply, doc + off, (size_t)len);
}

static void q_attached(GdbServer *s, Cursor *c)
{
    (void)c;
    g_string_assign(s->reply, "1");
}

static void q_current_thread(GdbServer *s, Cursor *c)
{
    (void)c;
    g_string_assign(s->reply, "QC");
    append_thread_id(s, s->reply);
}

static void q_first_thread(GdbServer *s, Cursor *c)
{
    (void)c;
    g_string_assign(s->reply, "m");
    append_thread_id(s, s->reply);
}

static void q_next_thread(GdbServer *s, Cursor *c)
{
    (void)c;
    g_string_assign(s->reply, "l");
}

static void q_start_no_ack(GdbServer *s, Cursor *c)
{
    (void)c;
    g_string_assign(s->reply, "OK");
    /* The switch happens after this reply is acknowledged (see serve loop). */
}

static void v_cont_query(GdbServer *s, Cursor *c)
{
    (void)c;
    g_string_assign(s->reply, "vCont;c;C;s;S");
}

/*
 * vCont;ACTION[:THREAD][;ACTION[:THREAD]]...: with one thread, the first action
 * that names our thread (or none) applies.
 */
static void v_cont(GdbServer *s, Cursor *c)
{
    while (cur_expect(c, ';')) {
        GdbResumeKind kind;
        uint64_t sig = 0;
        if (cur_eof(c)) {
            break;
        }
        char act = *c->p++;
        switch (act) {
        case 'c': kind = GDB_RESUME_CONTINUE; break;
        case 's': kind = GDB_RESUME_STEP; break;
        case 'C': kind = GDB_RESUME_CONTINUE; break;
        case 'S': kind = GDB_RESUME_STEP; break;
        default:
            reply_error(s->reply, EINVAL);
            return;
        }
        if ((act == 'C' || act == 'S') && (!cur_hex(c, &sig) || sig > GDB_SIGNAL_LAST)) {
            reply_error(s->reply, EINVAL);
            return;
        }
        bool ours = true;
        if (cur_expect(c, ':') && !cur_thread_id(c, &ours)) {
            reply_error(s->reply, EINVAL);
            return;
        }
        if (ours && !s->resumed) {
            set_resume(s, kind, (int)sig);
        }
    }
    if (!cur_eof(c)) {
        s->resumed = false;
        reply_error(s->reply, EINVAL);
        return;
    }
    if (!s->resumed) {
        reply_error(s->reply, EINVAL);
    }
}

static void v_must_reply_empty(GdbServer *s, Cursor *c)
{
    (void)s;
    (void)c;
}

static void v_kill(GdbServer *s, Cursor *c)
{
    (void)c;
    g_string_assign(s->reply, "OK");
    set_resume(s, GDB_RESUME_KILL, 0);
}

typedef struct NamedCmd {
    const char *name;       /* the packet starts with this */
    bool exact;             /* the packet is exactly this (else a prefix) */
    void (*fn)(GdbServer *s, Cursor *c);
} NamedCmd;

static const NamedCmd named_cmds[] = {
    { "qSupported", false, q_supported },
    { "qXfer:features:read:", false, q_xfer_features },
    { "qAttached", false, q_attached },
    { "qC", true, q_current_thread },
    { "qfThreadInfo", true, q_first_thread },
    { "qsThreadInfo", true, q_next_thread },
    { "QStartNoAckMode", true, q_start_no_ack },
    { "vCont?", true, v_cont_query },
    { "vCont", false, v_cont },
    { "vMustReplyEmpty", true, v_must_reply_empty },
    { "vKill", false, v_kill },
};

static void cmd_named(GdbServer *s, Cursor *c)
{
    const char *pkt = c->p - 1;     /* include the letter */
    size_t len = (size_t)(c->end - pkt);
    for (size_t i = 0; i < G_N_ELEMENTS(named_cmds); i++) {
        const NamedCmd *nc = &named_cmds[i];
        size_t nlen = strlen(nc->name);
        if (len < nlen || memcmp(pkt, nc->name, nlen) != 0) {
            continue;
        }
        if (nc->exact && len != nlen) {
            continue;
        }
        /* A prefix must end at a separator, so "qCRC" is not "qC". */
        if (!nc->exact && len > nlen && nc->name[nlen - 1] != ':' &&
            pkt[nlen] != ':' && pkt[nlen] != ';' && pkt[nlen] != ',') {
            continue;
        }
        Cursor rest = { pkt + nlen, c->end };
        nc->fn(s, &rest);
        return;
    }
    /* Unknown: the empty reply tells gdb so. */
}

typedef void (*CmdFn)(GdbServer *s, Cursor *c);

static const CmdFn letter_cmds[128] = {
    ['?'] = cmd_stop_reason,
    ['g'] = cmd_read_regs,
    ['G'] = cmd_write_regs,
    ['p'] = cmd_read_reg,
    ['P'] = cmd_write_reg,
    ['m'] = cmd_read_mem,
    ['M'] = cmd_write_mem,
    ['X'] = cmd_write_mem_binary,
    ['Z'] = cmd_insert_bp,
    ['z'] = cmd_remove_bp,
    ['c'] = cmd_continue,
    ['s'] = cmd_step,
    ['C'] = cmd_continue_sig,
    ['S'] = cmd_step_sig,
    ['D'] = cmd_detach,
    ['k'] = cmd_kill,
    ['H'] = cmd_set_thread,
    ['T'] = cmd_thread_alive,
    ['q'] = cmd_named,
    ['Q'] = cmd_named,
    ['v'] = cmd_named,
};

static void gdb_handle_packet(GdbServer *s)
{
    Cursor c = { s->pkt + 1, s->pkt + s->pkt_len };
    unsigned char letter = s->pkt_len ? (unsigned char)s->pkt[0] : 0;
    g_string_truncate(s->reply, 0);
    if (letter < 128 && letter_cmds[letter]) {
        letter_cmds[letter](s, &c);
    }
    bool no_ack_now = letter == 'Q' && strcmp(s->pkt, "QStartNoAckMode") == 0;
    /* k gets no reply; continue and step answer with the next stop. */
    if (!s->resumed || s->resume.kind == GDB_RESUME_DETACH ||
        (s->resume.kind == GDB_RESUME_KILL && letter == 'v')) {
        gdb_send_packet(s, s->reply->str, s->reply->len);
    }
    if (no_ack_now) {
        s->no_ack = true;
    }
}

/* ------------------------------------------------------------------------
 * Public API
 * ---------------------------------------------------------------------- */

GdbServer *gdb_server_new(const GdbArch *arch, const GdbOps *ops)
{
    GdbServer *s = g_new0(GdbServer, 1);
    s->arch = arch;
    s->ops = *ops;
    s->connected = true;
    s->reply = g_string_sized_new(GDB_REPLY_MAX);
    return s;
}

void gdb_server_free(GdbServer *s)
{
    if (s) {
        g_string_free(s->reply, TRUE);
        g_free(s);
    }
}

bool gdb_server_connected(const GdbServer *s)
{
    return s->connected;
}

GdbResume gdb_server_stopped(GdbServer *s, void *env, int sig)
{
    s->env = env;
    s->stop_sig = sig;
    s->resumed = false;
    if (s->connected && s->asked_stop) {
        reply_stop(s, s->reply);
        gdb_send_packet(s, s->reply->str, s->reply->len);
    }
    while (s->connected && !s->resumed) {
        if (!gdb_read_packet(s)) {
            break;
        }
        gdb_handle_packet(s);
    }
    s->env = NULL;
    if (!s->resumed) {
        s->connected = false;
        s->resume.kind = GDB_RESUME_DISCONNECT;
        s->resume.gdb_signal = 0;
    } else if (s->resume.kind == GDB_RESUME_DETACH || s->resume.kind == GDB_RESUME_KILL) {
        s->connected = false;
    }
    return s->resume;
}

void gdb_server_exited(GdbServer *s, int code)
{
    char buf[32];
    if (s->multiprocess) {
        snprintf(buf, sizeof(buf), "W%02x;process:%x", code & 0xff, GDB_PROCESS_ID);
    } else {
        snprintf(buf, sizeof(buf), "W%02x", code & 0xff);
    }
    gdb_send_str(s, buf);
    s->connected = false;
}

void gdb_server_killed(GdbServer *s, int sig)
{
    char buf[32];
    if (s->multiprocess) {
        snprintf(buf, sizeof(buf), "X%02x;process:%x", sig & 0xff, GDB_PROCESS_ID);
    } else {
        snprintf(buf, sizeof(buf), "X%02x", sig & 0xff);
    }
    gdb_send_str(s, buf);
    s->connected = false;
}

/* ------------------------------------------------------------------------
 * Signal numbers: gdb has its own fixed list
 * ---------------------------------------------------------------------- */

static const struct {
    int host, gdb;
} signal_map[] = {
    { SIGHUP, 1 }, { SIGINT, 2 }, { SIGQUIT, 3 }, { SIGILL, 4 }, { SIGTRAP, 5 },
    { SIGABRT, 6 }, { SIGFPE, 8 }, { SIGKILL, 9 }, { SIGBUS, 10 }, { SIGSEGV, 11 },
    { SIGSYS, 12 }, { SIGPIPE, 13 }, { SIGALRM, 14 }, { SIGTERM, 15 }, { SIGURG, 16 },
    { SIGSTOP, 17 }, { SIGTSTP, 18 }, { SIGCONT, 19 }, { SIGCHLD, 20 },
    { SIGTTIN, 21 }, { SIGTTOU, 22 }, { SIGIO, 23 }, { SIGXCPU, 24 }, { SIGXFSZ, 25 },
    { SIGVTALRM, 26 }, { SIGPROF, 27 }, { SIGWINCH, 28 }, { SIGUSR1, 30 },
    { SIGUSR2, 31 }, { SIGPWR, 32 },
};

/* Real-time signals: gdb numbers 33..63 as 45..75, then 32 as 77, 64 as 78. */
enum { GDB_RT33 = 45, GDB_RT32 = 77, GDB_RT64 = 78 };

int gdb_signal_from_host(int host_sig)
{
    if (host_sig == 0) {
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(signal_map); i++) {
        if (signal_map[i].host == host_sig) {
            return signal_map[i].gdb;
        }
    }
    if (host_sig == 32) {
        return GDB_RT32;
    }
    if (host_sig >= 33 && host_sig <= 63) {
        return GDB_RT33 + host_sig - 33;
    }
    if (host_sig == 64) {
        return GDB_RT64;
    }
    return 0;
}

int gdb_signal_to_host(int gdb_sig)
{
    if (gdb_sig <= 0) {
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(signal_map); i++) {
        if (signal_map[i].gdb == gdb_sig) {
            return signal_map[i].host;
        }
    }
    if (gdb_sig == GDB_RT32) {
        return 32;
    }
    if (gdb_sig >= GDB_RT33 && gdb_sig <= GDB_RT33 + 30) {
        return 33 + gdb_sig - GDB_RT33;
    }
    if (gdb_sig == GDB_RT64) {
        return 64;
    }
    return 0;
}
