/*
 * Unit tests of the linux-user ELF program parser (linux-user/elf.h): valid
 * static, PIE and interpreter images are described correctly; each malformed
 * field is refused with an error; the fuzz corpus seeds parse without harm.
 */
#include "config.h"
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include "linux-user/elf.h"

#define LIMIT (1ull << 38)

typedef struct Img {
    uint8_t buf[8192];
    size_t size;
    Elf64_Ehdr *eh;
    Elf64_Phdr *ph;
} Img;

/* A valid static executable: text at 0x10000 (the headers + code), data+bss at 0x11000. */
static void img_static(Img *m)
{
    memset(m, 0, sizeof(*m));
    m->eh = (Elf64_Ehdr *)m->buf;
    m->ph = (Elf64_Phdr *)(m->buf + 64);
    memcpy(m->eh->e_ident, ELFMAG, SELFMAG);
    m->eh->e_ident[EI_CLASS] = ELFCLASS64;
    m->eh->e_ident[EI_DATA] = ELFDATA2LSB;
    m->eh->e_ident[EI_VERSION] = EV_CURRENT;
    m->eh->e_type = ET_EXEC;
    m->eh->e_machine = EM_RISCV;
    m->eh->e_version = EV_CURRENT;
    m->eh->e_entry = 0x10200;
    m->eh->e_phoff = 64;
    m->eh->e_ehsize = 64;
    m->eh->e_phentsize = sizeof(Elf64_Phdr);
    m->eh->e_phnum = 3;
    m->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
                             .p_vaddr = 0x10000, .p_filesz = 0x400, .p_memsz = 0x400,
                             .p_align = 0x1000 };
    m->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x1000,
                             .p_vaddr = 0x11000, .p_filesz = 0x100, .p_memsz = 0x3000,
                             .p_align = 0x1000 };
    m->ph[2] = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
    m->size = 0x1100;
}

static bool parse(Img *m, ElfImage *img)
{
    Error *err = NULL;
    bool ok = elf_parse(m->buf, m->size, EM_RISCV, LIMIT, img, &err);

    if (!ok) {
        g_assert_nonnull(err);
        g_assert_null(img->segs);
        if (g_test_verbose()) {
            g_test_message("refused: %s", error_message(err));
        }
        error_free(err);
    } else {
        g_assert_null(err);
    }
    return ok;
}

static void test_static(void)
{
    Img m;
    ElfImage img;

    img_static(&m);
    g_assert_true(parse(&m, &img));
    g_assert_cmpuint(img.type, ==, ET_EXEC);
    g_assert_cmpuint(img.entry, ==, 0x10200);
    g_assert_cmpuint(img.nsegs, ==, 2);
    g_assert_cmpuint(img.segs[0].prot, ==, PROT_READ | PROT_EXEC);
    g_assert_cmpuint(img.segs[1].prot, ==, PROT_READ | PROT_WRITE);
    g_assert_cmpuint(img.min_vaddr, ==, 0x10000);
    g_assert_cmpuint(img.max_vaddr, ==, 0x14000);
    g_assert_cmpuint(img.phdr_vaddr, ==, 0x10040);
    g_assert_cmpuint(img.phnum, ==, 3);
    g_assert_false(img.exec_stack);
    g_assert_null(img.interp);
    elf_image_clear(&img);
}

static void test_pie_interp(void)
{
    static const char interp[] = "/lib/ld-linux-riscv64-lp64d.so.1";
    Img m;
    ElfImage img;

    img_static(&m);
    m.eh->e_type = ET_DYN;
    m.ph[0].p_vaddr = 0;
    m.ph[1].p_vaddr = 0x1000;
    m.ph[2] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = 0x300,
                            .p_filesz = sizeof(interp) };
    memcpy(m.buf + 0x300, interp, sizeof(interp));
    g_assert_true(parse(&m, &img));
    g_assert_cmpuint(img.type, ==, ET_DYN);
    g_assert_cmpstr(img.interp, ==, interp);
    g_assert_true(img.exec_stack);      /* no PT_GNU_STACK */
    elf_image_clear(&img);
}

typedef void (*Breaker)(Img *m);

