/*
 * <limits.h>: gcc's own <limits.h> (first on the include path) defines the C limits and then
 * includes this file with #include_next, which must exist.  Here are the POSIX additions.
 */
#ifndef _TORIL_LIMITS_H
#define _TORIL_LIMITS_H

/* Largest ssize_t (<sys/types.h>); lwIP takes its presence to mean <unistd.h> has ssize_t. */
#define SSIZE_MAX __LONG_MAX__

#endif
