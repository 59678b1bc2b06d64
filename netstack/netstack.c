/* lwIP's clock and error conversion: shared by every core (ordinary kernel code and data). */
#include <errno.h>
#include <stdint.h>

#include "core/time.h"
#include "lwip/err.h"
#include "netstack/netstack.h"

/* lwIP's clock (sys.h): milliseconds, wrapping after 49 days, which lwIP handles.  Part of the
 * NO_SYS port contract.  The lwIP core we compile does
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
