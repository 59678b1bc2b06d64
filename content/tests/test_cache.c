/*
 * The content cache on FAT16 images built with mkfs.fat + mcopy at test time, served through a
 * block device that reads the image file: every file byte-identical to its source with its
 * mtime, folders, ".gz" siblings, the dense file index and iteration, content hashes (the XXH64
 * of the bytes, stable across loads, XXH64 reference values), missing paths, 300 files in one
 * folder and paths that collide in a weak hash (also with every path hashing alike), the same
 * tree through QEMU's vfat driver (same hashes), an empty volume, a site too large for memory
 * (refused with its size, also when its users' per-file memory tips it over), a device that
 * fails, a disk without FAT.  Nothing of httpd is linked: what HTTP makes of these facts is
 * tested in httpd/tests/test_files.c.
 *
 * Memory comes from core/pmm.c over an aligned host allocation, so the memory check sees real
 * free-page counts; "little memory" is a small range.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content/cache.h"
#include "content/tests/fat_test_util.h"
#include "core/log.h"
#include "core/pmm.h"
#include "core/random.h"
#include "tests/host/log_host.h"
#include "tests/host/xorshift.h"

#define BIG_SIZE   (1024 * 1024 + 7)
#define MANY_FILES 300
#define COLL_BITS  8 /* 2^8 names that collide in a 31-polynomial (Java String) hash */
#define MTIME_BASE 1600000000
#define MAX_FILES  (32 + MANY_FILES + (1 << COLL_BITS))
#define MEM_BYTES  (64ul << 20)

struct src_file {
    char rel[256]; /* below the tree's root */
    size_t size;
    int64_t mtime;
};

static struct src_file files[MAX_FILES];
static size_t nfiles;
static uint64_t site_bytes;
static char *tmp;
static char src[512];   /* the source tree */
static char image[600]; /* its FAT16 image */
static uint8_t *mem;    /* host memory handed to the page allocator */

/* The cache's table key: different at every load, as on a real boot. */
uint64_t core_random_u64(void)
{
    static uint64_t x = 0x9e3779b97f4a7c15ull;
    return xorshift64(&x);
}

static void add(const char *rel, size_t size)
{
    assert_true(nfiles < MAX_FILES);
    snprintf(files[nfiles].rel, sizeof(files[nfiles].rel), "%s", rel);
    files[nfiles].size = size;
    files[nfiles].mtime = MTIME_BASE + 2 * (int64_t)nfiles;
    tree_file(src, rel, size, (unsigned)nfiles + 1, files[nfiles].mtime);
    site_bytes += size;
    nfiles++;
}

/* gzip -9 of an existing source file, as "rel.gz", recorded like the others. */
static void add_gzip_of(const char *rel)
{
    char gz[250], host[1024];
    size_t len;
    uint8_t *b;

    assert_int_equal(run("cd '%s' && gzip -9 -n -k -f '%s' && touch -d @%lld '%s.gz'", src, rel,
                         (long long)(MTIME_BASE + 2 * (int64_t)nfiles), rel),
                     0);
    snprintf(gz, sizeof(gz), "%.200s.gz", rel);
    snprintf(host, sizeof(host), "%s/%s", src, gz);
    b = file_slurp(host, &len);
    assert_non_null(b);
    free(b);
    snprintf(files[nfiles].rel, sizeof(files[nfiles].rel), "%s", gz);
    files[nfiles].size = len;
    files[nfiles].mtime = MTIME_BASE + 2 * (int64_t)nfiles;
    site_bytes += len;
    nfiles++;
}

