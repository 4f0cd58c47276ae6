/*
 * MC146818 real-time clock: time registers computed from guest time on
 * every read (frozen while the guest holds SET to change them), the three
 * interrupt sources accounted lazily from the time source, and CMOS memory.
 */
#include "config.h"
#include "hw/rtc/mc146818.h"

#include <string.h>
#include <time.h>

#define NS 1000000000LL
#define REG_SEC 0
#define REG_SEC_ALARM 1
#define REG_MIN 2
#define REG_MIN_ALARM 3
#define REG_HOUR 4
#define REG_HOUR_ALARM 5
#define REG_WDAY 6
#define REG_MDAY 7
#define REG_MON 8
#define REG_YEAR 9

#define A_UIP   0x80
#define A_DV    0x70
#define A_DV_NORMAL 0x20
#define A_RS    0x0f
#define B_SET   0x80
#define B_PIE   0x40
#define B_AIE   0x20
#define B_UIE   0x10
#define B_DM    0x04            /* binary, not BCD */
#define B_24H   0x02
#define C_IRQF  0x80
#define C_PF    0x40
#define C_AF    0x20
#define C_UF    0x10
#define D_VRT   0x80
#define UIP_NS  244000          /* update-in-progress window before each second */

static int64_t host_now_ns(void *opaque)
{
    return g_get_real_time() * 1000;
}

static int64_t guest_ns(RTCState *s)
{
    return s->now_ns(s->clock_opaque) + s->offset_ns;
}

static bool binary(RTCState *s) { return s->cmos[RTC_REG_B] & B_DM; }
static uint8_t to_reg(RTCState *s, int v) { return binary(s) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10); }
static int from_reg(RTCState *s, uint8_t v) { return binary(s) ? v : (v >> 4) * 10 + (v & 15); }

static uint8_t hour_to_reg(RTCState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & B_24H) {
        return to_reg(s, hour);
    }
    int h12 = hour % 12 ? hour % 12 : 12;
    return (uint8_t)(to_reg(s, h12) | (hour >= 12 ? 0x80 : 0));
}

