/*
 * FAT reader, part 1: finding and validating the volume (MBR, boot sector), the in-memory FAT,
 * cluster chains and file reads.  The walk over folders is in fat_walk.c.
 *
 * References: Microsoft "FAT: General Overview of On-Disk Format" (fatgen103), cited as
 * "fatgen" with its section names; the MBR layout is the classic PC one (four 16-byte entries at
 * offset 446, signature 0x55 0xaa at 510).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/fat.h"
#include "content/fat_priv.h"
#include "content/limits.h"
#include "core/log.h"

/* fatgen "FAT Type Determination": the type follows from the count of data clusters alone. */
#define FAT12_MAX_CLUSTERS 4084
#define FAT16_MAX_CLUSTERS 65524
#define FAT32_MAX_CLUSTERS 0x0ffffff4u /* 0x0ffffff5 .. 0x0fffffff are reserved values */

/* Boot sector (BPB) offsets, fatgen "Boot Sector and BPB Structure". */
#define BPB_BYTES_PER_SEC   11
#define BPB_SEC_PER_CLUS    13
#define BPB_RSVD_SEC_CNT    14
#define BPB_NUM_FATS        16
#define BPB_ROOT_ENT_CNT    17
#define BPB_TOT_SEC16       19
#define BPB_MEDIA           21
#define BPB_FAT_SZ16        22
#define BPB_TOT_SEC32       32
#define BS16_BOOT_SIG       38 /* FAT12/16: 0x29 when the next fields are present */
#define BS16_FIL_SYS_TYPE   54
#define BPB32_FAT_SZ32      36
#define BPB32_EXT_FLAGS     40
#define BPB32_FS_VER        42
#define BPB32_ROOT_CLUS     44
#define BS32_BOOT_SIG       66
#define BS32_FIL_SYS_TYPE   82
#define BOOT_SIG_OFFSET     510 /* 0x55 0xaa, in both the MBR and the boot sector */
#define EXT_BOOT_SIG        0x29
#define FAT32_MIRROR_OFF    0x80 /* BPB_ExtFlags bit 7: only one FAT is active */
#define FAT32_ACTIVE_FAT    0x0f /* BPB_ExtFlags bits 0-3: which one */
#define MBR_PART_TABLE      446
#define MBR_PART_ENTRY_SIZE 16
#define MBR_PARTS           4
#define MBR_TYPE_GPT        0xee /* protective MBR of a GPT disk */

static const char *const fat_name[] = {[12] = "FAT12", [16] = "FAT16", [32] = "FAT32"};

int content_fat_dev_read(struct content_fat *fs, uint64_t lba, uint64_t count, void *buf)
{
    uint8_t *dst = buf;

    /* The volume was checked to lie inside the device; this guards the callers' arithmetic. */
    if (lba > fs->dev.sectors || count > fs->dev.sectors - lba) {
        log_error("fat: read of %llu sectors at %llu is beyond the device (%llu sectors)",
                  (unsigned long long)count, (unsigned long long)lba,
                  (unsigned long long)fs->dev.sectors);
        return -EIO;
    }
    while (count > 0) {
        uint32_t n =
            count < CONTENT_FAT_MAX_IO_SECTORS ? (uint32_t)count : CONTENT_FAT_MAX_IO_SECTORS;
        int rc = fs->dev.read(fs->dev.ctx, lba, n, dst);
        if (rc < 0) {
            log_error("fat: device read of %u sectors at %llu failed (%d)", n,
                      (unsigned long long)lba, rc);
            return -EIO;
        }
        lba += n;
        count -= n;
        dst += (size_t)n * CONTENT_FAT_SECTOR_SIZE;
    }
    return 0;
}

enum fat_next content_fat_next(const struct content_fat *fs, uint32_t c, uint32_t *next)
{
    uint32_t v, end, bad;

