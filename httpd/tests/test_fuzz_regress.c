/*
 * Replays the request fuzzer's seed corpus (httpd/fuzz/corpus/) and every input that once broke
 * something (httpd/fuzz/regressions/) through the fuzz target, under ASan and UBSan.  The target
 * aborts on any broken promise.  Run from the repository root (as make unit-test does).
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)n + 1);
        if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return data;
}

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
        data = slurp(path, &len);
        if (data == NULL)
            fail_msg("cannot read %s", path);
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void test_corpus(void **state)
{
    assert_true(replay("httpd/fuzz/corpus") >= 10);
}

static void test_regressions(void **state)
{
    replay("httpd/fuzz/regressions");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_regressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