static int hour_from_reg(RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & B_24H) {
        return from_reg(s, v);
    }
    int h = from_reg(s, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* The time register idx as the guest sees it at guest second t. */
static uint8_t time_reg(RTCState *s, unsigned idx, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    switch (idx) {
    case REG_SEC: return to_reg(s, tm.tm_sec);
    case REG_MIN: return to_reg(s, tm.tm_min);
    case REG_HOUR: return hour_to_reg(s, tm.tm_hour);
    case REG_WDAY: return to_reg(s, tm.tm_wday + 1);
    case REG_MDAY: return to_reg(s, tm.tm_mday);
    case REG_MON: return to_reg(s, tm.tm_mon + 1);
    case REG_YEAR: return to_reg(s, (tm.tm_year + 1900) % 100);
    default: return to_reg(s, (tm.tm_year + 1900) / 100);       /* RTC_CENTURY */
    }
}

static bool is_time_reg(unsigned idx)
{
    return idx == REG_SEC || idx == REG_MIN || idx == REG_HOUR || (idx >= REG_WDAY &&
           idx <= REG_YEAR) || idx == RTC_CENTURY;
}

static const unsigned time_regs[] = { REG_SEC, REG_MIN, REG_HOUR, REG_WDAY, REG_MDAY, REG_MON,
                                      REG_YEAR, RTC_CENTURY };

/* Freeze the current time into CMOS (the guest set SET). */
static void snapshot_time(RTCState *s)
{
    int64_t t = guest_ns(s) / NS;
    for (size_t i = 0; i < G_N_ELEMENTS(time_regs); i++) {
        s->cmos[time_regs[i]] = time_reg(s, time_regs[i], t);
    }
}

/* The guest wrote the clock: guest time becomes the CMOS fields, now. */
static void set_time_from_cmos(RTCState *s)
{
    struct tm tm = {
        .tm_sec = from_reg(s, s->cmos[REG_SEC]),
        .tm_min = from_reg(s, s->cmos[REG_MIN]),
        .tm_hour = hour_from_reg(s, s->cmos[REG_HOUR]),
        .tm_mday = from_reg(s, s->cmos[REG_MDAY]),
        .tm_mon = from_reg(s, s->cmos[REG_MON]) - 1,
        .tm_year = from_reg(s, s->cmos[RTC_CENTURY]) * 100 + from_reg(s, s->cmos[REG_YEAR]) - 1900,
    };
    /* Out-of-range fields (bad BCD, century 0) normalise; keep 1970-2199 (ns fit 64 bits). */
    int64_t t = CLAMP((int64_t)timegm(&tm), 0, 7258118399LL);
    s->offset_ns = t * NS - s->now_ns(s->clock_opaque);
    s->last_second = t;
    s->last_periodic_ns = t * NS;
}

/* Periodic rate from register A, in 1/32768 s ticks; 0: off. */
static int64_t period_ns(RTCState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & A_RS;

    if (!rs || (s->cmos[RTC_REG_A] & A_DV) != A_DV_NORMAL) {
        return 0;
    }
    unsigned ticks = rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
    return (int64_t)ticks * NS / 32768;
}

static bool alarm_matches(RTCState *s, int64_t t)
{
    static const unsigned pairs[3][2] = {
        { REG_SEC_ALARM, REG_SEC }, { REG_MIN_ALARM, REG_MIN }, { REG_HOUR_ALARM, REG_HOUR },
    };
    for (int i = 0; i < 3; i++) {
        uint8_t alarm = s->cmos[pairs[i][0]];
        if (alarm < 0xc0 && alarm != time_reg(s, pairs[i][1], t)) {
            return false;       /* 0xc0-0xff is "any" */
        }
    }
    return true;
}

static void update_irq(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C], b = s->cmos[RTC_REG_B];
    bool level = ((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) ||
                 ((c & C_UF) && (b & B_UIE));

    s->cmos[RTC_REG_C] = level ? (c | C_IRQF) : (c & ~C_IRQF);
    if (level != s->irq_level) {
        s->irq_level = level;
        if (s->set_irq) {
            s->set_irq(s->irq_opaque, level);
        }
    }
}

static void account(RTCState *s)
{
    int64_t now = guest_ns(s), period = period_ns(s);

    if (period && now - s->last_periodic_ns >= period) {
        s->cmos[RTC_REG_C] |= C_PF;
        s->last_periodic_ns += (now - s->last_periodic_ns) / period * period;
    } else if (!period) {
        s->last_periodic_ns = now;
    }
    int64_t second = now / NS;
    if (second > s->last_second && !(s->cmos[RTC_REG_B] & B_SET)) {
        s->cmos[RTC_REG_C] |= C_UF;
        for (int64_t t = MAX(s->last_second + 1, second - 86400); t <= second; t++) {
            if (alarm_matches(s, t)) {
                s->cmos[RTC_REG_C] |= C_AF;
                break;
            }
        }
        s->last_second = second;
    }
    update_irq(s);
}

void rtc_init(RTCState *s, int64_t (*now_ns)(void *opaque), void *clock_opaque,
              int64_t base_offset_ns, void (*set_irq)(void *opaque, bool level),
              void *irq_opaque)
{
    memset(s, 0, sizeof(*s));
    g_mutex_init(&s->lock);
    s->now_ns = now_ns ? now_ns : host_now_ns;
    s->clock_opaque = clock_opaque;
    s->offset_ns = base_offset_ns;
    s->set_irq = set_irq;
    s->irq_opaque = irq_opaque;
    s->cmos[RTC_REG_A] = A_DV_NORMAL | 0x06;        /* 1024 Hz when enabled */
    s->cmos[RTC_REG_B] = B_24H;
    s->cmos[RTC_REG_D] = D_VRT;
    s->last_periodic_ns = guest_ns(s);
    s->last_second = guest_ns(s) / NS;
}

void rtc_cleanup(RTCState *s)
{
    g_mutex_clear(&s->lock);
}

void rtc_set_cmos(RTCState *s, uint8_t index, uint8_t value)
{
    g_mutex_lock(&s->lock);
    if (index < RTC_CMOS_SIZE) {
        s->cmos[index] = value;
    }
    g_mutex_unlock(&s->lock);
}

static uint8_t read_reg(RTCState *s, unsigned idx)
{
    uint8_t v;

    if (is_time_reg(idx)) {
        return s->cmos[RTC_REG_B] & B_SET ? s->cmos[idx] : time_reg(s, idx, guest_ns(s) / NS);
    }
    switch (idx) {
    case RTC_REG_A: {
        int64_t into = guest_ns(s) % NS;
        bool uip = !(s->cmos[RTC_REG_B] & B_SET) && into >= NS - UIP_NS;
        return (uint8_t)((s->cmos[RTC_REG_A] & ~A_UIP) | (uip ? A_UIP : 0));
    }
    case RTC_REG_C:
        account(s);
        v = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;         /* reading clears the flags and the interrupt */
        update_irq(s);
        return v;
    case RTC_REG_D:
        return D_VRT;
    default:
        return s->cmos[idx];
    }
}

static void write_reg(RTCState *s, unsigned idx, uint8_t v)
{
    if (is_time_reg(idx)) {
        s->cmos[idx] = v;
        if (!(s->cmos[RTC_REG_B] & B_SET)) {
            set_time_from_cmos(s);
        }
        return;
    }
    switch (idx) {
    case RTC_REG_A:
        account(s);
        s->cmos[RTC_REG_A] = v & ~A_UIP;
        s->last_periodic_ns = guest_ns(s);      /* a new rate starts now */
        break;
    case RTC_REG_B: {
        bool was_set = s->cmos[RTC_REG_B] & B_SET;
        account(s);
        if ((v & B_SET) && !was_set) {
            snapshot_time(s);
            v &= ~B_UIE;                        /* SET also stops update interrupts */
        }
        s->cmos[RTC_REG_B] = v;
        if (was_set && !(v & B_SET)) {
            set_time_from_cmos(s);
        }
        update_irq(s);
        break;
    }
    case RTC_REG_C:
    case RTC_REG_D:
        break;                                  /* read-only */
    default:
        s->cmos[idx] = v;
    }
}

uint64_t rtc_io_read(void *opaque, uint64_t offset, unsigned size)
{
    RTCState *s = opaque;
    uint8_t v = 0xff;

    g_mutex_lock(&s->lock);
    if (offset == 1) {
        v = read_reg(s, s->index);
    }
    g_mutex_unlock(&s->lock);
    return v;
}

void rtc_io_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    RTCState *s = opaque;

    g_mutex_lock(&s->lock);
    if (offset == 0) {
        s->index = val & 0x7f;
        s->nmi_masked = val & 0x80;
    } else if (offset == 1) {
        write_reg(s, s->index, (uint8_t)val);
    }
    g_mutex_unlock(&s->lock);
}

void rtc_poll(RTCState *s)
{
    g_mutex_lock(&s->lock);
    account(s);
    g_mutex_unlock(&s->lock);
}

int64_t rtc_next_event(RTCState *s)
{
    int64_t next = -1, period;
    uint8_t b;

    g_mutex_lock(&s->lock);
    b = s->cmos[RTC_REG_B];
    period = period_ns(s);
    if ((b & B_PIE) && period) {
        next = s->last_periodic_ns + period;
    }
    if ((b & (B_UIE | B_AIE)) && !(b & B_SET)) {
        int64_t second = (s->last_second + 1) * NS;
        next = next < 0 ? second : MIN(next, second);
    }
    if (next >= 0) {
        next -= s->offset_ns;       /* back to the time source */
    }
    g_mutex_unlock(&s->lock);
    return next;
}

int64_t rtc_guest_time(RTCState *s)
{
    int64_t t;

    g_mutex_lock(&s->lock);
    t = guest_ns(s) / NS;
    g_mutex_unlock(&s->lock);
    return t;
}
