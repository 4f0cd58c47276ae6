/*
 * The memory API: overlapping regions by priority, aliases (also windows
 * that start inside their target), unassigned accesses, device access sizes,
 * ROM, DMA that never reaches a device, listeners told of RAM changes once
 * per transaction, info mtree, and readers racing topology changes.
 */
#include "config.h"
#include "softmmu/memory.h"

#include <glib.h>
#include <string.h>

typedef struct Dev {
    GString *log;
    uint64_t value;
} Dev;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    Dev *d = opaque;
    g_string_append_printf(d->log, "r%u@%" G_GINT64_MODIFIER "x ", size, off);
    return d->value >> (8 * (off & 7));
}

static void dev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Dev *d = opaque;
    g_string_append_printf(d->log, "w%u@%" G_GINT64_MODIFIER "x=%" G_GINT64_MODIFIER "x ",
                           size, off, val);
}

static const MemoryRegionOps any_ops = { dev_read, dev_write, 0, 0 };
static const MemoryRegionOps word_ops = { dev_read, dev_write, 4, 4 };

static void dev_init(Dev *d, uint64_t value)
{
    d->log = g_string_new(NULL);
    d->value = value;
}

static void test_priority_and_dispatch(void)
{
    MemoryRegion root, ram, io, io2;
    Dev d, d2;
    dev_init(&d, 0x1122334455667788ull);
    dev_init(&d2, 0);
    memory_region_init_container(&root, "system", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&ram, "ram", 0x10000, NULL));
    memory_region_init_io(&io, "dev", 0x100, &any_ops, &d);
    memory_region_init_io(&io2, "dev2", 0x100, &any_ops, &d2);
    AddressSpace *as = address_space_new("memory", &root);
    memory_region_add_subregion(&root, 0, &ram, 0);
    memory_region_add_subregion(&root, 0x1000, &io, 1);        /* over the RAM */
    memset(ram.ram, 0xab, 0x10000);

    uint8_t b[4];
    g_assert_cmpint(address_space_read(as, 0xff0, b, 4), ==, MEMTX_OK);
    g_assert_cmphex(b[0], ==, 0xab);
    uint64_t v;
    g_assert_cmpint(address_space_ld(as, 0x1008, 4, &v), ==, MEMTX_OK);
    g_assert_cmpstr(d.log->str, ==, "r4@8 ");
    g_assert_cmphex(v, ==, 0x55667788);     /* the device gave 8 bytes: 4 are kept */
    /* Equal priority: the later one wins. */
    memory_region_add_subregion(&root, 0x1000, &io2, 1);
    g_string_truncate(d.log, 0);
    address_space_st(as, 0x1004, 2, 0xbeef);
    g_assert_cmpstr(d.log->str, ==, "");
    g_assert_cmpstr(d2.log->str, ==, "w2@4=beef ");
    memory_region_del_subregion(&root, &io2);
    /* Past the device, the RAM below shows again. */
    g_assert_cmpint(address_space_read(as, 0x1100, b, 1), ==, MEMTX_OK);
    g_assert_cmphex(b[0], ==, 0xab);
    /* Disabled: the RAM shows through. */
    memory_region_set_enabled(&io, false);
    address_space_read(as, 0x1000, b, 1);
    g_assert_cmphex(b[0], ==, 0xab);
    memory_region_set_enabled(&io, true);
    /* Nothing mapped: all ones and a decode error. */
    g_assert_cmpint(address_space_read(as, 0x20000, b, 4), ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(b[3], ==, 0xff);
    g_assert_cmpint(address_space_write(as, 0x20000, b, 4), ==, MEMTX_DECODE_ERROR);
    /* A read across RAM and the device: bytes from each. */
    g_string_truncate(d.log, 0);
    uint8_t cross[4];
    address_space_read(as, 0xffe, cross, 4);
    g_assert_cmphex(cross[1], ==, 0xab);
    g_assert_cmphex(cross[2], ==, 0x88);
    g_assert_cmpstr(d.log->str, ==, "r2@0 ");

    address_space_free(as);
    memory_region_del_subregion(&root, &io);
    memory_region_del_subregion(&root, &ram);
    memory_region_destroy(&io);
    memory_region_destroy(&io2);
    memory_region_destroy(&ram);
    memory_region_destroy(&root);
    g_string_free(d.log, TRUE);
    g_string_free(d2.log, TRUE);
}

