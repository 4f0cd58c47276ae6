/*
 * Unit tests for size, number and boolean parsing and human-readable sizes.
 * Expected values were taken from Debian's qemu-img 7.2 (create / info).
 */
#include "config.h"
#include <errno.h>
#include <glib.h>
#include <string.h>
#include "libcore/cutils.h"

static void check_size(const char *s, char def, uint64_t want)
{
    uint64_t v = 0;
    Error *err = NULL;
    if (!parse_size(s, def, &v, &err)) {
        g_test_message("parse_size('%s') failed: %s", s, error_message(err));
        g_assert_not_reached();
    }
    g_assert_cmpuint(v, ==, want);
}

static void check_size_err(const char *s, int want)
{
    uint64_t v = 12345;
    g_assert_cmpint(parse_size_errno(s, 'B', &v), ==, want);
    g_assert_cmpuint(v, ==, 12345);         /* untouched on error */
    Error *err = NULL;
    g_assert_false(parse_size(s, 'B', &v, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_message(err), s));
    error_free(err);
}

static void test_size_plain(void)
{
    check_size("0", 'B', 0);
    check_size("512", 'B', 512);
    check_size("010", 'B', 10);             /* decimal, not octal */
    check_size("0x10", 'B', 16);
    check_size("0X10", 'B', 16);
    check_size("0x10k", 'B', 16384);
    check_size(" 1k", 'B', 1024);
    check_size("+1k", 'B', 1024);
    check_size("18446744073709551615", 'B', UINT64_MAX);
}

static void test_size_suffixes(void)
{
    check_size("1b", 'B', 1);
    check_size("512B", 'B', 512);
    check_size("10k", 'B', 10240);
    check_size("1K", 'B', 1024);
    check_size("1M", 'B', 1 << 20);
    check_size("1m", 'B', 1 << 20);
    check_size("1G", 'B', 1 << 30);
    check_size("1T", 'B', UINT64_C(1) << 40);
    check_size("1P", 'B', UINT64_C(1) << 50);
    check_size("1E", 'B', UINT64_C(1) << 60);
    check_size("15E", 'B', UINT64_C(15) << 60);
    check_size("64", 'M', 64 << 20);        /* -m style default unit */
    check_size("64k", 'M', 64 << 10);
}

static void test_size_fractions(void)
{
    check_size("1.5G", 'B', 1610612736);
    check_size("1.5k", 'B', 1536);
    check_size("0.5k", 'B', 512);
    check_size("1.k", 'B', 1024);
    check_size("1.", 'B', 1);
    check_size("1.0", 'B', 1);
    check_size("0.001k", 'B', 1);           /* 1.024 rounds to 1 */
    check_size("1.00048828125k", 'B', 1025); /* exactly .5 rounds up */
    check_size("1.9999999999G", 'B', 2147483648);
    check_size("1.999999999999999999999G", 'B', UINT64_C(2) << 30);
    check_size("1.5", 'M', 3 << 19);
}

static void test_size_errors(void)
{
    check_size_err("", -EINVAL);
    check_size_err("k", -EINVAL);
    check_size_err("-1", -EINVAL);
    check_size_err("-0", -EINVAL);
    check_size_err("1.5", -EINVAL);         /* fraction of a byte */
    check_size_err("1.5B", -EINVAL);
    check_size_err(".5k", -EINVAL);
    check_size_err("1e3", -EINVAL);
    check_size_err("1.5e3k", -EINVAL);
    check_size_err("1 k", -EINVAL);
    check_size_err("1k ", -EINVAL);
    check_size_err("1kk", -EINVAL);
    check_size_err("1.1.1k", -EINVAL);
    check_size_err("0x", -EINVAL);
    check_size_err("0x1.5k", -EINVAL);
    check_size_err("1Z", -EINVAL);
    check_size_err("16E", -ERANGE);
    check_size_err("99999999999999999999", -ERANGE);
    check_size_err("18446744073709551616", -ERANGE);
    check_size_err("0xffffffffffffffffk", -ERANGE);
    check_size_err("15.99999999999999999999E", -ERANGE);
    check_size("15.9999999999999999E", 'B', UINT64_C(18446744073709551488));
}

