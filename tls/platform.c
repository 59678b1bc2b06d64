/*
 * The C library functions mbedTLS needs beyond libc/ (declared in libc's <time.h>): time(),
 * for session ticket lifetimes and the rotation of ticket keys.  Main loop of any core.
 */
#include <stddef.h>
#include <time.h>

#include "core/time.h"

time_t time(time_t *t)
{
    time_t now = (time_t)core_time_wall();
    if (t)
        *t = now;
    return now;
}