    /* fatgen "FAT Data Structure": entry c of the FAT describes the cluster after c. */
    switch (fs->type) {
    case 12:
        v = fat_le16(fs->fat + c + c / 2);
        v = (c & 1) ? v >> 4 : v & 0xfff;
        end = 0xff8;
        bad = 0xff7;
        break;
    case 16:
        v = fat_le16(fs->fat + 2 * (size_t)c);
        end = 0xfff8;
        bad = 0xfff7;
        break;
    default:
        v = fat_le32(fs->fat + 4 * (size_t)c) & 0x0fffffff; /* the top 4 bits are reserved */
        end = 0x0ffffff8;
        bad = 0x0ffffff7;
        break;
    }
    *next = v;
    if (v >= end)
        return FAT_NEXT_END;
    if (v == bad)
        return FAT_NEXT_BAD;
    if (v == 0)
        return FAT_NEXT_FREE;
    return fat_cluster_ok(fs, v) ? FAT_NEXT_DATA : FAT_NEXT_RANGE;
}

/* Clusters a file of size bytes occupies. */
static uint32_t clusters_for(const struct content_fat *fs, uint32_t size)
{
    return (uint32_t)(((uint64_t)size + fs->cluster_bytes - 1) / fs->cluster_bytes);
}

/* Logs why the chain of file `who` (or, without a name, the file at cluster first) is bad. */
#define chain_error(who, first, fmt, ...)                                                          \
    do {                                                                                           \
        if (who)                                                                                   \
            log_error("fat: %s: " fmt ", skipped", who, __VA_ARGS__);                              \
        else                                                                                       \
            log_error("fat: file at cluster %u: " fmt, first, __VA_ARGS__);                        \
    } while (0)

/* Why a chain stopped at entry value v (kind) before the file's size was covered. */
static const char *next_problem(enum fat_next kind)
{
    switch (kind) {
    case FAT_NEXT_END:
        return "the chain ends";
    case FAT_NEXT_FREE:
        return "the chain runs into a free cluster";
    case FAT_NEXT_BAD:
        return "the chain runs into a bad cluster";
    default:
        return "the chain points out of range";
    }
}

int content_fat_chain_check(struct content_fat *fs, const char *who, uint32_t first, uint32_t size,
                            bool claim)
{
    uint32_t need, c = first, next = 0, i;
    enum fat_next kind = FAT_NEXT_END;

    if (size == 0)
        return 0; /* no data: whatever the entry's cluster says is not used */
    if (first == 0) {
        chain_error(who, first, "size %u but no cluster", size);
        return -EINVAL;
    }
    need = clusters_for(fs, size);
    if (need > fs->clusters) {
        chain_error(who, first, "size %u is larger than the volume", size);
        return -EINVAL;
    }
    if (!fat_cluster_ok(fs, first)) {
        chain_error(who, first, "first cluster %u out of range (2..%u)", first, fs->clusters + 1);
        return -EINVAL;
    }
    /* Exactly `need` steps: bounded by the size, which is bounded by the volume. */
    for (i = 0; i < need; i++) {
        if (claim && !fat_claim(fs, c)) {
            chain_error(who, first, "cluster %u is used twice (the chain loops or is cross-linked)",
                        c);
            return -EINVAL;
        }
        kind = content_fat_next(fs, c, &next);
        if (i + 1 < need && kind != FAT_NEXT_DATA) {
            chain_error(who, first, "%s (entry 0x%x) after %u of the %u clusters its size %u needs",
                        next_problem(kind), next, i + 1, need, size);
            return -EINVAL;
        }
        c = next;
    }
    if (kind != FAT_NEXT_END && who)
        log_warn("fat: %s: the chain is longer than the size %u; the rest is ignored", who, size);
    return 0;
}

