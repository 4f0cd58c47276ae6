/*
 * libFuzzer target for the gdbstub core: the input is everything a debugger sends
 * (packets, acks, garbage), served against the RV64 register map, a small fake
 * guest memory and a breakpoint list. The stub must answer or reject each packet
 * without crashing, and end when the input does.
 */
#include "config.h"
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include "libtcg/gdbstub.h"
#include "targets/riscv/gdb.h"

#define MEM_BASE 0x10000u
#define MEM_SIZE 0x4000u

typedef struct FuzzIO {
    const uint8_t *data;
    size_t len, pos;
    uint8_t mem[MEM_SIZE];
    uint64_t bps[8];
    unsigned nbps;
} FuzzIO;

static ssize_t fz_read(void *opaque, void *buf, size_t len)
{
    FuzzIO *io = opaque;
    size_t n = io->len - io->pos;
    if (n == 0) {
        return 0;
    }
    /* Short reads exercise the framing across buffer refills. */
    if (n > len) {
        n = len;
    }
    if (n > 7) {
        n = 7;
    }
    memcpy(buf, io->data + io->pos, n);
    io->pos += n;
    return (ssize_t)n;
}

static bool fz_write(void *opaque, const void *buf, size_t len)
{
    (void)opaque;
    (void)buf;
    (void)len;
    return true;
}

static bool in_mem(uint64_t addr, size_t len)
{
    return addr >= MEM_BASE && len <= MEM_SIZE && addr - MEM_BASE <= MEM_SIZE - len;
}

static bool fz_mem_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    FuzzIO *io = opaque;
    if (!in_mem(addr, len)) {
        return false;
    }
    memcpy(buf, io->mem + (addr - MEM_BASE), len);
    return true;
}

static bool fz_mem_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
    FuzzIO *io = opaque;
    if (!in_mem(addr, len)) {
        return false;
    }
    memcpy(io->mem + (addr - MEM_BASE), buf, len);
    return true;
}

static bool fz_bp_insert(void *opaque, uint64_t addr)
{
    FuzzIO *io = opaque;
    if (io->nbps == 8) {
        return false;
    }
    io->bps[io->nbps++] = addr;
    return true;
}

static bool fz_bp_remove(void *opaque, uint64_t addr)
{
    FuzzIO *io = opaque;
    for (unsigned i = 0; i < io->nbps; i++) {
        if (io->bps[i] == addr) {
            io->bps[i] = io->bps[--io->nbps];
            return true;
        }
    }
    return false;
}

static void fz_bp_remove_all(void *opaque)
{
    ((FuzzIO *)opaque)->nbps = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FuzzIO io;
    CPURISCVState env;
    memset(&io, 0, sizeof(io));
    memset(&env, 0, sizeof(env));
    io.data = data;
    io.len = size;
    env.ext = (size & 1) ? RISCV_EXT_F | RISCV_EXT_D : 0;
    GdbOps ops = {
        .read = fz_read, .write = fz_write,
        .mem_read = fz_mem_read, .mem_write = fz_mem_write,
        .bp_insert = fz_bp_insert, .bp_remove = fz_bp_remove,
        .bp_remove_all = fz_bp_remove_all, .opaque = &io,
    };
    GdbServer *s = gdb_server_new(riscv_gdb_arch_get(env.ext), &ops);
    while (gdb_server_connected(s)) {
        GdbResume r = gdb_server_stopped(s, &env, GDB_SIGNAL_TRAP);
        if (r.kind != GDB_RESUME_CONTINUE && r.kind != GDB_RESUME_STEP) {
            break;
        }
        env.pc += 4;
    }
    gdb_server_exited(s, 0);
    gdb_server_free(s);
    return 0;
}
