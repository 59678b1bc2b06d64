/*
 * The content cache (see cache.h): load the site at boot, then answer lookups from a frozen
 * open-addressing table.
 *
 * Loading, in order:
 *   1. walk the volume, keeping each file's path (one growing buffer) and FAT handle;
 *   2. size everything: file bytes, folders (bounded from the walk order), ".gz" candidates,
 *      the table; check the total against free memory before anything big is allocated;
 *   3. read every file, in walk order, into one run of pages: file i starts where file i-1
 *      ended (rounded up to ALIGN), and is read with the whole rest of the run as its buffer,
 *      so the reader puts even its last partial sector straight into place (the bytes past the
 *      end land on file i+1's space, which is read next); 512 bytes of slack after the last;
 *   4. enter files (with the hash of their bytes, taken as they were read), then folders (every
 *      prefix of every path, pointing into the paths), into the table; point "x" at "x.gz".
 * Nothing of the loaded cache is ever freed or moved: lwIP sends the bytes by reference.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/cache.h"
#include "core/siphash.h"
#include "content/fat.h"
#include "content/limits.h"
#include "core/log.h"
#include "core/pmm.h"
#include "core/random.h"

#define ALIGN     16u                     /* file bytes start on this boundary in the run */
#define SLACK     CONTENT_FAT_SECTOR_SIZE /* after the last file: its last sector's tail */
#define PAGE      CORE_PMM_PAGE_SIZE
#define MIB       (1024ull * 1024)
#define GZ_SUFFIX ".gz"
#define GZ_LEN    3

/* One file found by the walk, until the load is done (temporary). */
struct record {
    size_t path_off;                  /* its path in the path buffer */
    uint32_t path_len;                /* bytes, without the NUL */
    uint32_t size;                    /* bytes */
    int64_t mtime;                    /* Unix seconds */
    struct content_fat_handle handle; /* where its bytes are */
    const uint8_t *data;              /* its bytes in the run, once read */
    uint64_t hash;                    /* XXH64 of its bytes, once read */
    int32_t file;                     /* its index in cache.files, -1 if skipped */
};

/* What the walk collects (temporary, except the path buffer, which the cache keeps). */
struct walk {
    struct record *v;
    size_t n, cap;
    char *paths;       /* every path, NUL-terminated, one after the other */
    size_t paths_len;  /* bytes used */
    size_t paths_cap;  /* bytes allocated */
    uint64_t run;      /* bytes the run needs for the file bytes (ALIGN-rounded, + SLACK) */
    size_t dirs_bound; /* at least the number of distinct folders */
    size_t gz_bound;   /* files whose name ends in ".gz" */
};

/* A folder: a prefix of some file's path, without the trailing '/'; points into that path. */
struct dir {
    const char *path;
    size_t len;
};

/*
 * A table slot.  ref 0: empty; 1 .. nfiles: cache.files[ref - 1]; above: cache.dirs[ref - 1 -
 * nfiles].  tag: the hash's upper 32 bits, so most mismatches skip the string compare.
 */
struct slot {
    uint32_t tag;
    uint32_t ref;
};

/*
 * The cache.  Written by core 0 during content_cache_load(), before the other cores start;
 * read-only afterwards, by every core, without synchronization.
 */
static struct {
    bool loaded;                /* a load succeeded: frozen */
    uint64_t key[2];            /* SipHash key, random per boot */
    struct content_file *files; /* the files, in walk order; files[i].index == i */
    size_t nfiles;              /* entries of files used */
    size_t ngz;                 /* files that have a ".gz" sibling */
    struct dir *dirs;           /* the folders */
    size_t ndirs;               /* entries of dirs used */
    struct slot *table;         /* mask + 1 slots (a power of two); NULL when nfiles is 0 */
    size_t mask;                /* slots - 1 */
    char *paths;                /* the path buffer the files and folders point into */
    uint8_t *run;               /* the file bytes, run_pages pages from core_pmm_alloc() */
    size_t run_pages;           /* pages of run */
} cache;

#ifdef TORIL_HOST_TEST
bool content_cache_test_weak_hash;
#endif

/* --- hashes ---------------------------------------------------------------------------------
 */

static inline uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* x86 is little-endian, as both hashes read their input */
    return v;
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}