int content_fat_read(struct content_fat *fs, const struct content_fat_handle *h, void *buf,
                     size_t cap)
{
    uint8_t *dst = buf;
    uint32_t need, left, c, run_start, run_len = 0, next, i;
    bool direct_tail;
    int rc;

    if (cap < h->size)
        return -ENOBUFS;
    if (h->size == 0)
        return 0;
    /* Checked again here: the handle may be stale or forged, and claim is a walk's business. */
    rc = content_fat_chain_check(fs, NULL, h->first_cluster, h->size, false);
    if (rc < 0)
        return rc;
    need = clusters_for(fs, h->size);
    left = h->size;
    direct_tail = cap - h->size >= (CONTENT_FAT_SECTOR_SIZE - h->size % CONTENT_FAT_SECTOR_SIZE) %
                                       CONTENT_FAT_SECTOR_SIZE;
    c = run_start = h->first_cluster;
    /* Gather runs of consecutive clusters; each run is one read (split only at the I/O limit). */
    for (i = 0; i <= need; i++) {
        if (i < need && run_len > 0 && c == run_start + run_len) {
            run_len++;
        } else if (run_len > 0) {
            uint64_t bytes = (uint64_t)run_len * fs->cluster_bytes;
            uint32_t n = bytes < left ? (uint32_t)bytes : left;
            uint32_t whole = n / CONTENT_FAT_SECTOR_SIZE, rest = n % CONTENT_FAT_SECTOR_SIZE;
            uint64_t lba = fat_cluster_lba(fs, run_start);

            if (direct_tail && rest) {
                whole++;
                rest = 0;
            }
            if (whole) {
                rc = content_fat_dev_read(fs, lba, whole, dst);
                if (rc < 0)
                    return rc;
            }
            if (rest) {
                rc = content_fat_dev_read(fs, lba + whole, 1, fs->bounce);
                if (rc < 0)
                    return rc;
                memcpy(dst + (size_t)whole * CONTENT_FAT_SECTOR_SIZE, fs->bounce, rest);
            }
            dst += n;
            left -= n;
            run_start = c;
            run_len = 1;
        } else {
            run_len = 1;
        }
        /* The chain check above vouches for every step but the one after the last cluster. */
        if (i + 1 < need)
            (void)content_fat_next(fs, c, &next);
        else
            next = 0;
        c = next;
    }
    return 0;
}

int64_t content_fat_time(uint16_t date, uint16_t time)
{
    /* fatgen "Date and Time Formats": date = (year - 1980) << 9 | month << 5 | day,
     * time = hours << 11 | minutes << 5 | seconds / 2. */
    static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned year = 1980 + (date >> 9), month = (date >> 5) & 15, day = date & 31;
    unsigned hour = time >> 11, min = (time >> 5) & 63, sec = (time & 31) * 2;
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    unsigned y, doy, era_years;
    int64_t days;

    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1] ||
        (month == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 59)
        return 0;
    /* Days since 1970-01-01 in the proleptic Gregorian calendar (Hinnant's days_from_civil),
     * with years counted from March so that February comes last. */
    y = month <= 2 ? year - 1 : year;
    era_years = y % 400;
    doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    days = (int64_t)(y / 400) * 146097 + (era_years * 365 + era_years / 4 - era_years / 100 + doy) -
           719468;
    return days * 86400 + hour * 3600 + min * 60 + sec;
}

/* A boot sector starts with an x86 jump: EB xx 90 or E9 xx xx (fatgen "BS_jmpBoot"). */
static bool has_boot_jump(const uint8_t *s)
{
    return (s[0] == 0xeb && s[2] == 0x90) || s[0] == 0xe9;
}

static bool is_fat_partition(uint8_t type)
{
    return type == 0x01 || type == 0x04 || type == 0x06 || type == 0x0e || type == 0x0b ||
           type == 0x0c;
}

/* An MBR: every status byte 0x00 or 0x80, at least one entry in use. */
static bool looks_like_mbr(const uint8_t *s)
{
    bool used = false;
    for (int i = 0; i < MBR_PARTS; i++) {
        const uint8_t *p = s + MBR_PART_TABLE + i * MBR_PART_ENTRY_SIZE;
        if (p[0] != 0x00 && p[0] != 0x80)
            return false;
        used |= p[4] != 0;
    }
    return used;
}

/*
 * Finds the volume from sector 0 (in fs->bounce): sets fs->base and *avail, the sectors from
 * the base that belong to the volume's container (partition or device).
 */
