/*
 * xorshift64 (Marsaglia; shifts 13, 7, 17): the deterministic pseudo-random sequence of the
 * host tests, so that a failure reproduces.  Never for anything that must be unpredictable.
 */
#ifndef TESTS_HOST_XORSHIFT_H
#define TESTS_HOST_XORSHIFT_H

#include <stdint.h>

/* The next value of the sequence *state (nonzero) is in; advances *state. */
static inline uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

#endif
