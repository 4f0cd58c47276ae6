/*
 * The GDB Remote Serial Protocol core: packet framing, checksums and acks, and the
 * commands gdb sends a stopped target (registers, memory, breakpoints, resume,
 * target description). It knows neither the transport (the runtime gives read and
 * write callbacks) nor the guest (the target gives a register map). Everything the
 * peer sends is validated: a malformed packet gets an error reply, never a crash.
 */
#ifndef LIBTCG_GDBSTUB_H
#define LIBTCG_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The largest packet payload we accept and advertise (qSupported PacketSize). */
#define GDB_MAX_PACKET 4096
/* The largest register, in bytes. */
#define GDB_MAX_REG_BYTES 16

/* gdb's own signal numbers (they differ from Linux's for some signals). */
enum {
    GDB_SIGNAL_0 = 0,
    GDB_SIGNAL_INT = 2,
    GDB_SIGNAL_TRAP = 5,
    GDB_SIGNAL_KILL = 9,
    GDB_SIGNAL_LAST = 151,
};

/* What a guest architecture provides: its registers as gdb numbers them. */
typedef struct GdbArch {
    const char *name;               /* "riscv:rv64" */
    unsigned num_regs;              /* register numbers are 0 .. num_regs - 1 */
    unsigned num_g_regs;            /* 'g' covers 0 .. num_g_regs - 1 */
    unsigned pc_regnum;             /* 8 bytes, little-endian (c ADDR, s ADDR) */
    /*
     * Copy register n of env into buf, target byte order; returns its size in
     * bytes (<= GDB_MAX_REG_BYTES), 0 if there is no register n.
     */
    unsigned (*read_reg)(void *env, unsigned n, uint8_t *buf);
    /* Set register n from buf (its size in bytes); false if there is none. */
    bool (*write_reg)(void *env, unsigned n, const uint8_t *buf);
    /* The target description file called annex ("target.xml" ...), or NULL. */
    const char *(*xml)(const char *annex);
} GdbArch;

/* What the runtime provides. Every callback gets GdbOps.opaque. */
typedef struct GdbOps {
    /* Blocking read of up to len bytes: > 0 bytes read, 0 end of stream, < 0 error. */
    ssize_t (*read)(void *opaque, void *buf, size_t len);
    /* Write all of buf; false if the peer is gone. */
    bool (*write)(void *opaque, const void *buf, size_t len);
    /* Guest memory, as the debugger sees it; false if any byte is not mapped. */
    bool (*mem_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    bool (*mem_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    /* Software breakpoints (Z0/z0). */
    bool (*bp_insert)(void *opaque, uint64_t addr);
    bool (*bp_remove)(void *opaque, uint64_t addr);
    void (*bp_remove_all)(void *opaque);
    void *opaque;
} GdbOps;

/* How the debugger wants the stopped thread to go on. */
typedef enum GdbResumeKind {
    GDB_RESUME_CONTINUE,            /* c, C, vCont;c */
    GDB_RESUME_STEP,                /* s, S, vCont;s: one instruction then stop */
    GDB_RESUME_DETACH,              /* D: run on without the debugger */
    GDB_RESUME_KILL,                /* k, vKill: end the process */
    GDB_RESUME_DISCONNECT,          /* the connection broke: run on without it */
} GdbResumeKind;

typedef struct GdbResume {
    GdbResumeKind kind;
    int gdb_signal;                 /* C/S: the signal to deliver (gdb numbering), or 0 */
} GdbResume;

typedef struct GdbServer GdbServer;

GdbServer *gdb_server_new(const GdbArch *arch, const GdbOps *ops);
void gdb_server_free(GdbServer *s);

/*
 * The thread with CPU state env stopped with gdb signal sig: send the stop reply
 * (unless gdb has not asked for one yet, as at the first stop after connecting,
 * where it asks with '?'), then serve packets until gdb resumes, detaches or
 * kills, or the connection ends.
 */
GdbResume gdb_server_stopped(GdbServer *s, void *env, int sig);
/* The process exited with code (W) or was killed by gdb signal sig (X). */
void gdb_server_exited(GdbServer *s, int code);
void gdb_server_killed(GdbServer *s, int sig);
/* False once the connection has ended (or after detach / kill). */
bool gdb_server_connected(const GdbServer *s);

/* Host signal number <-> gdb signal number (0 when there is no equivalent). */
int gdb_signal_from_host(int host_sig);
int gdb_signal_to_host(int gdb_sig);

#endif