static void test_numbers(void)
{
    uint64_t u;
    int64_t i;
    Error *err = NULL;
    g_assert_true(parse_uint64("0", &u, NULL));
    g_assert_cmpuint(u, ==, 0);
    g_assert_true(parse_uint64("0x1F", &u, NULL));
    g_assert_cmpuint(u, ==, 31);
    g_assert_true(parse_uint64("017", &u, NULL));
    g_assert_cmpuint(u, ==, 15);
    g_assert_true(parse_uint64("18446744073709551615", &u, NULL));
    g_assert_cmpuint(u, ==, UINT64_MAX);
    g_assert_false(parse_uint64("18446744073709551616", &u, &err));
    g_assert_nonnull(strstr(error_message(err), "out of range"));
    error_clear(&err);
    const char *bad[] = { "", "-1", "1k", " 1", "0x", "08", "abc", "1 " };
    for (size_t k = 0; k < G_N_ELEMENTS(bad); k++) {
        g_assert_false(parse_uint64(bad[k], &u, &err));
        g_assert_nonnull(err);
        error_clear(&err);
    }

    g_assert_true(parse_int64("-9223372036854775808", &i, NULL));
    g_assert_cmpint(i, ==, INT64_MIN);
    g_assert_true(parse_int64("9223372036854775807", &i, NULL));
    g_assert_cmpint(i, ==, INT64_MAX);
    g_assert_true(parse_int64("-0x10", &i, NULL));
    g_assert_cmpint(i, ==, -16);
    g_assert_false(parse_int64("9223372036854775808", &i, &err));
    error_clear(&err);
    g_assert_false(parse_int64("-9223372036854775809", &i, &err));
    error_clear(&err);
    g_assert_false(parse_int64("-", &i, &err));
    error_clear(&err);
    g_assert_false(parse_int64("--1", &i, &err));
    error_clear(&err);
}

static void test_bool(void)
{
    bool b;
    Error *err = NULL;
    const char *yes[] = { "on", "yes", "true" }, *no[] = { "off", "no", "false" };
    for (int k = 0; k < 3; k++) {
        b = false;
        g_assert_true(parse_bool(yes[k], &b, NULL));
        g_assert_true(b);
        g_assert_true(parse_bool(no[k], &b, NULL));
        g_assert_false(b);
    }
    g_assert_false(parse_bool("ON", &b, &err));
    g_assert_nonnull(strstr(error_message(err), "'ON'"));
    error_clear(&err);
    g_assert_false(parse_bool("", &b, &err));
    error_clear(&err);
}

static void check_human(uint64_t bytes, const char *want)
{
    char *s = size_to_human(bytes);
    g_assert_cmpstr(s, ==, want);
    g_free(s);
}

static void test_human(void)
{
    check_human(0, "0 B");
    check_human(512, "512 B");
    check_human(999, "999 B");
    check_human(1000, "0.977 KiB");
    check_human(1024, "1 KiB");
    check_human(1536, "1.5 KiB");
    check_human(10240, "10 KiB");
    check_human(102400, "100 KiB");
    check_human(523776, "512 KiB");
    check_human(1022976, "999 KiB");
    check_human(1023488, "1e+03 KiB");      /* qemu-img prints it this way too */
    check_human(1047552, "0.999 MiB");
    check_human(1048064, "1 MiB");
    check_human(1049088, "1 MiB");
    check_human(1572864, "1.5 MiB");
    check_human(64 << 20, "64 MiB");
    check_human(123457024, "118 MiB");
    check_human(1073741824, "1 GiB");
    check_human(1288490496, "1.2 GiB");
    check_human(1610612736, "1.5 GiB");
    check_human(UINT64_C(10) << 30, "10 GiB");
    check_human(UINT64_C(100) << 40, "100 TiB");
    check_human(UINT64_C(1) << 50, "1 PiB");
    check_human(UINT64_C(8) << 60, "8 EiB");
    check_human(UINT64_MAX, "16 EiB");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cutils/size/plain", test_size_plain);
    g_test_add_func("/cutils/size/suffixes", test_size_suffixes);
    g_test_add_func("/cutils/size/fractions", test_size_fractions);
    g_test_add_func("/cutils/size/errors", test_size_errors);
    g_test_add_func("/cutils/numbers", test_numbers);
    g_test_add_func("/cutils/bool", test_bool);
    g_test_add_func("/cutils/human", test_human);
    return g_test_run();
}
