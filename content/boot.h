/*
 * content_boot(): find the site's disk and load it into the content cache (content/cache.h).
 *
 * Context: boot, core 0, after core_time_init() and virtio_pci_scan(), before the other cores
 * start (the cache must be frozen before anyone reads it).  Blocks while it reads the disk.
 */
#ifndef CONTENT_BOOT_H
#define CONTENT_BOOT_H

/*
 * Bring up the first virtio-blk device (PCI, else virtio-mmio), load its FAT volume into the
 * cache and log "content: N files, B bytes loaded in T ms (virtio-blk, S MiB disk)".
 * Returns:
 *   0        loaded (possibly zero files);
 *   -ENODEV  no disk: logged as "content: no disk, serving nothing"; the server carries on
 *            with an empty cache (every path is 404);
 *   other negative codes: a disk is there but its site could not be loaded (the device failed,
 *            no usable FAT volume, -EFBIG: the site does not fit in memory); logged with the
 *            reason.  The caller should stop the boot: serving nothing from a disk the user
 *            attached would only hide the problem.
 */
int content_boot(void);

#endif