static int setup_group(void **state)
{
    char rel[256];

    tmp = tmp_folder();
    snprintf(src, sizeof(src), "%s/src", tmp);
    tree_folder(src, "");
    add("index.html", 1234);
    add("a b/c.d.e.txt", 555);
    add("a b/with space.html", 321);
    add("css/site.css", 4096);
    add_gzip_of("css/site.css");
    add("js/app.js", 3000);
    add_gzip_of("js/app.js");
    add("lonely.txt.gz", 77); /* no original: served as itself */
    add("empty.txt", 0);
    add("big.bin", BIG_SIZE);
    add("docs/index.html", 900);
    add("docs/faq.html", 700);
    add("d1/d2/d3/d4/deep.txt", 10);
    add("img/logo.svg", 810);
    for (int i = 0; i < MANY_FILES; i++) {
        snprintf(rel, sizeof(rel), "many/f%03d.txt", i);
        add(rel, (size_t)(i * 37) % 5000 + 1);
    }
    /* "Aa" and "BB" hash alike under h = 31 * h + c, so every string of COLL_BITS such blocks
     * does too. */
    for (unsigned v = 0; v < (1u << COLL_BITS); v++) {
        size_t n = (size_t)snprintf(rel, sizeof(rel), "coll/");
        for (unsigned b = 0; b < COLL_BITS; b++)
            n += (size_t)snprintf(rel + n, sizeof(rel) - n, "%s", (v >> b) & 1 ? "BB" : "Aa");
        snprintf(rel + n, sizeof(rel) - n, ".txt");
        add(rel, 20 + v % 7);
    }
    snprintf(image, sizeof(image), "%s/site.img", tmp);
    if (image_build(image, 16 * 1024, "-F 16 -s 4", src) != 0)
        return -1;
    mem = aligned_alloc(64 << 10, MEM_BYTES);
    return mem ? 0 : -1;
}

static int teardown_group(void **state)
{
    tmp_remove(tmp);
    free(tmp);
    free(mem);
    return 0;
}

/* Every test starts with an empty cache and MEM_BYTES of "physical" memory. */
static int setup(void **state)
{
    content_cache_reset();
    content_cache_test_weak_hash = false;
    core_pmm_reset();
    assert_int_equal(core_pmm_add_range((uintptr_t)mem, MEM_BYTES), 0);
    return 0;
}

static int teardown(void **state)
{
    content_cache_reset();
    return 0;
}

/* Loads the image (from its file) into the cache, with user_mem counted in the memory check;
 * returns content_cache_load's result. */
static int load_image_for(const char *img, content_cache_user_mem_fn user_mem,
                          struct content_cache_stats *st, long fail_at)
{
    struct memdev m;
    struct content_fat_dev dev;
    int rc;

    image_open(&m, img);
    m.fail_at = fail_at;
    dev = memdev_dev(&m);
    rc = content_cache_load(&dev, user_mem, CONTENT_MEM_HEADROOM, st);
    memdev_free(&m);
    return rc;
}

static int load_image(const char *img, struct content_cache_stats *st, long fail_at)
{
    return load_image_for(img, NULL, st, fail_at);
}

static const struct content_file *lookup(const char *path)
{
    return content_cache_lookup(path, strlen(path));
}

static bool is_dir(const char *path)
{
    return content_cache_is_dir(path, strlen(path));
}

static void check_every_file(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        char path[300], host[1024];
        const struct content_file *f;
        uint8_t *want;
        size_t len;

        snprintf(path, sizeof(path), "/%s", files[i].rel);
        f = lookup(path);
        if (f == NULL)
            fail_msg("%s not in the cache", path);
        assert_string_equal(f->path, path);
        assert_int_equal(f->path_len, strlen(path));
        snprintf(host, sizeof(host), "%s/%s", src, files[i].rel);
        want = file_slurp(host, &len);
        assert_non_null(want);
        assert_int_equal(f->size, len);
        assert_int_equal(len, files[i].size);
        if (len > 0)
            assert_memory_equal(f->data, want, len);
        assert_int_equal(f->mtime, files[i].mtime);
        assert_true(f->hash == content_cache_test_xxh64(want, len));
        /* The dense index: the file is where iteration finds it. */
        assert_true(f->index < content_cache_count());
        assert_ptr_equal(content_cache_file(f->index), f);
        /* Not NUL-terminated: the length alone bounds the key. */
        assert_ptr_equal(content_cache_lookup(path, strlen(path)), f);
        free(want);
    }
}