static int find_volume(struct content_fat *fs, uint64_t *avail)
{
    const uint8_t *s = fs->bounce;

    if (s[BOOT_SIG_OFFSET] != 0x55 || s[BOOT_SIG_OFFSET + 1] != 0xaa) {
        log_error("fat: sector 0 has no 0x55aa signature: neither an MBR nor a FAT boot sector");
        return -EINVAL;
    }
    /* A boot sector with a plausible sector size is a volume; a jump with a zeroed BPB is how
     * some MBR boot code (GRUB's) starts, so such a sector counts as an MBR if it has one. */
    if (has_boot_jump(s) && (fat_le16(s + BPB_BYTES_PER_SEC) != 0 || !looks_like_mbr(s))) {
        fs->base = 0;
        *avail = fs->dev.sectors;
        return 0;
    }
    if (!looks_like_mbr(s)) {
        log_error("fat: sector 0 is neither a FAT boot sector nor an MBR with partitions");
        return -EINVAL;
    }
    for (int i = 0; i < MBR_PARTS; i++) {
        const uint8_t *p = s + MBR_PART_TABLE + i * MBR_PART_ENTRY_SIZE;
        uint64_t start = fat_le32(p + 8), size = fat_le32(p + 12);

        if (p[4] == MBR_TYPE_GPT) {
            log_error("fat: GPT disks are not supported (use an MBR partition table)");
            return -ENOTSUP;
        }
        if (!is_fat_partition(p[4]))
            continue;
        if (start == 0 || size == 0 || start + size > fs->dev.sectors) {
            log_error("fat: partition %d (type 0x%02x, start %llu, %llu sectors) does not fit the "
                      "device (%llu sectors)",
                      i + 1, p[4], (unsigned long long)start, (unsigned long long)size,
                      (unsigned long long)fs->dev.sectors);
            return -EINVAL;
        }
        fs->base = start;
        *avail = size;
        return 0;
    }
    log_error("fat: the MBR has no FAT partition (types 0x%02x 0x%02x 0x%02x 0x%02x)",
              s[MBR_PART_TABLE + 4], s[MBR_PART_TABLE + 20], s[MBR_PART_TABLE + 36],
              s[MBR_PART_TABLE + 52]);
    return -ENODEV;
}

/* Compares the boot sector's informational type string with the type the cluster count gives;
 * only a definite "FAT12"/"FAT16"/"FAT32" that disagrees is an error. */
static int check_type_string(const struct content_fat *fs, const uint8_t *label)
{
    char got[9];

    memcpy(got, label, 8);
    got[8] = '\0';
    if (memcmp(got, "FAT1", 4) != 0 && memcmp(got, "FAT3", 4) != 0)
        return 0;
    if (memcmp(got + 5, "   ", 3) != 0 || (got[4] != '2' && got[4] != '6'))
        return 0;
    if (strcmp(got, fs->type == 12 ? "FAT12   " : fs->type == 16 ? "FAT16   " : "FAT32   ") == 0)
        return 0;
    log_error("fat: %u clusters make the volume %s, but its boot sector says %s", fs->clusters,
              fat_name[fs->type], got);
    return -EINVAL;
}

/*
 * Validates the boot sector in fs->bounce (at fs->base, avail sectors available) and fills in
 * the geometry.  Every field is checked against fatgen and against the container's size.
 */
