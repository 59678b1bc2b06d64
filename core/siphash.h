/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash, a pseudo-random function of
 * its input for anyone who does not know the key.  Used wherever an outsider chooses what is
 * hashed: the content cache's table (a client picks the paths), TCP initial sequence numbers
 * and SYN cookies (a client picks the addresses and ports).  Any context; never blocks.
 */
#ifndef CORE_SIPHASH_H
#define CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of data[0..len) under the 128-bit key (key[0] the low 64 bits). */
uint64_t core_siphash(const uint64_t key[2], const void *data, size_t len);

#endif
