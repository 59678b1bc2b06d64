/* content_boot(): the disk, then the cache (see boot.h). */
#include <errno.h>
#include <stdint.h>

#include "content/boot.h"
#include "content/cache.h"
#include "content/fat.h"
#include "core/log.h"
#include "core/time.h"
#include "virtio/blk.h"

int content_boot(void)
{
    uint64_t t0 = core_time_ns(), ms, sectors;
    struct content_cache_stats st;
    struct content_fat_dev dev;
    int rc;

    rc = virtio_blk_init();
    if (rc == -ENODEV) {
        log_info("content: no disk, serving nothing");
        return rc;
    }
    if (rc < 0) {
        log_error("content: the disk could not be brought up (error %d)", rc);
        return rc;
    }
    sectors = virtio_blk_sectors();
    dev = (struct content_fat_dev){.read = virtio_blk_read_ctx, .ctx = NULL, .sectors = sectors};
    rc = content_cache_load(&dev, &st);
    if (rc < 0)
        return rc; /* logged by the cache */

    ms = (core_time_ns() - t0) / 1000000;
    log_info("content: %zu files, %llu bytes loaded in %llu ms (virtio-blk, %llu MiB disk)",
             st.files, (unsigned long long)st.bytes, (unsigned long long)ms,
             (unsigned long long)(sectors * CONTENT_FAT_SECTOR_SIZE >> 20));
    log_info("content: %zu folders, %zu gzip variants, %zu files left out; %llu KiB of memory",
             st.dirs, st.gz_pairs, st.skipped, (unsigned long long)(st.mem >> 10));
    return 0;
}
