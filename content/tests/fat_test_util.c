/* Helpers for the FAT reader's host tests (see fat_test_util.h). */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "content/tests/fat_test_util.h"

static int memdev_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct memdev *m = ctx;
    uint64_t off = lba * 512, n = (uint64_t)count * 512;

    if (m->fail_at >= 0 && m->calls == (unsigned long)m->fail_at) {
        m->calls++;
        return -EIO;
    }
    m->calls++;
    if (count > m->max_count)
        m->max_count = count;
    if (count == 0 || lba + count > m->sectors) {
        fprintf(stderr, "memdev: bad read lba %llu count %u (device %llu)\n",
                (unsigned long long)lba, count, (unsigned long long)m->sectors);
        abort(); /* the reader promised never to do this */
    }
    memset(buf, 0, n);
    if (m->fd >= 0)
        return pread(m->fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -EIO;
    if (off < m->len)
        memcpy(buf, m->data + off, off + n <= m->len ? n : m->len - off);
    return 0;
}

struct content_fat_dev memdev_dev(struct memdev *m)
{
    struct content_fat_dev d = {.read = memdev_read, .ctx = m, .sectors = m->sectors};
    return d;
}

void memdev_free(struct memdev *m)
{
    if (m->fd >= 0)
        close(m->fd);
    free(m->data);
    memset(m, 0, sizeof(*m));
    m->fd = -1;
}

int found_collect(void *arg, const struct content_fat_file *f)
{
    struct found_list *l = arg;

    if (strlen(f->path) != f->path_len || f->path[0] != '/')
        return -EINVAL;
    l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
    if (l->v == NULL)
        return -ENOMEM;
    l->v[l->n].path = strdup(f->path);
    l->v[l->n].size = f->size;
    l->v[l->n].mtime = f->mtime;
    l->v[l->n].handle = f->handle;
    l->n++;
    return 0;
}

const struct found *found_get(const struct found_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0)
            return &l->v[i];
    return NULL;
}

void found_free(struct found_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

char *tmp_folder(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *p;

    if (asprintf(&p, "%s/toril-fat-XXXXXX", base) < 0 || mkdtemp(p) == NULL) {
        perror("mkdtemp");
        abort();
    }
    return p;
}

void tmp_remove(const char *dir)
{
    run("rm -rf '%s'", dir);
}

void tree_folder(const char *root, const char *rel)
{
    char path[4096];
    size_t n = (size_t)snprintf(path, sizeof(path), "%s/%s", root, rel);

    if (n >= sizeof(path))
        abort();
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    mkdir(path, 0755);
}

void tree_file(const char *root, const char *rel, size_t size, unsigned seed, int64_t mtime)
{
    char path[4096];
    const char *slash = strrchr(rel, '/');
    uint32_t x = seed * 2654435761u + 1;
    FILE *f;

    if (slash) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
        tree_folder(root, dir);
    }
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        abort();
    }
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        fputc((int)(x & 0xff), f);
    }
    fclose(f);
    struct timeval tv[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
    utimes(path, tv);
}

int run(const char *fmt, ...)
{
    char cmd[8192];
    char full[9000];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    /* mtools: no geometry checks on plain images; FAT times in UTC so mtimes round-trip. */
    snprintf(full, sizeof(full),
             "export PATH=\"$PATH:/usr/sbin:/sbin\" MTOOLS_SKIP_CHECK=1 TZ=UTC LC_ALL=C.UTF-8; %s",
             cmd);
    return system(full);
}

int image_build(const char *img, unsigned kib, const char *mkfs_args, const char *src)
{
    if (run("rm -f \"%s\" && mkfs.fat %s -C \"%s\" %u >/dev/null", img, mkfs_args, img, kib) != 0)
        return -1;
    if (src == NULL)
        return 0;
    /* Every top-level entry, dot files included, recursively with mtimes. */
    return run("cd \"%s\" && for f in * .[!.]*; do [ -e \"$f\" ] || continue; "
               "mcopy -s -m -i \"%s\" -- \"$f\" ::/ || exit 1; done",
               src, img);
}

uint8_t *file_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

void image_load(struct memdev *m, const char *img, uint32_t part_lba, uint8_t part_type)
{
    size_t n;
    uint8_t *vol = file_slurp(img, &n);

    if (vol == NULL) {
        perror(img);
        abort();
    }
    memset(m, 0, sizeof(*m));
    m->fd = -1;
    m->fail_at = -1;
    if (part_lba == 0) {
        m->data = vol;
        m->len = n;
    } else {
        uint32_t sectors = (uint32_t)(n / 512);
        uint8_t *p;

        m->len = (size_t)part_lba * 512 + n;
        m->data = calloc(1, m->len);
        memcpy(m->data + (size_t)part_lba * 512, vol, n);
        free(vol);
        /* A classic MBR like QEMU's vfat writes: no boot code, one partition. */
        p = m->data + 446;
        p[0] = 0x80;
        p[4] = part_type;
        memcpy(p + 8, &part_lba, 4); /* little-endian host */
        memcpy(p + 12, &sectors, 4);
        m->data[510] = 0x55;
        m->data[511] = 0xaa;
    }
    m->sectors = m->len / 512;
}

void image_open(struct memdev *m, const char *img)
{
    struct stat st;

    memset(m, 0, sizeof(*m));
    m->fail_at = -1;
    m->fd = open(img, O_RDONLY);
    if (m->fd < 0 || fstat(m->fd, &st) != 0) {
        perror(img);
        abort();
    }
    m->len = (size_t)st.st_size;
    m->sectors = m->len / 512;
}
