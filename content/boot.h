/*
 * content_boot(): load the site from a block device into the content cache (content/cache.h).
 *
 * Context: boot, core 0, after core_time_init() and after the caller has brought the disk up,
 * before the other cores start (the cache must be frozen before anyone reads it).  Blocks while
 * it reads the disk.
 */
#ifndef CONTENT_BOOT_H
#define CONTENT_BOOT_H

#include <stdint.h>

#include "content/cache.h"
#include "content/fat.h"

/*
 * Load the FAT volume on dev into the cache and log "content: N files, B bytes loaded in T ms
 * (<dev->name>, S MiB disk)".  dev NULL means there is no disk.  user_mem: what the cache's users
 * will allocate per file afterwards (content_cache_load()), or NULL; keep: bytes of memory to
 * leave free for everything that allocates later (the network, connections).
 * Returns:
 *   0        loaded (possibly zero files);
 *   -ENODEV  no disk (dev NULL): logged as "content: no disk, serving nothing"; the server
 *            carries on with an empty cache (every path is 404);
 *   other negative codes: the site on the disk could not be loaded (the device failed, no
 *            usable FAT volume, -EFBIG: the site does not fit in memory); logged with the
 *            reason.  The caller should stop the boot: serving nothing from a disk the user
 *            attached would only hide the problem.
 */
int content_boot(const struct content_fat_dev *dev, content_cache_user_mem_fn user_mem,
                 uint64_t keep);

#endif
