/* MC146818 CMOS RTC (ports 0x70/0x71). */
#include <stdbool.h>

#include "core/log.h"
#include "core/rtc.h"
#include "core/x86.h"

#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define RTC_SEC      0x00
#define RTC_MIN      0x02
#define RTC_HOUR     0x04
#define RTC_DAY      0x07
#define RTC_MONTH    0x08
#define RTC_YEAR     0x09
#define RTC_STATUS_A 0x0a /* bit 7: update in progress */
#define RTC_STATUS_B 0x0b /* bit 2: binary (else BCD); bit 1: 24-hour */
#define RTC_CENTURY  0x32 /* the usual place; QEMU fills it */

struct rtc_time {
    unsigned sec, min, hour, day, month, year, century;
};

static uint8_t cmos(uint8_t reg)
{
    outb(CMOS_INDEX, reg | 0x80); /* bit 7: keep NMI disabled-state bit set as firmware does */
    return inb(CMOS_DATA);
}

static void read_raw(struct rtc_time *t)
{
    for (unsigned spins = 0; cmos(RTC_STATUS_A) & 0x80 && spins < 1000000; spins++)
        ;
    t->sec = cmos(RTC_SEC);
    t->min = cmos(RTC_MIN);
    t->hour = cmos(RTC_HOUR);
    t->day = cmos(RTC_DAY);
    t->month = cmos(RTC_MONTH);
    t->year = cmos(RTC_YEAR);
    t->century = cmos(RTC_CENTURY);
}

static unsigned bcd(unsigned v)
{
    return (v & 0x0f) + (v >> 4) * 10;
}

int64_t core_rtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil algorithm (public domain description of the math). */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int64_t core_rtc_read(void)
{
    /* Read until two consecutive reads agree: an update may land between the registers. */
    struct rtc_time a, b;
    read_raw(&a);
    for (int i = 0; i < 10; i++) {
        read_raw(&b);
        if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day &&
            a.month == b.month && a.year == b.year)
            break;
        a = b;
    }
    uint8_t status_b = cmos(RTC_STATUS_B);
    bool pm = a.hour & 0x80;
    a.hour &= 0x7f;
    if (!(status_b & 0x04)) {
        a.sec = bcd(a.sec);
        a.min = bcd(a.min);
        a.hour = bcd(a.hour);
        a.day = bcd(a.day);
        a.month = bcd(a.month);
        a.year = bcd(a.year);
        a.century = bcd(a.century);
    }
    if (!(status_b & 0x02) && pm)
        a.hour = (a.hour % 12) + 12;
    unsigned year = (a.century >= 19 && a.century <= 30 ? a.century : 20) * 100 + a.year;
    if (a.sec > 59 || a.min > 59 || a.hour > 23 || a.day < 1 || a.day > 31 || a.month < 1 ||
        a.month > 12 || a.year > 99) {
        log_error("rtc: implausible time %u-%u-%u %u:%u:%u, wall clock starts at 1970", year,
                  a.month, a.day, a.hour, a.min, a.sec);
        return 0;
    }
    return core_rtc_days_from_civil(year, a.month, a.day) * 86400 + a.hour * 3600 + a.min * 60 +
           a.sec;
}
