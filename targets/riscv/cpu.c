/*
 * RISC-V CPU models and the bits of CPU state handling that are not translation:
 * reset, restoring the pc of a faulting instruction, the counter CSRs.
 */
#include "config.h"
#include <glib.h>
#include <string.h>
#include <time.h>
#include "libcore/cutils.h"
#include "libcore/opts.h"
#include "targets/riscv/cpu.h"

#define RV64GC (RISCV_EXT_I | RISCV_EXT_M | RISCV_EXT_A | RISCV_EXT_F | RISCV_EXT_D | \
                RISCV_EXT_C | RISCV_EXT_ZICSR | RISCV_EXT_ZIFENCEI)
#define RV_B (RISCV_EXT_ZBA | RISCV_EXT_ZBB | RISCV_EXT_ZBC | RISCV_EXT_ZBS)

const RISCVCPUModel riscv_cpu_models[] = {
    { "rv64", "RV64GC with Zba, Zbb, Zbc and Zbs (the default)", RV64GC | RV_B },
    { "max", "every extension this emulator implements", RV64GC | RV_B },
    { "rv64gc", "RV64GC without the bit-manipulation extensions", RV64GC },
    { "rv64imac", "RV64IMAC with Zicsr and Zifencei (no floating point)",
      RV64GC & ~(RISCV_EXT_F | RISCV_EXT_D) },
    { NULL, NULL, 0 },
};

const RISCVCPUModel *riscv_cpu_model_find(const char *name, Error **errp)
{
    for (const RISCVCPUModel *m = riscv_cpu_models; m->name; m++) {
        if (!strcmp(m->name, name)) {
            return m;
        }
    }
    error_setf(errp, "unable to find CPU model '%s'", name);
    return NULL;
}

char *riscv_isa_string(uint32_t ext)
{
    static const struct { uint32_t bit; const char *name; } single[] = {
        { RISCV_EXT_I, "i" }, { RISCV_EXT_M, "m" }, { RISCV_EXT_A, "a" },
        { RISCV_EXT_F, "f" }, { RISCV_EXT_D, "d" }, { RISCV_EXT_C, "c" },
    }, multi[] = {
        { RISCV_EXT_ZICSR, "_zicsr" }, { RISCV_EXT_ZIFENCEI, "_zifencei" },
        { RISCV_EXT_ZBA, "_zba" }, { RISCV_EXT_ZBB, "_zbb" },
        { RISCV_EXT_ZBC, "_zbc" }, { RISCV_EXT_ZBS, "_zbs" },
    };
    GString *s = g_string_new("rv64");

    for (size_t i = 0; i < G_N_ELEMENTS(single); i++) {
        if (ext & single[i].bit) {
            g_string_append(s, single[i].name);
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(multi); i++) {
        if (ext & multi[i].bit) {
            g_string_append(s, multi[i].name);
        }
    }
    return g_string_free(s, FALSE);
}

void riscv_cpu_reset(CPURISCVState *env, const RISCVCPUModel *model)
{
    memset(env, 0, sizeof(*env));
    env->ext = model->ext;
    env->load_res = UINT64_MAX;
}

void riscv_restore_state(CPURISCVState *env, const uint64_t *insn_words)
{
    env->pc = insn_words[0];
}

uint64_t riscv_read_counter(CPURISCVState *env, RISCVCounter which)
{
    struct timespec ts;

    if (env->counter) {
        return env->counter(env, which);
    }
    /* Without a runtime counter all three follow the host's monotonic clock in
     * nanoseconds: monotonic, as the ISA requires, and cheap. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const struct { const char *name; uint32_t bit; } ext_props[] = {
    { "m", RISCV_EXT_M }, { "a", RISCV_EXT_A }, { "f", RISCV_EXT_F }, { "d", RISCV_EXT_D },
    { "c", RISCV_EXT_C }, { "zicsr", RISCV_EXT_ZICSR }, { "zifencei", RISCV_EXT_ZIFENCEI },
    { "zba", RISCV_EXT_ZBA }, { "zbb", RISCV_EXT_ZBB }, { "zbc", RISCV_EXT_ZBC },
    { "zbs", RISCV_EXT_ZBS },
};

static bool apply_prop(const char *model, const char *key, const char *val, uint32_t *ext,
                       Error **errp)
{
    bool on;

    for (size_t i = 0; i < G_N_ELEMENTS(ext_props); i++) {
        if (!strcmp(ext_props[i].name, key)) {
            if (!parse_bool(val, &on, NULL)) {
                error_setf(errp, "CPU property '%s' expects on or off, not '%s'", key, val);
                return false;
            }
            *ext = on ? *ext | ext_props[i].bit : *ext & ~ext_props[i].bit;
            return true;
        }
    }
    error_setf(errp, "'%s' is not a property of CPU model '%s'", key, model);
    return false;
}

bool riscv_cpu_parse(const char *spec, uint32_t *ext, Error **errp)
{
    QDict *opts = opts_parse(spec, "model", errp);
    const RISCVCPUModel *m;
    const char *name;
    bool ok = false;

    if (!opts) {
        return false;
    }
    name = qdict_get_str(opts, "model");
    m = name ? riscv_cpu_model_find(name, errp) : NULL;
    if (!name) {
        error_setf(errp, "no CPU model named in '%s'", spec);
    }
    if (m) {
        uint32_t e = m->ext;
        ok = true;
        for (size_t i = 0; ok && i < qdict_size(opts); i++) {
            const char *key = qdict_key_at(opts, i);
            if (strcmp(key, "model")) {
                const char *val = qstring_get(qdict_value_at(opts, i));
                ok = apply_prop(m->name, key, val ? val : "", &e, errp);
            }
        }
        if (ok && (e & RISCV_EXT_D) && !(e & RISCV_EXT_F)) {
            error_setf(errp, "CPU model '%s': the D extension requires F", m->name);
            ok = false;
        } else if (ok && (e & RISCV_EXT_F) && !(e & RISCV_EXT_ZICSR)) {
            error_setf(errp, "CPU model '%s': the F extension requires Zicsr", m->name);
            ok = false;
        }
        if (ok) {
            *ext = e;
        }
    }
    qobject_unref(opts);
    return ok;
}

char *riscv_cpu_list_text(void)
{
    GString *s = g_string_new("Available CPUs:\n");

    for (const RISCVCPUModel *m = riscv_cpu_models; m->name; m++) {
        char *isa = riscv_isa_string(m->ext);
        g_string_append_printf(s, "  %-10s %s (%s)\n", m->name, m->desc, isa);
        g_free(isa);
    }
    return g_string_free(s, FALSE);
}
