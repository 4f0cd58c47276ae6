/*
 * The RV64 register map for the gdbstub: gdb's numbering (x0..x31, pc, f0..f31,
 * then the float CSRs at gdb's CSR numbers) and the target description gdb reads
 * with qXfer:features:read, using the feature names gdb's riscv support knows.
 */
#include "config.h"
#include "targets/riscv/gdb.h"

#include <string.h>
#include <glib.h>

/* gdb's register numbers for the float CSRs: 65 + the CSR number (1, 2, 3). */
enum {
    GDB_RISCV_PC = 32,
    GDB_RISCV_F0 = 33,
    GDB_RISCV_FFLAGS = 66,
    GDB_RISCV_FRM = 67,
    GDB_RISCV_FCSR = 68,
    GDB_RISCV_NUM_REGS = 69,
};

static void put_le(uint8_t *buf, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        buf[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t get_le(const uint8_t *buf, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)buf[i] << (8 * i);
    }
    return v;
}

static unsigned riscv_gdb_read_reg(void *opaque, unsigned n, uint8_t *buf)
{
    const CPURISCVState *env = opaque;
    if (n < 32) {
        put_le(buf, env->gpr[n], 8);
        return 8;
    }
    if (n == GDB_RISCV_PC) {
        put_le(buf, env->pc, 8);
        return 8;
    }
    bool fpu = env->ext & RISCV_EXT_F;
    if (fpu && n >= GDB_RISCV_F0 && n < GDB_RISCV_F0 + 32) {
        put_le(buf, env->fpr[n - GDB_RISCV_F0], 8);
        return 8;
    }
    if (!fpu) {
        return 0;
    }
    switch (n) {
    case GDB_RISCV_FFLAGS:
        put_le(buf, env->fflags & 0x1f, 4);
        return 4;
    case GDB_RISCV_FRM:
        put_le(buf, env->frm & 7, 4);
        return 4;
    case GDB_RISCV_FCSR:
        put_le(buf, (env->frm & 7) << 5 | (env->fflags & 0x1f), 4);
        return 4;
    default:
        return 0;
    }
}

static bool riscv_gdb_write_reg(void *opaque, unsigned n, const uint8_t *buf)
{
    CPURISCVState *env = opaque;
    if (n < 32) {
        if (n != 0) {           /* x0 stays zero */
            env->gpr[n] = get_le(buf, 8);
        }
        return true;
    }
    if (n == GDB_RISCV_PC) {
        env->pc = get_le(buf, 8);
        return true;
    }
    bool fpu = env->ext & RISCV_EXT_F;
    if (fpu && n >= GDB_RISCV_F0 && n < GDB_RISCV_F0 + 32) {
        env->fpr[n - GDB_RISCV_F0] = get_le(buf, 8);
        return true;
    }
    if (!fpu) {
        return false;
    }
    uint32_t v = (uint32_t)get_le(buf, 4);
    switch (n) {
    case GDB_RISCV_FFLAGS:
        env->fflags = v & 0x1f;
        return true;
    case GDB_RISCV_FRM:
        env->frm = v & 7;
        return true;
    case GDB_RISCV_FCSR:
        env->fflags = v & 0x1f;
        env->frm = (v >> 5) & 7;
        return true;
    default:
        return false;
    }
}

/*
 * Target descriptions. gdb accepts the ABI names for the integer registers; the
 * float registers use a union so `p $fa0` shows both the float and the double.
 */
static const char riscv_target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "  <architecture>riscv:rv64</architecture>\n"
    "  <xi:include href=\"riscv-64bit-cpu.xml\"/>\n"
    "  <xi:include href=\"riscv-64bit-fpu.xml\"/>\n"
    "</target>\n";

static const char riscv_target_xml_nofpu[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "  <architecture>riscv:rv64</architecture>\n"
    "  <xi:include href=\"riscv-64bit-cpu.xml\"/>\n"
    "</target>\n";

static const char *const gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const fpr_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
    "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static char *cpu_xml, *fpu_xml;

static const char *build_cpu_xml(void)
{
    GString *x = g_string_new(
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
        "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (int i = 0; i < 32; i++) {
        const char *type = i == 1 ? "code_ptr" : (i == 2 || i == 8) ? "data_ptr" : "int";
        g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%d\"/>\n",
                               gpr_names[i], type, i);
    }
    g_string_append_printf(x, "  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"%d\"/>\n"
                           "</feature>\n", GDB_RISCV_PC);
    return g_string_free(x, FALSE);
}

static const char *build_fpu_xml(void)
{
    GString *x = g_string_new(
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
        "<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
        "  <union id=\"riscv_double\">\n"
        "    <field name=\"float\" type=\"ieee_single\"/>\n"
        "    <field name=\"double\" type=\"ieee_double\"/>\n"
        "  </union>\n");
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"64\" type=\"riscv_double\" "
                               "regnum=\"%d\" group=\"float\"/>\n",
                               fpr_names[i], GDB_RISCV_F0 + i);
    }
    g_string_append_printf(x,
        "  <reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"%d\" group=\"float\"/>\n"
        "  <reg name=\"frm\" bitsize=\"32\" type=\"int\" regnum=\"%d\" group=\"float\"/>\n"
        "  <reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"%d\" group=\"float\"/>\n"
        "</feature>\n", GDB_RISCV_FFLAGS, GDB_RISCV_FRM, GDB_RISCV_FCSR);
    return g_string_free(x, FALSE);
}

static gpointer build_xml_once(gpointer unused)
{
    (void)unused;
    cpu_xml = (char *)build_cpu_xml();
    fpu_xml = (char *)build_fpu_xml();
    return NULL;
}

static const char *riscv_gdb_xml_common(const char *annex, bool fpu)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, build_xml_once, NULL);
    if (strcmp(annex, "target.xml") == 0) {
        return fpu ? riscv_target_xml : riscv_target_xml_nofpu;
    }
    if (strcmp(annex, "riscv-64bit-cpu.xml") == 0) {
        return cpu_xml;
    }
    if (fpu && strcmp(annex, "riscv-64bit-fpu.xml") == 0) {
        return fpu_xml;
    }
    return NULL;
}

static const char *riscv_gdb_xml(const char *annex)
{
    return riscv_gdb_xml_common(annex, true);
}

static const char *riscv_gdb_xml_nofpu(const char *annex)
{
    return riscv_gdb_xml_common(annex, false);
}

static const GdbArch riscv_gdb_arch = {
    .name = "riscv:rv64",
    .num_regs = GDB_RISCV_NUM_REGS,
    .num_g_regs = 33,
    .pc_regnum = GDB_RISCV_PC,
    .read_reg = riscv_gdb_read_reg,
    .write_reg = riscv_gdb_write_reg,
    .xml = riscv_gdb_xml,
};

static const GdbArch riscv_gdb_arch_nofpu = {
    .name = "riscv:rv64",
    .num_regs = GDB_RISCV_PC + 1,
    .num_g_regs = 33,
    .pc_regnum = GDB_RISCV_PC,
    .read_reg = riscv_gdb_read_reg,
    .write_reg = riscv_gdb_write_reg,
    .xml = riscv_gdb_xml_nofpu,
};

const GdbArch *riscv_gdb_arch_get(uint32_t ext)
{
    return (ext & RISCV_EXT_F) ? &riscv_gdb_arch : &riscv_gdb_arch_nofpu;
}
