/*
 * virtio-blk driver (virtio 1.2 §5.2), read-only: the content cache reads the whole disk once
 * at boot, on core 0, and never writes.  One request queue, polled (no interrupt): the boot
 * path has nothing else to do while it waits.
 *
 * The device is not trusted: its capacity is checked for plausibility, every request's used
 * length and status byte are checked, and a device that stops answering is given up on after
 * a bounded wait (and reset, so it can no longer write into the caller's memory).
 *
 * Context: every function runs on core 0 (boot, or core 0's main loop), one call at a time,
 * after core_time_init() (the bounded wait measures time).  The state is owned by core 0 and
 * never touched by other cores.
 */
#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

#include <stdint.h>

#include "virtio/virtio.h"

#define VIRTIO_BLK_SECTOR_SIZE 512 /* the protocol's unit, whatever the disk's block size */

/* Consumer-facing (content/) ------------------------------------------------------------- */

/*
 * Find the first virtio-blk device, on PCI if there is one (after virtio_pci_scan()), else
 * over virtio-mmio, and bring it up (virtio_blk_attach()).  Boot, core 0.  Returns 0;
 * -ENODEV when there is no device (logged); -EIO when its capacity is zero or absurd, or it
 * could not be set up (logged).
 */
int virtio_blk_init(void);

/* Capacity in 512-byte sectors; 0 when no device is up. */
uint64_t virtio_blk_sectors(void);

/*
 * Read `count` sectors starting at sector `lba` into buf (count * 512 bytes; any alignment;
 * the caller keeps ownership: the device no longer touches buf when this returns).  Large
 * reads are split into requests within the device's limits and several are kept in flight.
 * Blocks (polling) until done or the device failed to answer in time.
 * Returns 0;
 *   -EINVAL     buf is NULL, or the range reaches past the capacity (nothing is read);
 *   -ENODEV     no device is up;
 *   -EIO        the device reported an error or a bogus completion (logged with the LBA);
 *               buf holds undefined data;
 *   -ETIMEDOUT  the device did not complete a request within VIRTIO_BLK_TIMEOUT_MS (logged);
 *               the device was reset and every later call returns -EIO.
 * count 0 reads nothing and returns 0.
 */
int virtio_blk_read(uint64_t lba, uint32_t count, void *buf);

/*
 * virtio_blk_read() with a context argument (ignored), the shape of the block-device
 * callback of content/fat.h: `.read = virtio_blk_read_ctx, .sectors = virtio_blk_sectors()`.
 */
int virtio_blk_read_ctx(void *ctx, uint64_t lba, uint32_t count, void *buf);

/* Driver-facing (transports, tests) ---------------------------------------------------- */

/*
 * Drive `dev`, a virtio-blk device a transport has probed (not yet initialised): feature
 * negotiation, capacity and limits from the configuration, one request queue, DRIVER_OK.
 * Replaces any device attached before (without resetting it).  Boot, core 0; allocates the
 * queue memory with core_pmm_alloc() (never freed).  Returns 0, -EIO or -ENOMEM (logged).
 */
int virtio_blk_attach(struct virtio_dev *dev);

#endif