static uint64_t path_hash(const char *path, size_t len)
{
#ifdef TORIL_HOST_TEST
    if (content_cache_test_weak_hash)
        return 0x1234567800000000ull;
#endif
    return core_siphash(cache.key, path, len); /* the table hash */
}

/* XXH64 (Yann Collet's xxHash, 64-bit, seed 0): the content hash.  Fast (four independent lanes
 * of 8 bytes), so hashing the whole site costs little of the boot. */
#define P1 0x9e3779b185ebca87ull
#define P2 0xc2b2ae3d27d4eb4full
#define P3 0x165667b19e3779f9ull
#define P4 0x85ebca77c2b2ae63ull
#define P5 0x27d4eb2f165667c5ull

static inline uint64_t xxh_round(uint64_t acc, uint64_t in)
{
    return rotl(acc + in * P2, 31) * P1;
}

static inline uint64_t xxh_merge(uint64_t h, uint64_t v)
{
    return (h ^ xxh_round(0, v)) * P1 + P4;
}

static uint64_t xxh64(const void *data, size_t len)
{
    const uint8_t *p = data, *end = p + len;
    uint64_t h;

    if (len >= 32) {
        uint64_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1;
        const uint8_t *last = end - 32;
        do {
            v1 = xxh_round(v1, load64(p));
            v2 = xxh_round(v2, load64(p + 8));
            v3 = xxh_round(v3, load64(p + 16));
            v4 = xxh_round(v4, load64(p + 24));
            p += 32;
        } while (p <= last);
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
        h = xxh_merge(h, v1);
        h = xxh_merge(h, v2);
        h = xxh_merge(h, v3);
        h = xxh_merge(h, v4);
    } else {
        h = P5;
    }
    h += len;
    for (; p + 8 <= end; p += 8)
        h = rotl(h ^ xxh_round(0, load64(p)), 27) * P1 + P4;
    if (p + 4 <= end) {
        h = rotl(h ^ (uint64_t)load32(p) * P1, 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; p++)
        h = rotl(h ^ *p * P5, 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}

#ifdef TORIL_HOST_TEST
uint64_t content_cache_test_xxh64(const void *data, size_t len)
{
    return xxh64(data, len);
}
#endif

/* --- the table ------------------------------------------------------------------------------
 */

static bool slot_matches(uint32_t ref, const char *path, size_t len, bool want_dir)
{
    const char *p;
    size_t n;

    if (ref <= cache.nfiles) {
        if (want_dir)
            return false;
        p = cache.files[ref - 1].path;
        n = cache.files[ref - 1].path_len;
    } else {
        if (!want_dir)
            return false;
        p = cache.dirs[ref - 1 - cache.nfiles].path;
        n = cache.dirs[ref - 1 - cache.nfiles].len;
    }
    return n == len && memcmp(p, path, len) == 0;
}

/* The slot holding path (a file or a folder), or the empty slot where it would go.  The table
 * always has an empty slot (load factor <= 1/2), so the probe ends. */
static struct slot *probe(const char *path, size_t len, bool want_dir)
{
    uint64_t h = path_hash(path, len);
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & cache.mask;

    for (;; i = (i + 1) & cache.mask) {
        struct slot *s = &cache.table[i];
        if (s->ref == 0 || (s->tag == tag && slot_matches(s->ref, path, len, want_dir)))
            return s;
    }
}

const struct content_file *content_cache_lookup(const char *path, size_t len)
{
    const struct slot *s;

    if (cache.table == NULL || path == NULL)
        return NULL;
    s = probe(path, len, false);
    return s->ref != 0 ? &cache.files[s->ref - 1] : NULL;
}

bool content_cache_is_dir(const char *path, size_t len)
{
    if (path == NULL || len == 0 || path[0] != '/')
        return false;
    if (len == 1)
        return true;
    if (path[len - 1] == '/')
        len--;
    if (cache.table == NULL)
        return false;
    return probe(path, len, true)->ref != 0;
}

size_t content_cache_count(void)
{
    return cache.nfiles;
}

const struct content_file *content_cache_file(size_t index)
{
    return index < cache.nfiles ? &cache.files[index] : NULL;
}

/* Enter path as reference ref (file or folder) unless it is there already; returns whether it
 * was entered. */
static bool table_add(const char *path, size_t len, uint32_t ref, bool dir)
{
    struct slot *s = probe(path, len, dir);

    if (s->ref != 0)
        return false;
    s->tag = (uint32_t)(path_hash(path, len) >> 32);
    s->ref = ref;
    return true;
}

/* --- loading --------------------------------------------------------------------------------
 */

static size_t round_up(size_t v, size_t to)
{
    return (v + to - 1) / to * to;
}

/* Walk callback: keep the file's path and handle; bound the folders it may add. */
static int collect(void *arg, const struct content_fat_file *f)
{
    struct walk *w = arg;
    struct record *r;
    const char *prev;
    size_t common = 0;

    if (f->path_len == 0 || f->path[0] != '/' || f->path_len >= CONTENT_MAX_PATH)
        return -EINVAL; /* the reader promises otherwise */
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        struct record *v = realloc(w->v, cap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        w->v = v;
        w->cap = cap;
    }
    if (w->paths_cap - w->paths_len < f->path_len + 1) {
        size_t cap = w->paths_cap ? 2 * w->paths_cap : 4096;
        char *p;
        while (cap - w->paths_len < f->path_len + 1)
            cap *= 2;
        p = realloc(w->paths, cap);
        if (p == NULL)
            return -ENOMEM;
        w->paths = p;
        w->paths_cap = cap;
    }

    /*
     * The walk is depth first, so the files below a folder come one after the other: a folder
     * first appears with a file whose previous file is not below it.  The folders new with this
     * file are those whose '/' lies past the part its path shares with the previous one (the
     * root's '/' excluded).  Counting this way never misses a folder, whatever the order.
     */
    prev = w->n > 0 ? w->paths + w->v[w->n - 1].path_off : "/";
    while (common < f->path_len && prev[common] == f->path[common])
        common++;
    for (size_t i = common > 1 ? common : 1; i < f->path_len; i++)
        w->dirs_bound += f->path[i] == '/';

    r = &w->v[w->n++];
    *r = (struct record){.path_off = w->paths_len,
                         .path_len = (uint32_t)f->path_len,
                         .size = f->size,
                         .mtime = f->mtime,
                         .handle = f->handle,
                         .file = -1};
    memcpy(w->paths + w->paths_len, f->path, f->path_len + 1);
    w->paths_len += f->path_len + 1;
    w->run += round_up(f->size, ALIGN);
    if (f->path_len > GZ_LEN && memcmp(f->path + f->path_len - GZ_LEN, GZ_SUFFIX, GZ_LEN) == 0)
        w->gz_bound++;
    return 0;
}

/* Bytes of the index: files, folders, table. */
static size_t table_slots(const struct walk *w)
{
    size_t want = 2 * (w->n + w->dirs_bound), slots = 16;

    while (slots < want)
        slots *= 2;
    return slots;
}

static uint64_t index_bytes(const struct walk *w)
{
    /* Each block rounded to pages, plus one for the heap's header: large blocks take pages. */
    uint64_t b = round_up(w->n * sizeof(struct content_file), PAGE) +
                 round_up(w->dirs_bound * sizeof(struct dir), PAGE) +
                 round_up(table_slots(w) * sizeof(struct slot), PAGE);
    return b + 3 * PAGE;
}

/*
 * Refuse a site that does not fit: its bytes, its index and its users' per-file data must fit
 * in the free pages minus `keep`.  The message gives the site's size, what it
 * needs, and a guest memory size that would do (what the guest has now plus what is missing,
 * rounded up to 16 MiB).
 */
static int check_memory(const struct walk *w, uint64_t run_bytes,
                        content_cache_user_mem_fn user_mem, uint64_t keep)
{
    size_t total_pages, free_pages;
    uint64_t site = 0, need, free_b, have, missing, mem_mib;

    for (size_t i = 0; i < w->n; i++)
        site += w->v[i].size;
    core_pmm_stats(&total_pages, &free_pages);
    need = run_bytes + index_bytes(w) + (user_mem != NULL ? user_mem(w->n, w->gz_bound) : 0);
    free_b = (uint64_t)free_pages * PAGE;
    have = free_b > keep ? free_b - keep : 0;
    if (need <= have)
        return 0;
    missing = need - have;
    /* The guest's memory is more than the allocator manages (the first MiB, the kernel image,
     * the allocator's bitmaps: about 3 MiB): 4 MiB over what is managed covers them. */
    mem_mib = ((uint64_t)total_pages * PAGE + missing + 4 * MIB + 16 * MIB - 1) / (16 * MIB) * 16;
    log_error("content: the site does not fit in memory: %zu files, %llu bytes (%llu MiB) need "
              "%llu MiB with their index and per-file data, and %llu MiB are free beyond the "
              "%llu MiB kept for connections and the cores' networks; give the guest at least "
              "%llu MiB (MEM=%lluM)",
              w->n, (unsigned long long)site, (unsigned long long)((site + MIB - 1) / MIB),
              (unsigned long long)((need + MIB - 1) / MIB), (unsigned long long)(have / MIB),
              (unsigned long long)(keep / MIB), (unsigned long long)mem_mib,
              (unsigned long long)mem_mib);
    return -EFBIG;
}

/* Read every file into the run, in walk order (see the top of this file). */
static int read_files(struct content_fat *fs, struct walk *w, size_t *skipped)
{
    static const uint8_t empty[1];
    uint8_t *end = cache.run + cache.run_pages * PAGE;
    size_t off = 0;

    for (size_t i = 0; i < w->n; i++) {
        struct record *r = &w->v[i];
        int rc;

        if (r->size == 0) {
            r->data = empty;
            r->hash = xxh64(empty, 0);
            continue;
        }
        rc = content_fat_read(fs, &r->handle, cache.run + off, (size_t)(end - (cache.run + off)));
        /* A bad chain (-EINVAL, logged by the reader) costs the file; anything else (the
         * device, memory) the load. */
        if (rc < 0 && rc != -EINVAL)
            return rc;
        if (rc < 0) {
            log_warn("content: %s: unreadable (error %d), left out", w->paths + r->path_off, rc);
            r->size = 0;
            r->file = -2; /* skipped */
            (*skipped)++;
            continue;
        }
        r->data = cache.run + off;
        r->hash = xxh64(r->data, r->size);
        off += round_up(r->size, ALIGN);
    }
    return 0;
}

/* Enter every readable file, then its folders, into the table. */
static void enter_files(struct walk *w, size_t *skipped)
{
    for (size_t i = 0; i < w->n; i++) {
        struct record *r = &w->v[i];
        const char *path = w->paths + r->path_off;
        struct content_file *f = &cache.files[cache.nfiles];

        if (r->file == -2)
            continue;
        *f = (struct content_file){.path = path,
                                   .path_len = r->path_len,
                                   .data = r->data,
                                   .size = r->size,
                                   .mtime = r->mtime,
                                   .hash = r->hash,
                                   .index = (uint32_t)cache.nfiles};
        if (!table_add(path, r->path_len, (uint32_t)cache.nfiles + 1, false)) {
            log_warn("content: %s is on the disk twice; serving the first", path);
            (*skipped)++;
            continue;
        }
        r->file = (int32_t)cache.nfiles++;
    }
}

/* Folders get refs after every file's (ref nfiles + 1 + j), so this runs after enter_files. */
static int enter_dirs(const struct walk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        const struct record *r = &w->v[i];
        const char *path = w->paths + r->path_off;

        if (r->file < 0)
            continue;
        for (size_t k = 1; k < r->path_len; k++) {
            if (path[k] != '/' || probe(path, k, true)->ref != 0)
                continue;
            if (cache.ndirs == w->dirs_bound)
                return -EINVAL; /* the bound in collect() is wrong: a bug, not the disk */
            cache.dirs[cache.ndirs] = (struct dir){path, k};
            table_add(path, k, (uint32_t)(cache.nfiles + 1 + cache.ndirs), true);
            cache.ndirs++;
        }
    }
    return 0;
}

/* Point every "x" at its sibling "x.gz" (after enter_files: it looks the originals up). */
static void pair_siblings(void)
{
    for (size_t i = 0; i < cache.nfiles; i++) {
        const struct content_file *gzf = &cache.files[i];
        struct content_file *base;

        if (gzf->path_len <= GZ_LEN + 1 ||
            memcmp(gzf->path + gzf->path_len - GZ_LEN, GZ_SUFFIX, GZ_LEN) != 0)
            continue;
        base = (struct content_file *)content_cache_lookup(gzf->path, gzf->path_len - GZ_LEN);
        if (base == NULL)
            continue; /* a ".gz" without its original: only itself */
        base->gz = gzf;
        cache.ngz++;
    }
}

static void release(void)
{
    free(cache.files);
    free(cache.dirs);
    free(cache.table);
    free(cache.paths);
    core_pmm_free(cache.run, cache.run_pages);
    memset(&cache, 0, sizeof(cache));
}

int content_cache_load(const struct content_fat_dev *dev, content_cache_user_mem_fn user_mem,
                       uint64_t keep, struct content_cache_stats *st)
{
    struct content_fat *fs = NULL;
    struct walk w = {0};
    size_t slots, skipped = 0;
    int rc;

    if (cache.loaded)
        return -EBUSY;
    rc = content_fat_mount(dev, &fs);
    if (rc < 0) {
        log_error("content: no FAT volume the reader can use on the disk (error %d)", rc);
        return rc;
    }

    /* 1. The tree. */
    rc = content_fat_walk(fs, collect, &w);
    if (rc == -ENOSPC) {
        log_warn("content: more than %u files on the disk: serving the first %u",
                 (unsigned)CONTENT_MAX_FILES, (unsigned)CONTENT_MAX_FILES);
        rc = 0;
    }
    if (rc < 0) {
        log_error("content: cannot walk the volume (error %d)", rc);
        goto fail;
    }

    /* 2. Sizes, and the memory check before any large allocation. */
    cache.paths = w.paths; /* kept: the files and folders point into it */
    slots = table_slots(&w);
    cache.run_pages = w.run > 0 ? round_up(w.run + SLACK, PAGE) / PAGE : 0;
    rc = check_memory(&w, (uint64_t)cache.run_pages * PAGE, user_mem, keep);
    if (rc < 0)
        goto fail;
    rc = -ENOMEM;
    cache.files = calloc(w.n ? w.n : 1, sizeof(*cache.files));
    cache.dirs = calloc(w.dirs_bound ? w.dirs_bound : 1, sizeof(*cache.dirs));
    if (cache.files == NULL || cache.dirs == NULL)
        goto fail_mem;
    if (w.n > 0) {
        cache.table = calloc(slots, sizeof(*cache.table));
        if (cache.table == NULL)
            goto fail_mem;
        cache.mask = slots - 1;
        cache.key[0] = core_random_u64();
        cache.key[1] = core_random_u64();
    }
    if (cache.run_pages > 0) {
        cache.run = core_pmm_alloc(cache.run_pages);
        if (cache.run == NULL)
            goto fail_mem;
    }

    /* 3. The bytes. */
    rc = read_files(fs, &w, &skipped);
    if (rc < 0) {
        log_error("content: reading the files failed (error %d)", rc);
        goto fail;
    }

    /* 4. Table, folders, ".gz" siblings. */
    if (w.n > 0) {
        enter_files(&w, &skipped);
        rc = enter_dirs(&w);
        if (rc < 0)
            goto fail;
        pair_siblings();
    }

    content_fat_unmount(fs);
    free(w.v);
    cache.loaded = true;
    if (st != NULL) {
        *st = (struct content_cache_stats){.files = cache.nfiles,
                                           .dirs = cache.ndirs,
                                           .gz_pairs = cache.ngz,
                                           .skipped = skipped,
                                           .mem = cache.run_pages * PAGE + index_bytes(&w)};
        for (size_t i = 0; i < cache.nfiles; i++)
            st->bytes += cache.files[i].size;
    }
    return 0;

fail_mem:
    log_error("content: out of memory for %zu files (%llu pages in one run)", w.n,
              (unsigned long long)cache.run_pages);
fail:
    content_fat_unmount(fs);
    free(w.v);
    if (w.paths != cache.paths)
        free(w.paths);
    release();
    return rc;
}

#ifdef TORIL_HOST_TEST
void content_cache_reset(void)
{
    release();
}
#endif
