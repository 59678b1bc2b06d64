/*
 * Hardware randomness for the stack canary and (later) mbedTLS's entropy source.
 * RDSEED when present, else RDRAND (QEMU TCG -cpu max has RDRAND only), else TSC jitter
 * (weak: core_random_report() says so with a warning, so nobody mistakes it for real entropy).
 */
#ifndef CORE_RANDOM_H
#define CORE_RANDOM_H

#include <stdbool.h>
#include <stdint.h>

/* 64 random bits.  Any core, any context. */
uint64_t core_random_u64(void);

/* Log which source core_random_u64() uses; a warning when it is only TSC jitter.  Boot, core 0,
 * once the console is up. */
void core_random_report(void);

/* Seed the stack-protector canary (__stack_chk_guard).  Boot, core 0, before any function
 * that has a canary returns: core_main() calls it first. */
void core_stackprot_init(void);

#endif
