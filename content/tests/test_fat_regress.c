/*
 * Replays the FAT fuzzer's seed corpus (content/fuzz/corpus/) and every input that once broke
 * the reader (content/fuzz/regressions/) through the fuzz target, under ASan and UBSan.
 * Run from the repository root (as make unit-test does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/host/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void test_corpus(void **state)
{
    assert_true(host_replay_dir("content/fuzz/corpus", LLVMFuzzerTestOneInput) >= 3);
}

static void test_regressions(void **state)
{
    host_replay_dir("content/fuzz/regressions", LLVMFuzzerTestOneInput);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
