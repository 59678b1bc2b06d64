/*
 * Replaying a fuzzer's corpus from a host unit test: every kept input goes through the fuzz
 * target once, so seeds and fixed crashes stay covered by make unit-test (under ASan and UBSan).
 */
#ifndef TESTS_HOST_REPLAY_H
#define TESTS_HOST_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Feeds every file of dir, except dot files and README, to one (a libFuzzer
 * LLVMFuzzerTestOneInput) and returns how many it fed.  one's return value is ignored, as
 * libFuzzer does; a broken promise must abort.  dir is relative to the working directory (the
 * repository root under make unit-test).  The input buffer is only valid during the call.
 * Called from a cmocka test body: fails the test if dir or one of its files cannot be read.
 */
unsigned host_replay_dir(const char *dir, int (*one)(const uint8_t *data, size_t size));

#endif
