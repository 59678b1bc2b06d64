/*
 * Shared part of netstack/ (one copy for all cores): finding each core's lwIP copy, lwIP's
 * clock, and error conversion.
 *
 * The copies are built by netstack/module.mk as netstack_cpuK_* symbols for K below
 * NETSTACK_MAX_CPUS.  They are referenced here weakly, so the same file links with any number
 * of copies (the kernel's NETSTACK_MAX_CPUS, the host tests' two): a missing copy's table reads
 * as NULL.
 */
#include <errno.h>
#include <stdint.h>

#include "core/time.h"
#include "lwip/err.h"
#include "netstack/limits.h"
#include "netstack/netif.h"
#include "netstack/netstack.h"

_Static_assert(NETSTACK_MAX_CPUS >= 1 && NETSTACK_MAX_CPUS <= NETSTACK_MAX_COPIES,
               "NETSTACK_MAX_CPUS out of range: extend the COPIES list below");

#define COPIES(X)                                                                                  \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

#define DECLARE(k)                                                                                 \
    extern const struct netstack_ops netstack_cpu##k##_instance_ops __attribute__((weak));         \
    extern const struct netstack_if_ops netstack_cpu##k##_instance_if_ops __attribute__((weak));
COPIES(DECLARE)

/* Addresses of the copies' tables (NULL where no copy was linked).  Constant. */
#define OPS(k)    &netstack_cpu##k##_instance_ops,
#define IF_OPS(k) &netstack_cpu##k##_instance_if_ops,
static const struct netstack_ops *const ops_tables[NETSTACK_MAX_COPIES] = {COPIES(OPS)};
static const struct netstack_if_ops *const if_tables[NETSTACK_MAX_COPIES] = {COPIES(IF_OPS)};

const struct netstack_ops *netstack_ops(unsigned cpu)
{
    return cpu < NETSTACK_MAX_CPUS ? ops_tables[cpu] : NULL;
}

const struct netstack_if_ops *netstack_if(unsigned cpu)
{
    return cpu < NETSTACK_MAX_CPUS ? if_tables[cpu] : NULL;
}

/* lwIP's clock (sys.h): milliseconds, wrapping after 49 days, which lwIP handles.  Part of the
 * NO_SYS port contract and shared by every copy (not renamed).  The lwIP core we compile does
 * not call it today (netstack/timers.c schedules on core_time_ns() directly); lwIP's apps and
 * altcp_tls do. */
u32_t sys_now(void)
{
    return (u32_t)(core_time_ns() / 1000000);
}

int netstack_errno(err_t err)
{
    switch (err) {
    case ERR_OK:
        return 0;
    case ERR_MEM:
    case ERR_BUF:
        return -ENOMEM;
    case ERR_TIMEOUT:
        return -ETIMEDOUT;
    case ERR_RTE:
        return -EIO;
    case ERR_INPROGRESS:
    case ERR_WOULDBLOCK:
        return -EAGAIN;
    case ERR_VAL:
    case ERR_ARG:
        return -EINVAL;
    case ERR_USE:
    case ERR_ALREADY:
    case ERR_ISCONN:
        return -EADDRINUSE;
    case ERR_CONN:
    case ERR_CLSD:
    case ERR_RST:
    case ERR_ABRT:
        return -ECONNRESET;
    case ERR_IF:
    default:
        return -EIO;
    }
}
