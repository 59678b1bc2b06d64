/*
 * A fake virtio-blk disk for host tests, on top of the fake device's ring side
 * (fake_device.h): on each notification it takes every available chain, checks it is a
 * well-formed read request within the limits the device announced (§5.2.6), fills the data
 * with a pattern that depends on the disk offset, and completes it, honestly or not.
 *
 * Also the host stand-ins for what blk.c takes from the kernel: core_pmm_alloc() (from an
 * arena, reset by fake_disk_init()) and core_time_ns() (a clock that advances 1 ms per read,
 * so bounded waits end quickly).
 */
#ifndef VIRTIO_TESTS_BLK_DISK_H
#define VIRTIO_TESTS_BLK_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/tests/fake_device.h"

/* How the disk answers. */
enum fake_disk_mode {
    DISK_OK,         /* data, status OK, used len = data + 1 */
    DISK_IOERR,      /* status IOERR for the request containing bad_lba, others OK */
    DISK_UNSUPP,     /* status UNSUPP for every request */
    DISK_BAD_STATUS, /* status 0x7f for every request */
    DISK_NO_STATUS,  /* status byte left untouched, len says it was written */
    DISK_SHORT_LEN,  /* used len = data bytes only (status "not written") */
    DISK_HUGE_LEN,   /* used len larger than the chain's writable bytes */
    DISK_SILENT,     /* takes requests, never completes them */
    DISK_WRONG_ID,   /* completes with an id that heads no chain */
    DISK_REVERSE,    /* completes the requests of one notification in reverse order */
};

struct fake_disk {
    struct fake_device *fd; /* the device whose queue 0 is the request queue */
    uint64_t sectors;       /* capacity the disk really has */
    enum fake_disk_mode mode;
    uint64_t bad_lba;  /* DISK_IOERR: the failing sector */
    uint32_t size_max; /* limits the device announced (0: none), checked per request */
    uint32_t seg_max;
    /* What the disk saw. */
    unsigned requests;        /* read requests taken */
    unsigned max_batch;       /* most requests taken in one notification */
    unsigned max_data_segs;   /* most data segments in one request */
    uint32_t max_req_sectors; /* largest request */
    unsigned bad_requests;    /* malformed requests (a driver bug): must stay 0 */
};

/* Sets up the disk on `fd` (already fake_device_init()ed) and hooks fd's notifications; resets
 * the allocation arena and the clock. */
void fake_disk_init(struct fake_disk *d, struct fake_device *fd, uint64_t sectors);

/* Services queue 0 now (what a notification does). */
void fake_disk_service(struct fake_disk *d);

/* The byte the disk holds at byte offset `off`. */
static inline uint8_t fake_disk_byte(uint64_t off)
{
    return (uint8_t)(off * 31u + (off >> 9) + 7u);
}

/* Whether buf holds sectors [lba, lba + count) of the disk. */
bool fake_disk_check(const void *buf, uint64_t lba, uint32_t count);

#endif