static void test_every_file_byte_identical(void **state)
{
    struct content_cache_stats st;
    unsigned errors = log_host_count[LOG_ERROR], warns = log_host_count[LOG_WARN];

    assert_int_equal(load_image(image, &st, -1), 0);
    assert_int_equal(st.files, nfiles);
    assert_int_equal(st.bytes, site_bytes);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.gz_pairs, 2);
    assert_true(st.mem >= site_bytes);
    check_every_file();
    assert_int_equal(log_host_count[LOG_ERROR], errors);
    assert_int_equal(log_host_count[LOG_WARN], warns);

    /* The bytes of a file never share space with another's. */
    const struct content_file *a = lookup("/many/f000.txt"), *b = lookup("/many/f001.txt");
    const uint8_t *pa = a->data, *pb = b->data;
    assert_true(pa + a->size <= pb || pb + b->size <= pa);
}

/* Iteration visits every file once, in index order, and nothing past the last. */
static void test_iteration(void **state)
{
    char *seen = calloc(nfiles, 1);

    assert_int_equal(content_cache_count(), 0);
    assert_null(content_cache_file(0));
    assert_int_equal(load_image(image, NULL, -1), 0);
    assert_int_equal(content_cache_count(), nfiles);
    for (size_t i = 0; i < content_cache_count(); i++) {
        const struct content_file *f = content_cache_file(i);
        size_t k;
        assert_non_null(f);
        assert_int_equal(f->index, i);
        assert_ptr_equal(lookup(f->path), f);
        for (k = 0; k < nfiles; k++)
            if (strcmp(f->path + 1, files[k].rel) == 0)
                break;
        if (k == nfiles || seen[k])
            fail_msg("%s: not a source file, or visited twice", f->path);
        seen[k] = 1;
    }
    assert_null(content_cache_file(nfiles));
    assert_null(content_cache_file((size_t)-1));
    free(seen);
    content_cache_reset();
    assert_int_equal(content_cache_count(), 0);
    assert_null(content_cache_file(0));
}

static void test_folders(void **state)
{
    static const char *const yes[] = {
        "/",      "/css",      "/css/",        "/a b",          "/a b/", "/docs", "/d1",
        "/d1/d2", "/d1/d2/d3", "/d1/d2/d3/d4", "/d1/d2/d3/d4/", "/many", "/coll"};
    static const char *const no[] = {
        "",      "css",     "/cs", "/css/site.css", "/index.html", "/nope", "/d1/d2/d3/d4/deep.txt",
        "/d1/d", "/docs//", "/d2", "/CSS"};

    assert_int_equal(load_image(image, NULL, -1), 0);
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!is_dir(yes[i]))
            fail_msg("%s is a folder", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (is_dir(no[i]))
            fail_msg("%s is not a folder", no[i]);
    /* A prefix of a longer buffer. */
    assert_true(content_cache_is_dir("/css/site.css", 4));
    assert_false(content_cache_is_dir("/css/site.css", 3));
    /* A folder is not a file. */
    assert_null(lookup("/css"));
    assert_null(lookup("/docs/"));
}

