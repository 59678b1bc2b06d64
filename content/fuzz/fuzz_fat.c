/*
 * libFuzzer target for the FAT reader (make fuzz-content).
 *
 * The input is a 64 MiB disk, in one of two forms (zeros wherever the input says nothing):
 *   - raw: the disk's first bytes, so a seed only needs a volume's non-zero prefix;
 *   - sparse: "TSP1" then records {le32 sector, le16 length, length bytes}, each placed at its
 *     sector (later records win), for volumes whose data lie far apart: FAT32, whose FAT is at
 *     least 256 KiB, or a partition at LBA 63.  A record of length 0 marks its sector bad: a
 *     read that touches it fails with -EIO.
 * The target mounts the disk, walks the tree,
 * checks every reported path and reads every file (up to a byte budget); then it reads a handle
 * forged from the input's last 8 bytes.  A broken promise of the reader (a read beyond the
 * device or above the I/O limit, a path with an empty, "." or ".." component) aborts.
 *
 * test_fat_regress links this file without libFuzzer and replays content/fuzz/corpus/ and
 * content/fuzz/regressions/ through LLVMFuzzerTestOneInput().
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/fat.h"
#include "content/limits.h"

#define DISK_SECTORS (64u * 1024 * 1024 / CONTENT_FAT_SECTOR_SIZE)
#define READ_BUDGET  (4u * 1024 * 1024) /* file bytes read per input, to keep runs fast */
#define MAX_RECORDS  64
#define SPARSE_MAGIC "TSP1"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes placed at a disk offset. */
struct record {
    uint64_t off;
    const uint8_t *data;
    size_t len;
};

struct input {
    struct record rec[MAX_RECORDS];
    unsigned nrec;
    struct content_fat *fs;
    size_t budget; /* file bytes left to read */
};

static void parse_input(struct input *in, const uint8_t *data, size_t size)
{
    size_t i = 4;

    if (size < 4 || memcmp(data, SPARSE_MAGIC, 4) != 0) {
        in->rec[0] = (struct record){.off = 0, .data = data, .len = size};
        in->nrec = 1;
        return;
    }
    while (i + 6 <= size && in->nrec < MAX_RECORDS) {
        uint32_t lba = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | (uint32_t)data[i + 3] << 24;
        size_t len = data[i + 4] | data[i + 5] << 8;

        i += 6;
        if (len > size - i)
            len = size - i;
        in->rec[in->nrec++] = (struct record){
            .off = (uint64_t)lba * CONTENT_FAT_SECTOR_SIZE, .data = data + i, .len = len};
        i += len;
    }
}

static int disk_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    const struct input *in = ctx;
    uint64_t off = lba * CONTENT_FAT_SECTOR_SIZE, n = (uint64_t)count * CONTENT_FAT_SECTOR_SIZE;

    if (count == 0 || count > CONTENT_FAT_MAX_IO_SECTORS || lba >= DISK_SECTORS ||
        count > DISK_SECTORS - lba)
        abort();
    memset(buf, 0, n);
    for (unsigned r = 0; r < in->nrec; r++) {
        const struct record *rc = &in->rec[r];
        if (rc->len == 0 && rc->off >= off && rc->off < off + n)
            return -EIO;
    }
    for (unsigned r = 0; r < in->nrec; r++) {
        const struct record *rc = &in->rec[r];
        uint64_t from = rc->off > off ? rc->off : off;
        uint64_t to = rc->off + rc->len < off + n ? rc->off + rc->len : off + n;
        if (from < to)
            memcpy((uint8_t *)buf + (from - off), rc->data + (from - rc->off), to - from);
    }
    return 0;
}

static void check_path(const char *path, size_t len)
{
    if (len == 0 || len >= CONTENT_MAX_PATH || strlen(path) != len || path[0] != '/')
        abort();
    for (const char *p = path; *p; p++) {
        const char *c = p + 1; /* a component starts after each '/' */
        if (*p != '/')
            continue;
        if (*c == '/' || *c == '\0')
            abort();
        if (c[0] == '.' && (c[1] == '/' || c[1] == '\0'))
            abort();
        if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
            abort();
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)path[i] < 0x20 || path[i] == '\\')
            abort();
}

static void read_file(struct input *in, const struct content_fat_handle *h)
{
    size_t round = ((size_t)h->size + 511) / 512 * 512;
    uint8_t *buf;

    if (h->size > in->budget)
        return;
    in->budget -= h->size;
    buf = malloc(round ? round : 1);
    if (buf == NULL)
        return;
    /* Failures are fine here (the input is garbage); crashes and hangs are not. */
    (void)content_fat_read(in->fs, h, buf, h->size); /* bounce buffer for the last sector */
    (void)content_fat_read(in->fs, h, buf, round);   /* straight into buf */
    free(buf);
}

static int on_file(void *arg, const struct content_fat_file *f)
{
    struct input *in = arg;

    check_path(f->path, f->path_len);
    if (f->handle.size != f->size)
        abort();
    read_file(in, &f->handle);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {.budget = READ_BUDGET};
    struct content_fat_dev dev = {.read = disk_read, .ctx = &in, .sectors = DISK_SECTORS};

    parse_input(&in, data, size);
    if (content_fat_mount(&dev, &in.fs) != 0)
        return 0;
    (void)content_fat_walk(in.fs, on_file, &in);
    if (size >= 8) {
        struct content_fat_handle h;
        memcpy(&h.first_cluster, data + size - 8, 4);
        memcpy(&h.size, data + size - 4, 4);
        h.size &= 0xfffff; /* at most 1 MiB */
        read_file(&in, &h);
    }
    content_fat_unmount(in.fs);
    return 0;
}
