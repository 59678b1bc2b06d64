/* content_boot(): a block device into the cache (see boot.h). */
#include <errno.h>
#include <stdint.h>

#include "content/boot.h"
#include "content/cache.h"
#include "content/fat.h"
#include "core/log.h"
#include "core/time.h"

int content_boot(const struct content_fat_dev *dev, content_cache_user_mem_fn user_mem,
                 uint64_t keep)
{
    uint64_t t0 = core_time_ns(), ms;
    struct content_cache_stats st;
    int rc;

    if (dev == NULL) {
        log_info("content: no disk, serving nothing");
        return -ENODEV;
    }
    rc = content_cache_load(dev, user_mem, keep, &st);
    if (rc < 0)
        return rc; /* logged by the cache */

    ms = (core_time_ns() - t0) / 1000000;
    log_info("content: %zu files, %llu bytes loaded in %llu ms (%s, %llu MiB disk)", st.files,
             (unsigned long long)st.bytes, (unsigned long long)ms,
             dev->name != NULL ? dev->name : "disk",
             (unsigned long long)(dev->sectors * CONTENT_FAT_SECTOR_SIZE >> 20));
    log_info("content: %zu folders, %zu gzip variants, %zu files left out; %llu KiB of memory",
             st.dirs, st.gz_pairs, st.skipped, (unsigned long long)(st.mem >> 10));
    return 0;
}