static void b_magic(Img *m) { m->buf[1] = 'X'; }
static void b_class(Img *m) { m->eh->e_ident[EI_CLASS] = ELFCLASS32; }
static void b_data(Img *m) { m->eh->e_ident[EI_DATA] = ELFDATA2MSB; }
static void b_machine(Img *m) { m->eh->e_machine = EM_X86_64; }
static void b_version(Img *m) { m->eh->e_version = 2; }
static void b_type(Img *m) { m->eh->e_type = ET_REL; }
static void b_phentsize(Img *m) { m->eh->e_phentsize = 40; }
static void b_phnum0(Img *m) { m->eh->e_phnum = 0; }
static void b_phnum_big(Img *m) { m->eh->e_phnum = 2000; }
static void b_phoff(Img *m) { m->eh->e_phoff = 0x10f8; }
static void b_phoff_wrap(Img *m) { m->eh->e_phoff = UINT64_MAX - 8; }
static void b_filesz(Img *m) { m->ph[1].p_filesz = 0x4000; }
static void b_offset(Img *m) { m->ph[1].p_offset = 0x2000; }
static void b_offset_wrap(Img *m) { m->ph[1].p_offset = UINT64_MAX - 0x10; }
static void b_vaddr_wrap(Img *m) { m->ph[1].p_vaddr = UINT64_MAX - 0xfff; }
static void b_vaddr_limit(Img *m) { m->ph[1].p_vaddr = LIMIT; m->ph[1].p_offset = 0x1000; }
static void b_align(Img *m) { m->ph[0].p_align = 0x1800; }
static void b_congruence(Img *m) { m->ph[1].p_vaddr = 0x11800; }
static void b_order(Img *m) { m->ph[1].p_vaddr = 0x0f000; }
static void b_overlap(Img *m) { m->ph[1].p_vaddr = 0x10000; m->ph[1].p_offset = 0; }
static void b_noload(Img *m) { m->ph[0].p_type = PT_NOTE; m->ph[1].p_type = PT_NOTE; }
static void b_short(Img *m) { m->size = 40; }

static void set_interp(Img *m, const char *s, size_t len)
{
    m->ph[2] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = 0x300, .p_filesz = len };
    memcpy(m->buf + 0x300, s, len);
}
static void b_interp_nonul(Img *m) { set_interp(m, "/lib/ld.so", 10); }
static void b_interp_inner_nul(Img *m) { set_interp(m, "/lib\0ld.so", 11); }
static void b_interp_empty(Img *m) { set_interp(m, "", 1); }
static void b_interp_outside(Img *m) { set_interp(m, "/x", 3); m->ph[2].p_offset = 0x10ff; }
static void b_interp_twice(Img *m)
{
    set_interp(m, "/a", 3);
    m->eh->e_phnum = 4;
    m->ph[3] = m->ph[2];
}

static const struct { const char *name; Breaker fn; } breakers[] = {
    { "magic", b_magic }, { "class", b_class }, { "data", b_data },
    { "machine", b_machine }, { "version", b_version }, { "type", b_type },
    { "phentsize", b_phentsize }, { "phnum0", b_phnum0 }, { "phnum-big", b_phnum_big },
    { "phoff", b_phoff }, { "phoff-wrap", b_phoff_wrap }, { "filesz", b_filesz },
    { "offset", b_offset }, { "offset-wrap", b_offset_wrap }, { "vaddr-wrap", b_vaddr_wrap },
    { "vaddr-limit", b_vaddr_limit }, { "align", b_align }, { "congruence", b_congruence },
    { "order", b_order }, { "overlap", b_overlap }, { "noload", b_noload },
    { "short", b_short }, { "interp-nonul", b_interp_nonul },
    { "interp-inner-nul", b_interp_inner_nul }, { "interp-empty", b_interp_empty },
    { "interp-outside", b_interp_outside }, { "interp-twice", b_interp_twice },
};

static void test_refused(gconstpointer data)
{
    Breaker fn = (Breaker)data;
    Img m;
    ElfImage img;

    img_static(&m);
    fn(&m);
    g_assert_false(parse(&m, &img));
}

/* Every prefix of a valid image either parses or is refused cleanly. */
static void test_truncations(void)
{
    Img m;
    size_t full;

    img_static(&m);
    full = m.size;
    for (size_t n = 0; n <= full; n++) {
        ElfImage img;
        uint8_t *copy = g_memdup2(m.buf, n);
        Error *err = NULL;
        if (elf_parse(copy, n, EM_RISCV, LIMIT, &img, &err)) {
            g_assert_cmpuint(n, ==, full);
            elf_image_clear(&img);
        } else {
            g_assert_nonnull(err);
            error_free(err);
        }
        g_free(copy);
    }
}

static void test_corpus(void)
{
    const char *dirname = FUZZ_CORPUS_DIR "/fuzz-elf";
    GDir *dir = g_dir_open(dirname, 0, NULL);
    const char *name;
    int accepted = 0;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir))) {
        char *path = g_build_filename(dirname, name, NULL);
        char *data;
        gsize len;
        ElfImage img;
        Error *err = NULL;

        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        if (elf_parse((uint8_t *)data, len, EM_RISCV, LIMIT, &img, &err)) {
            accepted++;
            elf_image_clear(&img);
        } else {
            error_free(err);
        }
        g_free(data);
        g_free(path);
    }
    g_dir_close(dir);
    g_assert_cmpint(accepted, >=, 2);      /* static.elf and pie-interp.elf */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/elf-parse/static", test_static);
    g_test_add_func("/elf-parse/pie-interp", test_pie_interp);
    for (size_t i = 0; i < G_N_ELEMENTS(breakers); i++) {
        char *p = g_strdup_printf("/elf-parse/refused/%s", breakers[i].name);
        g_test_add_data_func(p, (gconstpointer)breakers[i].fn, test_refused);
        g_free(p);
    }
    g_test_add_func("/elf-parse/truncations", test_truncations);
    g_test_add_func("/elf-parse/corpus", test_corpus);
    return g_test_run();
}