static void test_gzip_pairs(void **state)
{
    const struct content_file *css, *css_gz, *js, *lonely;
    char host[1024];
    uint8_t *want;
    size_t len;

    assert_int_equal(load_image(image, NULL, -1), 0);
    css = lookup("/css/site.css");
    css_gz = lookup("/css/site.css.gz");
    assert_non_null(css);
    assert_non_null(css_gz);

    /* The sibling is the ".gz" file itself, with its own bytes and hash. */
    assert_ptr_equal(css->gz, css_gz);
    assert_true(css->hash != css_gz->hash);
    snprintf(host, sizeof(host), "%s/css/site.css.gz", src);
    want = file_slurp(host, &len);
    assert_int_equal(css->gz->size, len);
    assert_memory_equal(css->gz->data, want, len);
    assert_int_equal(want[0], 0x1f); /* really gzip */
    free(want);

    /* "x.gz" itself has no sibling of its own. */
    assert_null(css_gz->gz);

    js = lookup("/js/app.js");
    assert_ptr_equal(js->gz, lookup("/js/app.js.gz"));

    /* A .gz without its original: only itself. */
    lonely = lookup("/lonely.txt.gz");
    assert_non_null(lonely);
    assert_null(lonely->gz);
    assert_null(lookup("/lonely.txt"));

    /* Files without a sibling have none. */
    assert_null(lookup("/index.html")->gz);
    assert_null(lookup("/big.bin")->gz);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Every file of the test tree has bytes of its own: every hash differs; a new load (new table
 * key, new index order) gives every path the same hash. */
static void test_hashes_distinct_and_stable(void **state)
{
    uint64_t *hashes = calloc(nfiles, sizeof(*hashes));
    uint64_t *again = calloc(nfiles, sizeof(*again));

    assert_int_equal(load_image(image, NULL, -1), 0);
    for (size_t i = 0; i < nfiles; i++) {
        char path[300];
        snprintf(path, sizeof(path), "/%s", files[i].rel);
        again[i] = hashes[i] = lookup(path)->hash;
    }
    qsort(hashes, nfiles, sizeof(*hashes), cmp_u64);
    for (size_t i = 1; i < nfiles; i++)
        if (hashes[i - 1] == hashes[i])
            fail_msg("two files share hash %016llx", (unsigned long long)hashes[i]);

    content_cache_reset();
    assert_int_equal(load_image(image, NULL, -1), 0);
    for (size_t i = 0; i < nfiles; i++) {
        char path[300];
        snprintf(path, sizeof(path), "/%s", files[i].rel);
        assert_true(lookup(path)->hash == again[i]);
    }
    free(hashes);
    free(again);
}

/* XXH64 reference values (xxHash's own: the empty input and "abc", seed 0), and inputs of
 * every length around the 32-byte stripe and the 8/4/1-byte tails. */
static void test_hash_is_xxh64(void **state)
{
    uint8_t buf[100];

    assert_true(content_cache_test_xxh64("", 0) == 0xef46db3751d8e999ull);
    assert_true(content_cache_test_xxh64("abc", 3) == 0x44bc2cf5ad770999ull);
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    for (size_t len = 1; len < sizeof(buf); len++) {
        uint64_t h = content_cache_test_xxh64(buf, len);
        assert_true(h != content_cache_test_xxh64(buf, len - 1));
        buf[len - 1] ^= 1; /* any byte changes the hash */
        assert_true(h != content_cache_test_xxh64(buf, len));
        buf[len - 1] ^= 1;
    }
}

static void test_missing_paths(void **state)
{
    static const char *const missing[] = {"",
                                          "/",
                                          "/index.htm",
                                          "/index.html/",
                                          "/INDEX.HTML",
                                          "/Index.html",
                                          "index.html",
                                          "//index.html",
                                          "/css",
                                          "/css/",
                                          "/nope",
                                          "/many/f300.txt",
                                          "/lonely.txt",
                                          "/a b/c.d.e",
                                          "/coll/AaAaAaAaAaAaAaAa.tx"};

    assert_int_equal(load_image(image, NULL, -1), 0);
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
        if (lookup(missing[i]) != NULL)
            fail_msg("%s found", missing[i]);
    /* A prefix of an existing path, by length. */
    assert_null(content_cache_lookup("/index.html", 10));
    assert_non_null(content_cache_lookup("/index.htmlXYZ", 11));
    assert_null(content_cache_lookup(NULL, 0));
}

/* Every path in one chain of the table: lookups still find exactly the right file. */
static void test_weak_hash(void **state)
{
    content_cache_test_weak_hash = true;
    assert_int_equal(load_image(image, NULL, -1), 0);
    check_every_file();
    assert_true(is_dir("/many"));
    assert_true(is_dir("/d1/d2"));
    assert_false(is_dir("/d1/d2/d3/d4/deep.txt"));
    assert_null(lookup("/many/f300.txt"));
    assert_null(lookup("/coll"));
    assert_non_null(lookup("/css/site.css")->gz);
}

static void test_many_in_one_folder(void **state)
{
    char path[64];

    assert_int_equal(load_image(image, NULL, -1), 0);
    for (int i = 0; i < MANY_FILES; i++) {
        snprintf(path, sizeof(path), "/many/f%03d.txt", i);
        const struct content_file *f = lookup(path);
        assert_non_null(f);
        assert_int_equal(f->size, (size_t)(i * 37) % 5000 + 1);
    }
}

static void test_empty_volume(void **state)
{
    char img[600];
    struct content_cache_stats st;

    snprintf(img, sizeof(img), "%s/empty.img", tmp);
    assert_int_equal(image_build(img, 16 * 1024, "-F 16 -s 4", NULL), 0);
    assert_int_equal(load_image(img, &st, -1), 0);
    assert_int_equal(st.files, 0);
    assert_int_equal(st.bytes, 0);
    assert_null(lookup("/index.html"));
    assert_null(lookup("/"));
    assert_true(is_dir("/"));
    assert_false(is_dir("/css"));
    /* Loaded (empty) is loaded: frozen. */
    assert_int_equal(load_image(image, NULL, -1), -EBUSY);
}

/* A site larger than free memory minus the headroom is refused before anything is read, with
 * its size in the message; the cache stays empty; with enough memory it loads. */
static void test_too_large(void **state)
{
    char bytes[64];
    size_t total, free_before, free_after;

    core_pmm_reset();
    assert_int_equal(core_pmm_add_range((uintptr_t)mem, CONTENT_MEM_HEADROOM + (512u << 10)), 0);
    core_pmm_stats(&total, &free_before);
    assert_int_equal(load_image(image, NULL, -1), -EFBIG);
    if (strstr(log_host_last, "does not fit") == NULL)
        fail_msg("message: %s", log_host_last);
    snprintf(bytes, sizeof(bytes), "%zu files, %llu bytes", nfiles, (unsigned long long)site_bytes);
    if (strstr(log_host_last, bytes) == NULL || strstr(log_host_last, "MEM=") == NULL)
        fail_msg("message lacks \"%s\" or MEM=: %s", bytes, log_host_last);
    core_pmm_stats(&total, &free_after);
    assert_int_equal(free_after, free_before); /* nothing kept */
    assert_null(lookup("/index.html"));
    assert_false(is_dir("/css"));

    /* With enough memory the same disk loads. */
    core_pmm_reset();
    assert_int_equal(core_pmm_add_range((uintptr_t)mem, MEM_BYTES), 0);
    assert_int_equal(load_image(image, NULL, -1), 0);
    assert_non_null(lookup("/big.bin"));
}

/* What the users' per-file memory callback was asked, and what it answers. */
static size_t user_files, user_gz, user_answer;

static size_t user_mem(size_t files, size_t gz_pairs)
{
    user_files = files;
    user_gz = gz_pairs;
    return user_answer;
}

/* The users' per-file memory counts in the check: it is asked with the file count and a bound
 * of the ".gz" pairs (the names ending in ".gz"), and a site that fits alone is refused when
 * that memory would not fit beside it, with the same message and nothing kept. */
static void test_user_memory_counted(void **state)
{
    size_t total, free_before, free_after;

    user_answer = 0;
    assert_int_equal(load_image_for(image, user_mem, NULL, -1), 0);
    assert_int_equal(user_files, nfiles);
    assert_int_equal(user_gz, 3); /* site.css.gz, app.js.gz, lonely.txt.gz */
    content_cache_reset();

    core_pmm_stats(&total, &free_before);
    user_answer = MEM_BYTES; /* more than there is */
    assert_int_equal(load_image_for(image, user_mem, NULL, -1), -EFBIG);
    if (strstr(log_host_last, "does not fit") == NULL || strstr(log_host_last, "MEM=") == NULL)
        fail_msg("message: %s", log_host_last);
    core_pmm_stats(&total, &free_after);
    assert_int_equal(free_after, free_before);
    assert_int_equal(content_cache_count(), 0);
}

/* The device fails in the middle of the file reads: the load fails, nothing is kept. */
static void test_device_failure(void **state)
{
    struct memdev m;
    struct content_fat_dev dev;
    size_t total, free_before, free_after;
    unsigned calls;

    /* Count the reads of a good load, then fail the last one (a file's bytes). */
    image_open(&m, image);
    dev = memdev_dev(&m);
    assert_int_equal(content_cache_load(&dev, NULL, CONTENT_MEM_HEADROOM, NULL), 0);
    calls = m.calls;
    memdev_free(&m);
    content_cache_reset();

    core_pmm_stats(&total, &free_before);
    assert_int_equal(load_image(image, NULL, (long)calls - 1), -EIO);
    core_pmm_stats(&total, &free_after);
    assert_int_equal(free_after, free_before);
    assert_null(lookup("/index.html"));
    /* And the cache can still be loaded afterwards. */
    assert_int_equal(load_image(image, NULL, -1), 0);
}

static void test_not_fat(void **state)
{
    char img[600];

    snprintf(img, sizeof(img), "%s/zeros.img", tmp);
    assert_int_equal(run("head -c 1048576 /dev/zero > '%s'", img), 0);
    assert_true(load_image(img, NULL, -1) < 0);
    assert_non_null(strstr(log_host_last, "content: no FAT volume"));
    assert_null(lookup("/index.html"));
    assert_int_equal(load_image(image, NULL, -1), 0);
}

/*
 * The same tree through QEMU's vfat driver (qemu-img reads it with the vvfat code that
 * DISK=vfat uses: MBR, partition at LBA 63, 8 KiB clusters, long names): every file loads with
 * its bytes and mtime, every content hash and ".gz" sibling equals the one from the mkfs.fat
 * image (hashes depend on the bytes only), so whatever a user derives from them (httpd's ETags)
 * is the same for both disks.
 */
static void test_qemu_vfat_same_hashes(void **state)
{
    char img[600], path[300];

    /* qemu-img comes with qemu-utils (scripts/deps, group test): a missing tool is a failure,
     * never a skip. */
    assert_int_equal(run("command -v qemu-img >/dev/null"), 0);
    uint64_t *hashes = calloc(nfiles, sizeof(*hashes));
    bool *has_gz = calloc(nfiles, sizeof(*has_gz));
    assert_non_null(hashes);
    assert_non_null(has_gz);
    assert_int_equal(load_image(image, NULL, -1), 0);
    for (size_t i = 0; i < nfiles; i++) {
        snprintf(path, sizeof(path), "/%s", files[i].rel);
        hashes[i] = lookup(path)->hash;
        has_gz[i] = lookup(path)->gz != NULL;
    }
    content_cache_reset();

    snprintf(img, sizeof(img), "%s/vvfat.img", tmp);
    assert_int_equal(run("qemu-img convert -O raw 'fat:%s' '%s'", src, img), 0);
    assert_int_equal(load_image(img, NULL, -1), 0);
    check_every_file();
    for (size_t i = 0; i < nfiles; i++) {
        snprintf(path, sizeof(path), "/%s", files[i].rel);
        assert_true(lookup(path)->hash == hashes[i]);
        assert_int_equal(lookup(path)->gz != NULL, has_gz[i]);
    }
    free(hashes);
    free(has_gz);
    run("rm -f '%s'", img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_file_byte_identical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iteration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashes_distinct_and_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_is_xxh64, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weak_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_in_one_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_volume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_memory_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_fat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_vfat_same_hashes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
