/*
 * <sys/types.h>: the POSIX types that C-library code expects.  ssize_t is what lwIP needs
 * (lwip/arch.h includes <unistd.h> once <limits.h> defines SSIZE_MAX).
 */
#ifndef _TORIL_SYS_TYPES_H
#define _TORIL_SYS_TYPES_H

#include <stddef.h>

typedef long ssize_t; /* a size or a negative error; range -1 .. SSIZE_MAX as POSIX requires */

#endif
