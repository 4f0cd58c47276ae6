/*
 * Number, size and boolean parsing for command lines and options, and the
 * human-readable sizes of qemu-img info.
 */
#include "config.h"
#include "libcore/cutils.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

/* Multiplier of a size suffix (powers of 1024), 0 if c is not one. */
static uint64_t suffix_multiplier(char c)
{
    static const char suffixes[] = "bkmgtpe";
    const char *hit = c ? strchr(suffixes, g_ascii_tolower(c)) : NULL;
    return hit ? UINT64_C(1) << (10 * (hit - suffixes)) : 0;
}

/* Unsigned whole number in the given base at s; -ERANGE on overflow, -EINVAL if no digits. */
static int scan_uint(const char *s, int base, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    for (;; p++) {
        int d = g_ascii_xdigit_value(*p);
        if (d < 0 || d >= base) {
            break;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
            return -ERANGE;
        }
        v = v * base + d;
    }
    *end = p;
    *out = v;
    return p == s ? -EINVAL : 0;
}

/*
 * The fraction ".ddd" at s as a 0.64 fixed-point number (rounded down); sets
 * *carry when the digits round up to a whole 1 in double precision.
 */
static const char *scan_fraction(const char *s, uint64_t *frac, bool *carry)
{
    const char *p = s + 1;
    while (g_ascii_isdigit(*p)) {
        p++;
    }
    char *text = g_strdup_printf("0%.*s", (int)(p - s), s);
    double f = g_ascii_strtod(text, NULL);
    g_free(text);
    *carry = f >= 1.0;
    *frac = *carry ? 0 : (uint64_t)ldexp(f, 64);
    return p;
}

int parse_size_errno(const char *str, char default_suffix, uint64_t *out)
{
    const char *p = str, *end;
    uint64_t val, frac = 0;
    bool carry = false, hex = false;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (*p == '+') {
        p++;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        hex = true;
        p += 2;
    }
    int ret = scan_uint(p, hex ? 16 : 10, &end, &val);
    if (ret) {
        return ret;
    }
    if (*end == '.') {
        if (hex) {
            return -EINVAL;
        }
        end = scan_fraction(end, &frac, &carry);
    }
    uint64_t mul = suffix_multiplier(*end);
    if (mul) {
        end++;
    } else {
        mul = suffix_multiplier(default_suffix ? default_suffix : 'B');
        if (!mul) {
            return -EINVAL;
        }
    }
    if (*end) {
        return -EINVAL;
    }
    if (mul == 1 && (frac || carry)) {
        return -EINVAL;                     /* fractions need a unit to scale */
    }
    if (carry) {
        if (val == UINT64_MAX) {
            return -ERANGE;
        }
        val++;
    }
    /* val * mul + frac * mul, rounding the fractional byte half up. */
    unsigned __int128 total = (unsigned __int128)val * mul;
    unsigned __int128 fbytes = (unsigned __int128)frac * mul;
    total += (fbytes >> 64) + ((fbytes >> 63) & 1);
    if (total > UINT64_MAX) {
        return -ERANGE;
    }
    *out = (uint64_t)total;
    return 0;
}

bool parse_size(const char *str, char default_suffix, uint64_t *out, Error **errp)
{
    int ret = parse_size_errno(str, default_suffix, out);
    if (ret == -ERANGE) {
        error_setf(errp, "size '%s' is too large (at most 16 EiB - 1)", str);
    } else if (ret) {
        error_setf(errp, "invalid size '%s': use a number with an optional suffix "
                   "k, M, G, T, P or E", str);
    }
    return ret == 0;
}

/* Whole number with C-style base prefix; sign handled by the callers. */
static int scan_c_number(const char *str, uint64_t *out)
{
    const char *p = str, *end;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && p[1]) {
        base = 8;
        p++;
    }
    int ret = scan_uint(p, base, &end, out);
    if (ret) {
        return ret;
    }
    return *end ? -EINVAL : 0;
}

bool parse_uint64(const char *str, uint64_t *out, Error **errp)
{
    int ret = scan_c_number(str, out);
    if (ret == -ERANGE) {
        error_setf(errp, "number '%s' is out of range", str);
    } else if (ret) {
        error_setf(errp, "'%s' is not a valid non-negative number", str);
    }
    return ret == 0;
}

bool parse_int64(const char *str, int64_t *out, Error **errp)
{
    bool neg = str[0] == '-';
    uint64_t mag;
    int ret = scan_c_number(str + neg, &mag);
    if (ret == 0) {
        if (!neg && mag > (uint64_t)INT64_MAX) {
            ret = -ERANGE;
        } else if (neg && mag > (uint64_t)INT64_MAX + 1) {
            ret = -ERANGE;
        }
    }
    if (ret == -ERANGE) {
        error_setf(errp, "number '%s' is out of range", str);
        return false;
    } else if (ret) {
        error_setf(errp, "'%s' is not a valid number", str);
        return false;
    }
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

bool parse_bool(const char *str, bool *out, Error **errp)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (!strcmp(str, yes[i]) || !strcmp(str, no[i])) {
            *out = !strcmp(str, yes[i]);
            return true;
        }
    }
    error_setf(errp, "'%s' is not a valid boolean: use 'on' or 'off'", str);
    return false;
}

char *size_to_human(uint64_t bytes)
{
    static const char *const units[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    int exp2;
    /*
     * Pick the unit whose power of 1024 brings the number below 1000 (scaled
     * by 1024/1000 so e.g. 1000 bytes already reads "0.977 KiB"), then three
     * significant digits, exactly as qemu-img prints them (even "1e+03 KiB").
     */
    frexp((double)bytes / (1000.0 / 1024.0), &exp2);
    int unit = (exp2 - 1) / 10;
    if (unit < 0) {
        unit = 0;
    }
    if (unit >= (int)G_N_ELEMENTS(units)) {
        unit = G_N_ELEMENTS(units) - 1;
    }
    double scaled = (double)bytes / (double)(UINT64_C(1) << (10 * unit));
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(num, sizeof(num), "%.3g", scaled);
    return g_strdup_printf("%s %sB", num, units[unit]);
}