static void test_access_sizes(void)
{
    MemoryRegion root, io;
    Dev d;
    dev_init(&d, 0x1122334455667788ull);
    memory_region_init_container(&root, "system", UINT64_MAX);
    memory_region_init_io(&io, "words", 0x100, &word_ops, &d);
    AddressSpace *as = address_space_new("memory", &root);
    memory_region_add_subregion(&root, 0x2000, &io, 0);
    uint64_t v;
    address_space_ld(as, 0x2000, 8, &v);        /* split in two */
    g_assert_cmpstr(d.log->str, ==, "r4@0 r4@4 ");
    g_assert_cmphex(v, ==, 0x1122334455667788ull);
    g_string_truncate(d.log, 0);
    address_space_ld(as, 0x2001, 1, &v);        /* widened */
    g_assert_cmpstr(d.log->str, ==, "r4@0 ");
    g_assert_cmphex(v, ==, 0x77);
    g_string_truncate(d.log, 0);
    address_space_st(as, 0x2002, 1, 0x5a);
    g_assert_cmpstr(d.log->str, ==, "w4@0=5a0000 ");
    address_space_free(as);
    memory_region_del_subregion(&root, &io);
    memory_region_destroy(&io);
    memory_region_destroy(&root);
    g_string_free(d.log, TRUE);
}

static void test_alias_rom_dma(void)
{
    MemoryRegion root, ram, rom, alias, io;
    Dev d;
    dev_init(&d, 0);
    memory_region_init_container(&root, "system", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&ram, "pc.ram", 0x100000, NULL));
    g_assert_true(memory_region_init_rom(&rom, "bios", 0x10000, NULL));
    memory_region_init_alias(&alias, "ram-window", &ram, 0x80000, 0x1000);
    memory_region_init_io(&io, "dev", 0x1000, &any_ops, &d);
    AddressSpace *as = address_space_new("memory", &root);
    memory_transaction_begin();
    memory_region_add_subregion(&root, 0x1000, &alias, 0);   /* target starts below 0 */
    memory_region_add_subregion(&root, 0xf0000, &rom, 0);
    memory_region_add_subregion(&root, 0x200000, &io, 0);
    memory_transaction_commit();
    memcpy(ram.ram + 0x80010, "alias", 5);
    char b[6] = { 0 };
    address_space_read(as, 0x1010, b, 5);
    g_assert_cmpstr(b, ==, "alias");
    address_space_write(as, 0x1020, "via", 3);
    g_assert_cmpmem(ram.ram + 0x80020, 3, "via", 3);
    /* ROM: reads, ignores writes; DMA cannot write it. */
    rom.ram[0] = 0x5a;
    address_space_write(as, 0xf0000, "x", 1);
    g_assert_cmphex(rom.ram[0], ==, 0x5a);
    g_assert_false(address_space_dma_ops.write(as, 0xf0000, "x", 1));
    g_assert_true(address_space_dma_ops.read(as, 0xf0000, b, 1));
    /* DMA never touches a device, nor a gap; nothing is written on failure. */
    g_assert_false(address_space_dma_ops.read(as, 0x200000, b, 4));
    g_assert_false(address_space_dma_ops.write(as, 0x1ff0, "0123456789abcdefXYZ", 19));
    g_assert_cmphex(alias.alias->ram[0x80ff0], ==, 0);
    g_assert_true(address_space_dma_ops.write(as, 0x1ff0, "0123456789abcdef", 16));
    g_assert_false(address_space_dma_ops.read(as, UINT64_MAX - 2, b, 8));
    g_assert_cmpstr(d.log->str, ==, "");

    g_autofree char *text = address_space_mtree_text(as);
    g_assert_nonnull(strstr(text, "address-space: memory\n  0000000000000000-fffffffffffffffe "
                                  "(prio 0, container): system\n"));
    g_assert_nonnull(strstr(text, "    0000000000001000-0000000000001fff (prio 0, ram): alias "
                                  "ram-window @pc.ram 0000000000080000-0000000000080fff\n"));
    g_assert_nonnull(strstr(text, "00000000000f0000-00000000000fffff (prio 0, rom): bios\n"));

    address_space_free(as);
    memory_region_del_subregion(&root, &alias);
    memory_region_del_subregion(&root, &rom);
    memory_region_del_subregion(&root, &io);
    memory_region_destroy(&alias);
    memory_region_destroy(&rom);
    memory_region_destroy(&io);
    memory_region_destroy(&ram);
    memory_region_destroy(&root);
    g_string_free(d.log, TRUE);
}

