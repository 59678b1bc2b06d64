/*
 * Fake virtio-blk disk for host tests (see blk_disk.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pmm.h"
#include "core/time.h"
#include "virtio/tests/blk_disk.h"

#define ARENA_BYTES (4u << 20)
#define MAX_BATCH   256

static _Alignas(4096) uint8_t arena[ARENA_BYTES];
static size_t arena_used;
static uint64_t clock_ns;

void *core_pmm_alloc(size_t npages)
{
    size_t bytes = npages * CORE_PMM_PAGE_SIZE;
    if (npages == 0 || bytes > ARENA_BYTES - arena_used)
        return NULL;
    void *p = arena + arena_used;
    arena_used += bytes;
    return p;
}

uint64_t core_time_ns(void)
{
    return clock_ns += 1000000;
}

static void bad(struct fake_disk *d, const char *what)
{
    d->bad_requests++;
    fprintf(stderr, "fake disk: bad request: %s\n", what);
}

/* Checks the chain is header + data + status and fills the data; returns the data sectors, or
 * 0 for a malformed request (counted). */
static uint32_t serve(struct fake_disk *d, const struct fake_chain *c)
{
    struct {
        uint32_t type, reserved;
        uint64_t sector;
    } hdr;
    unsigned ndata = c->nseg >= 2 ? c->nseg - 2 : 0;
    uint32_t data = 0;

    if (c->nseg < 3 || c->seg[0].write || c->seg[0].len != sizeof(hdr)) {
        bad(d, "header");
        return 0;
    }
    memcpy(&hdr, (void *)(uintptr_t)c->seg[0].addr, sizeof(hdr));
    if (hdr.type != 0 || hdr.reserved != 0) {
        bad(d, "not a read");
        return 0;
    }
    if (!c->seg[c->nseg - 1].write || c->seg[c->nseg - 1].len != 1) {
        bad(d, "status byte");
        return 0;
    }
    for (unsigned i = 1; i <= ndata; i++) {
        if (!c->seg[i].write || (d->size_max && c->seg[i].len > d->size_max)) {
            bad(d, "data segment");
            return 0;
        }
        data += c->seg[i].len;
    }
    if (d->seg_max && ndata > d->seg_max) {
        bad(d, "more data segments than seg_max");
        return 0;
    }
    if (data == 0 || data % 512 || hdr.sector >= d->sectors ||
        data / 512 > d->sectors - hdr.sector) {
        bad(d, "data length or range");
        return 0;
    }
    uint64_t off = hdr.sector * 512;
    for (unsigned i = 1; i <= ndata; i++) {
        uint8_t *p = (uint8_t *)(uintptr_t)c->seg[i].addr;
        for (uint32_t k = 0; k < c->seg[i].len; k++)
            p[k] = fake_disk_byte(off++);
    }
    if (ndata > d->max_data_segs)
        d->max_data_segs = ndata;
    if (data / 512 > d->max_req_sectors)
        d->max_req_sectors = data / 512;
    d->requests++;

    uint8_t *status = (uint8_t *)(uintptr_t)c->seg[c->nseg - 1].addr;
    switch (d->mode) {
    case DISK_IOERR:
        *status = hdr.sector <= d->bad_lba && d->bad_lba < hdr.sector + data / 512 ? 1 : 0;
        break;
    case DISK_UNSUPP:
        *status = 2;
        break;
    case DISK_BAD_STATUS:
        *status = 0x7f;
        break;
    case DISK_NO_STATUS:
        break;
    default:
        *status = 0;
        break;
    }
    return data / 512;
}

static uint32_t used_len(const struct fake_disk *d, uint32_t sectors)
{
    switch (d->mode) {
    case DISK_SHORT_LEN:
        return sectors * 512;
    case DISK_HUGE_LEN:
        return sectors * 512 + 4096;
    default:
        return sectors * 512 + 1;
    }
}

void fake_disk_service(struct fake_disk *d)
{
    static struct fake_chain chains[MAX_BATCH];
    uint32_t sectors[MAX_BATCH];
    unsigned n = 0;

    /* Ask for a kick at every new request (EVENT_IDX): a device that sleeps between kicks. */
    d->fd->q[0].auto_avail_event = true;
    while (n < MAX_BATCH && fake_queue_pop(d->fd, 0, &chains[n]) == 0) {
        sectors[n] = serve(d, &chains[n]);
        n++;
    }
    if (n > d->max_batch)
        d->max_batch = n;
    if (d->mode == DISK_SILENT)
        return;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = d->mode == DISK_REVERSE ? n - 1 - k : k;
        uint32_t id = d->mode == DISK_WRONG_ID ? chains[i].head + 1u : chains[i].head;
        fake_queue_complete(d->fd, 0, id, used_len(d, sectors[i]));
    }
}

static void on_notify(void *arg, uint16_t index)
{
    if (index == 0)
        fake_disk_service(arg);
}

void fake_disk_init(struct fake_disk *d, struct fake_device *fd, uint64_t sectors)
{
    memset(d, 0, sizeof(*d));
    d->fd = fd;
    d->sectors = sectors;
    fd->on_notify = on_notify;
    fd->on_notify_arg = d;
    arena_used = 0;
    clock_ns = 0;
}

bool fake_disk_check(const void *buf, uint64_t lba, uint32_t count)
{
    const uint8_t *p = buf;
    for (uint64_t i = 0; i < (uint64_t)count * 512; i++)
        if (p[i] != fake_disk_byte(lba * 512 + i))
            return false;
    return true;
}