static int parse_bpb(struct content_fat *fs, uint64_t avail, uint64_t *fat_lba,
                     uint32_t *fat_sectors)
{
    const uint8_t *s = fs->bounce;
    uint32_t bps = fat_le16(s + BPB_BYTES_PER_SEC), spc = s[BPB_SEC_PER_CLUS];
    uint32_t reserved = fat_le16(s + BPB_RSVD_SEC_CNT), nfats = s[BPB_NUM_FATS];
    uint32_t root_entries = fat_le16(s + BPB_ROOT_ENT_CNT), media = s[BPB_MEDIA];
    uint32_t tot16 = fat_le16(s + BPB_TOT_SEC16), tot32 = fat_le32(s + BPB_TOT_SEC32);
    uint32_t fat16 = fat_le16(s + BPB_FAT_SZ16), fat32 = fat_le32(s + BPB32_FAT_SZ32);
    uint32_t total, fatsz, active = 0, root_sectors;
    uint64_t meta, fat_need;

    if (s[BOOT_SIG_OFFSET] != 0x55 || s[BOOT_SIG_OFFSET + 1] != 0xaa) {
        log_error("fat: boot sector at %llu has no 0x55aa signature", (unsigned long long)fs->base);
        return -EINVAL;
    }
    if (!has_boot_jump(s)) {
        log_error("fat: boot sector at %llu does not start with a jump (0x%02x)",
                  (unsigned long long)fs->base, s[0]);
        return -EINVAL;
    }
    if (bps != CONTENT_FAT_SECTOR_SIZE) {
        if (bps == 1024 || bps == 2048 || bps == 4096) {
            log_error("fat: %u-byte sectors are not supported (only 512)", bps);
            return -ENOTSUP;
        }
        log_error("fat: bytes per sector %u is invalid", bps);
        return -EINVAL;
    }
    if (spc == 0 || (spc & (spc - 1)) != 0) {
        log_error("fat: sectors per cluster %u is not a power of two", spc);
        return -EINVAL;
    }
    if (reserved == 0) {
        log_error("fat: reserved sector count is 0");
        return -EINVAL;
    }
    if (nfats < 1 || nfats > 2) {
        log_error("fat: %u FATs (expected 1 or 2)", nfats);
        return -EINVAL;
    }
    if (media != 0xf0 && media < 0xf8) {
        log_error("fat: media descriptor 0x%02x is invalid", media);
        return -EINVAL;
    }
    if (tot16 != 0 && tot32 != 0 && tot16 != tot32) {
        log_error("fat: the two total sector counts disagree (%u and %u)", tot16, tot32);
        return -EINVAL;
    }
    total = tot16 ? tot16 : tot32;
    if (total == 0) {
        log_error("fat: total sector count is 0");
        return -EINVAL;
    }
    if (total > avail) {
        log_error("fat: the volume has %u sectors but its %s has only %llu (truncated image?)",
                  total, fs->base ? "partition" : "device", (unsigned long long)avail);
        return -EINVAL;
    }
    fatsz = fat16 ? fat16 : fat32;
    if (fatsz == 0) {
        log_error("fat: FAT size is 0");
        return -EINVAL;
    }
    root_sectors =
        (root_entries * FAT_DIRENT_SIZE + CONTENT_FAT_SECTOR_SIZE - 1) / CONTENT_FAT_SECTOR_SIZE;
    meta = reserved + (uint64_t)nfats * fatsz + root_sectors;
    if (meta >= total) {
        log_error("fat: reserved sectors, FATs and root folder (%llu sectors) leave no data "
                  "clusters in %u sectors",
                  (unsigned long long)meta, total);
        return -EINVAL;
    }
    fs->clusters = (uint32_t)((total - meta) / spc);
    if (fs->clusters == 0) {
        log_error("fat: no data clusters (%u sectors per cluster, %llu data sectors)", spc,
                  (unsigned long long)(total - meta));
        return -EINVAL;
    }
    fs->type = fs->clusters <= FAT12_MAX_CLUSTERS   ? 12
               : fs->clusters <= FAT16_MAX_CLUSTERS ? 16
                                                    : 32;
    if (fs->type == 32) {
        if (fat16 != 0 || root_entries != 0) {
            log_error("fat: %u clusters make the volume FAT32, but the boot sector has a FAT12/16 "
                      "layout (FAT size %u, %u root entries)",
                      fs->clusters, fat16, root_entries);
            return -EINVAL;
        }
        if (fs->clusters > FAT32_MAX_CLUSTERS) {
            log_error("fat: %u clusters are too many for FAT32", fs->clusters);
            return -EINVAL;
        }
        if (fat_le16(s + BPB32_FS_VER) != 0) {
            log_error("fat: FAT32 version 0x%04x is not supported", fat_le16(s + BPB32_FS_VER));
            return -ENOTSUP;
        }
        if (fat_le16(s + BPB32_EXT_FLAGS) & FAT32_MIRROR_OFF) {
            active = fat_le16(s + BPB32_EXT_FLAGS) & FAT32_ACTIVE_FAT;
            if (active >= nfats) {
                log_error("fat: active FAT %u but the volume has %u", active, nfats);
                return -EINVAL;
            }
        }
        fs->root_cluster = fat_le32(s + BPB32_ROOT_CLUS);
        if (!fat_cluster_ok(fs, fs->root_cluster)) {
            log_error("fat: root folder cluster %u out of range (2..%u)", fs->root_cluster,
                      fs->clusters + 1);
            return -EINVAL;
        }
        if (s[BS32_BOOT_SIG] == EXT_BOOT_SIG && check_type_string(fs, s + BS32_FIL_SYS_TYPE) < 0)
            return -EINVAL;
        fat_need = ((uint64_t)fs->clusters + 2) * 4;
    } else {
        if (root_entries == 0) {
            log_error("fat: %u clusters make the volume %s, but it has no root folder entries",
                      fs->clusters, fat_name[fs->type]);
            return -EINVAL;
        }
        if (fat16 == 0) {
            log_error("fat: %u clusters make the volume %s, but its FAT size is in the FAT32 field",
                      fs->clusters, fat_name[fs->type]);
            return -EINVAL;
        }
        if (s[BS16_BOOT_SIG] == EXT_BOOT_SIG && check_type_string(fs, s + BS16_FIL_SYS_TYPE) < 0)
            return -EINVAL;
        fat_need = fs->type == 16 ? ((uint64_t)fs->clusters + 2) * 2
                                  : (((uint64_t)fs->clusters + 2) * 3 + 1) / 2;
    }
    if (fat_need > (uint64_t)fatsz * CONTENT_FAT_SECTOR_SIZE) {
        log_error("fat: the FAT (%u sectors) is too small for %u clusters", fatsz, fs->clusters);
        return -EINVAL;
    }
    *fat_sectors = (uint32_t)((fat_need + CONTENT_FAT_SECTOR_SIZE - 1) / CONTENT_FAT_SECTOR_SIZE);
    if ((uint64_t)*fat_sectors * CONTENT_FAT_SECTOR_SIZE > CONTENT_FAT_MAX_FAT_BYTES) {
        log_error("fat: the FAT takes %u sectors, more than this reader keeps in memory (%u bytes)",
                  *fat_sectors, CONTENT_FAT_MAX_FAT_BYTES);
        return -ENOTSUP;
    }
    fs->spc = spc;
    fs->cluster_bytes = spc * CONTENT_FAT_SECTOR_SIZE;
    fs->root_entries = root_entries;
    fs->root_sectors = root_sectors;
    *fat_lba = fs->base + reserved + (uint64_t)active * fatsz;
    fs->root_lba = fs->base + reserved + (uint64_t)nfats * fatsz;
    fs->data_lba = fs->root_lba + root_sectors;
    return 0;
}