typedef struct Recorder {
    MemoryListener l;
    GString *log;
} Recorder;

static void rec(MemoryListener *l, const MemorySection *s, const char *what)
{
    Recorder *r = (Recorder *)l;
    g_string_append_printf(r->log, "%s %" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x%s; ",
                           what, s->start, s->size, s->readonly ? " ro" : "");
}

static void rec_add(MemoryListener *l, const MemorySection *s) { rec(l, s, "add"); }
static void rec_del(MemoryListener *l, const MemorySection *s) { rec(l, s, "del"); }

static void test_listeners(void)
{
    MemoryRegion root, low, high, hole;
    Dev d;
    dev_init(&d, 0);
    memory_region_init_container(&root, "system", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&low, "low", 0x100000, NULL));
    g_assert_true(memory_region_init_ram(&high, "high", 0x100000, NULL));
    memory_region_init_io(&hole, "hole", 0x20000, &any_ops, &d);
    AddressSpace *as = address_space_new("memory", &root);
    memory_region_add_subregion(&root, 0, &low, 0);
    Recorder r = { { rec_del, rec_add, NULL }, g_string_new(NULL) };
    memory_listener_register(as, &r.l);
    g_assert_cmpstr(r.log->str, ==, "add 0+100000; ");
    g_string_truncate(r.log, 0);
    /* One transaction: a hole punched in low RAM and new RAM added. */
    memory_transaction_begin();
    memory_region_add_subregion(&root, 0xa0000, &hole, 1);
    memory_region_add_subregion(&root, 0x100000000ull, &high, 0);
    g_assert_cmpstr(r.log->str, ==, "");
    memory_transaction_commit();
    g_assert_cmpstr(r.log->str, ==, "del 0+100000; add 0+a0000; add c0000+40000; "
                                    "add 100000000+100000; ");
    g_string_truncate(r.log, 0);
    memory_region_set_readonly(&high, true);
    g_assert_cmpstr(r.log->str, ==, "del 100000000+100000; add 100000000+100000 ro; ");
    memory_listener_unregister(as, &r.l);

    address_space_free(as);
    memory_region_del_subregion(&root, &low);
    memory_region_del_subregion(&root, &high);
    memory_region_del_subregion(&root, &hole);
    memory_region_destroy(&low);
    memory_region_destroy(&high);
    memory_region_destroy(&hole);
    memory_region_destroy(&root);
    g_string_free(r.log, TRUE);
    g_string_free(d.log, TRUE);
}

typedef struct Race {
    AddressSpace *as;
    volatile bool stop;
} Race;

static gpointer reader(gpointer opaque)
{
    Race *r = opaque;
    uint8_t b[16];
    while (!r->stop) {
        address_space_read(r->as, 0x3000 - 8, b, sizeof(b));
        g_assert_true(b[0] == 0x11);
        g_assert_true(b[8] == 0x22 || b[8] == 0xff);
    }
    return NULL;
}

static void test_concurrent(void)
{
    MemoryRegion root, ram, other;
    memory_region_init_container(&root, "system", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&ram, "ram", 0x3000, NULL));
    g_assert_true(memory_region_init_ram(&other, "other", 0x1000, NULL));
    memset(ram.ram, 0x11, 0x3000);
    memset(other.ram, 0x22, 0x1000);
    AddressSpace *as = address_space_new("memory", &root);
    memory_region_add_subregion(&root, 0, &ram, 0);
    memory_region_add_subregion(&root, 0x3000, &other, 0);
    Race race = { as, false };
    GThread *t[2] = { g_thread_new("r0", reader, &race), g_thread_new("r1", reader, &race) };
    for (int i = 0; i < 2000; i++) {
        memory_region_set_enabled(&other, i & 1);
    }
    race.stop = true;
    g_thread_join(t[0]);
    g_thread_join(t[1]);
    address_space_free(as);
    memory_region_del_subregion(&root, &ram);
    memory_region_del_subregion(&root, &other);
    memory_region_destroy(&ram);
    memory_region_destroy(&other);
    memory_region_destroy(&root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/priority-and-dispatch", test_priority_and_dispatch);
    g_test_add_func("/memory/access-sizes", test_access_sizes);
    g_test_add_func("/memory/alias-rom-dma", test_alias_rom_dma);
    g_test_add_func("/memory/listeners", test_listeners);
    g_test_add_func("/memory/concurrent", test_concurrent);
    return g_test_run();
}
