/*
 * Replays the FAT fuzzer's seed corpus (content/fuzz/corpus/) and every input that once broke
 * the reader (content/fuzz/regressions/) through the fuzz target, under ASan and UBSan.
 * Run from the repository root (as make unit-test does).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content/tests/fat_test_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds every file of dir to the target; returns how many. */
static unsigned replay(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    unsigned n = 0;

    if (d == NULL)
        fail_msg("cannot open %s (run from the repository root)", dir);
    while ((de = readdir(d)) != NULL) {
        char path[1024];
        uint8_t *data;
        size_t len;

        if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        data = file_slurp(path, &len);
        if (data == NULL)
            fail_msg("cannot read %s", path);
        print_message("replaying %s (%zu bytes)\n", path, len);
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void test_corpus(void **state)
{
    assert_true(replay("content/fuzz/corpus") >= 3);
}

static void test_regressions(void **state)
{
    replay("content/fuzz/regressions");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