int content_fat_mount(const struct content_fat_dev *dev, struct content_fat **out)
{
    struct content_fat *fs;
    uint64_t avail, fat_lba;
    uint32_t fat_sectors;
    int rc;

    *out = NULL;
    if (dev->read == NULL || dev->sectors == 0) {
        log_error("fat: no device or an empty one");
        return -EINVAL;
    }
    fs = calloc(1, sizeof(*fs));
    if (fs == NULL)
        goto nomem;
    fs->dev = *dev;
    rc = content_fat_dev_read(fs, 0, 1, fs->bounce);
    if (rc < 0)
        goto fail;
    rc = find_volume(fs, &avail);
    if (rc < 0)
        goto fail;
    if (fs->base != 0) {
        rc = content_fat_dev_read(fs, fs->base, 1, fs->bounce);
        if (rc < 0)
            goto fail;
    }
    rc = parse_bpb(fs, avail, &fat_lba, &fat_sectors);
    if (rc < 0)
        goto fail;

    fs->fat = malloc((size_t)fat_sectors * CONTENT_FAT_SECTOR_SIZE);
    fs->used = calloc(1, fs->clusters / 8 + 1);
    fs->dirbuf = malloc(fs->cluster_bytes);
    if (fs->fat == NULL || fs->used == NULL || fs->dirbuf == NULL)
        goto nomem;
    rc = content_fat_dev_read(fs, fat_lba, fat_sectors, fs->fat);
    if (rc < 0)
        goto fail;

    log_info("fat: %s volume at sector %llu, %llu KiB, %u clusters of %u bytes", fat_name[fs->type],
             (unsigned long long)fs->base,
             (unsigned long long)fs->clusters * fs->cluster_bytes / 1024, fs->clusters,
             fs->cluster_bytes);
    *out = fs;
    return 0;

nomem:
    log_error("fat: out of memory mounting the volume");
    rc = -ENOMEM;
fail:
    content_fat_unmount(fs);
    return rc;
}

void content_fat_unmount(struct content_fat *fs)
{
    if (fs == NULL)
        return;
    free(fs->fat);
    free(fs->used);
    free(fs->dirbuf);
    free(fs);
}
