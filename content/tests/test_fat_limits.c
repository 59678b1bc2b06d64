/*
 * The walk's named limits, built with small values (see content/module.mk):
 * CONTENT_MAX_FILES=10, CONTENT_MAX_DEPTH=4, CONTENT_MAX_PATH=64.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content/fat.h"
#include "content/limits.h"
#include "content/tests/fat_test_util.h"
#include "core/log.h"
#include "tests/host/log_host.h"

#if CONTENT_MAX_FILES != 10 || CONTENT_MAX_DEPTH != 4 || CONTENT_MAX_PATH != 64
#error "test_fat_limits expects the small limits set in content/module.mk"
#endif

static char *tmp;

/* Builds a FAT16 image of the tree made by fill(src) and walks it into l. */
static int walk_tree(void (*fill)(const char *src), struct found_list *l)
{
    char src[600], img[600];
    struct memdev m;
    struct content_fat_dev dev;
    struct content_fat *fs;
    int rc;

    snprintf(src, sizeof(src), "%s/src", tmp);
    snprintf(img, sizeof(img), "%s/limits.img", tmp);
    run("rm -rf '%s'", src);
    tree_folder(src, "");
    fill(src);
    assert_int_equal(image_build(img, 2100, "-F 16 -s 1 -r 64", src), 0);
    image_load(&m, img, 0, 0);
    dev = memdev_dev(&m);
    assert_int_equal(content_fat_mount(&dev, &fs), 0);
    memset(log_host_count, 0, sizeof(log_host_count));
    rc = content_fat_walk(fs, found_collect, l);
    content_fat_unmount(fs);
    memdev_free(&m);
    return rc;
}

static void twelve_files(const char *src)
{
    char rel[32];
    for (int i = 0; i < 12; i++) {
        snprintf(rel, sizeof(rel), "F%02d.TXT", i);
        tree_file(src, rel, 10, (unsigned)i, 1600000000);
    }
}

static void test_max_files(void **state)
{
    struct found_list l = {0};

    assert_int_equal(walk_tree(twelve_files, &l), -ENOSPC);
    assert_int_equal(l.n, CONTENT_MAX_FILES);
    assert_non_null(strstr(log_host_last, "fat: more than 10 files: /F10.TXT and the rest are "
                                          "not served"));
    found_free(&l);
}

static void deep_tree(const char *src)
{
    tree_file(src, "a/b/c/d/ok.txt", 10, 1, 1600000000);
    tree_file(src, "a/b/c/d/e/too-deep.txt", 10, 2, 1600000000);
}

static void test_max_depth(void **state)
{
    struct found_list l = {0};

    assert_int_equal(walk_tree(deep_tree, &l), 0);
    assert_int_equal(l.n, 1);
    assert_non_null(found_get(&l, "/a/b/c/d/ok.txt"));
    assert_int_equal(log_host_count[LOG_ERROR], 1);
    assert_string_equal(log_host_last, "fat: /a/b/c/d/e: folder deeper than 4 levels, skipped");
    found_free(&l);
}

/* Paths of exactly 63 bytes (the most that fits with the NUL) and of 64. */
#define NAME_62 "n23456789012345678901234567890123456789012345678901234567890.x"
#define NAME_63 "m234567890123456789012345678901234567890123456789012345678901.x"

static void long_paths(const char *src)
{
    tree_file(src, NAME_62, 1, 1, 1600000000);
    tree_file(src, NAME_63, 1, 2, 1600000000);
}

static void test_max_path(void **state)
{
    struct found_list l = {0};

    assert_int_equal(walk_tree(long_paths, &l), 0);
    assert_int_equal(l.n, 1);
    assert_non_null(found_get(&l, "/" NAME_62));
    assert_int_equal(strlen("/" NAME_62), CONTENT_MAX_PATH - 1);
    assert_int_equal(log_host_count[LOG_ERROR], 1);
    assert_non_null(strstr(log_host_last, "fat: /: entry "));
    assert_non_null(strstr(log_host_last, " makes a path longer than 63 bytes, skipped"));
    found_free(&l);
}

/* A folder whose own path fits, but not its trailing '/' and a file name. */
static void long_folder(const char *src)
{
    tree_file(src, "d2345678901234567890123456789012345678901234567890123456789012/x", 1, 1,
              1600000000);
    tree_file(src, "short/x", 1, 2, 1600000000);
}

static void test_max_path_folder(void **state)
{
    struct found_list l = {0};

    assert_int_equal(walk_tree(long_folder, &l), 0);
    assert_int_equal(l.n, 1);
    assert_non_null(found_get(&l, "/short/x"));
    assert_non_null(strstr(log_host_last, "folder path too long for its files, skipped"));
    found_free(&l);
}

static int setup(void **state)
{
    tmp = tmp_folder();
    return 0;
}

static int teardown(void **state)
{
    tmp_remove(tmp);
    free(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_files),
        cmocka_unit_test(test_max_depth),
        cmocka_unit_test(test_max_path),
        cmocka_unit_test(test_max_path_folder),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
