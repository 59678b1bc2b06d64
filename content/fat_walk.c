/*
 * FAT reader, part 2: the depth-first walk over folders, with long (VFAT) and 8.3 names.
 *
 * The walk keeps one cluster of folder entries in memory (fs->dirbuf) whatever the depth: when
 * it enters a subfolder it remembers where it was in the parent, and reads that cluster again
 * when it comes back (one extra read per subfolder).  Every folder and file cluster it meets is
 * marked in fs->used, so a loop, a cross-link or a folder that contains its own ancestor ends at
 * the first cluster seen twice: the walk reads each cluster of the volume at most once (plus
 * those re-reads).
 *
 * References: fatgen103 "FAT Directory Structure" and "FAT Long Directory Entries"; the lowercase
 * flags in byte 12 (DIR_NTRes) are Windows NT's, also written by mtools and Linux.
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

/* Short directory entry fields. */
#define DIR_NAME         0 /* 11 bytes: 8-byte base, 3-byte extension, space padded */
#define DIR_ATTR         11
#define DIR_NTRES        12 /* lowercase flags below */
#define DIR_FST_CLUS_HI  20 /* FAT32 only */
#define DIR_WRT_TIME     22
#define DIR_WRT_DATE     24
#define DIR_FST_CLUS_LO  26
#define DIR_FILE_SIZE    28
#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT  0x10
#define DIRENT_FREE_END  0x00 /* DIR_Name[0]: this and all later entries are free */
#define DIRENT_DELETED   0xe5 /* DIR_Name[0]: entry is free */
#define DIRENT_KANJI_E5  0x05 /* DIR_Name[0]: stands for a real first byte 0xe5 */

/* Long-name entry fields. */
#define LDIR_ORD         0
#define LDIR_TYPE        12 /* 0 for name pieces */
#define LDIR_CHKSUM      13
#define LDIR_FST_CLUS_LO 26   /* must be 0 */
#define LDIR_LAST        0x40 /* LDIR_Ord: the last piece, which comes first on disk */
#define LDIR_SEQ_MASK    0x1f
#define LFN_UNITS        13 /* UCS-2 units in one piece */
#define LFN_MAX_PIECES   20 /* 20 * 13 >= 255 units, the longest name */
#define LFN_MAX_LEN      255

/* One folder on the walk's stack. */
struct level {
    uint32_t first;    /* first cluster; 0 for the fixed root folder of FAT12/16 */
    uint32_t cluster;  /* cluster whose entries are being visited (unused for the fixed root) */
    uint32_t chunk;    /* index of that cluster in the folder (fixed root: cluster-sized chunk) */
    uint32_t count;    /* entries in the chunk */
    uint32_t entry;    /* next entry to visit in the chunk */
    uint32_t path_len; /* bytes of the folder's path in walk.path, trailing '/' included */
    bool loaded;       /* the chunk is in fs->dirbuf (a subfolder's walk overwrites it) */
    bool done;         /* no entries left */
};

struct walk {
    content_fat_walk_fn fn; /* the caller's callback and its argument */
    void *arg;
    unsigned depth;                           /* index of the current folder in lv[] */
    uint32_t files;                           /* files reported so far */
    struct level lv[CONTENT_MAX_DEPTH + 1];   /* lv[0] is the root folder */
    char path[CONTENT_MAX_PATH];              /* current folder's path, then an entry's name */
    uint16_t lfn[LFN_MAX_PIECES * LFN_UNITS]; /* long name gathered from its pieces */
    unsigned lfn_pieces;                      /* pieces the long name announced; 0: none */
    unsigned lfn_next;                        /* sequence number of the next piece; 0: all in */
    uint8_t lfn_sum;                          /* checksum of the 8.3 name, from the pieces */
    bool lfn_broken;                          /* pieces were dropped since the last entry */
};

static uint32_t entry_cluster(const struct content_fat *fs, const uint8_t *e)
{
    uint32_t c = fat_le16(e + DIR_FST_CLUS_LO);
    /* FAT12/16 keep other data (OS/2 extended attributes) in the high word: ignore it. */
    if (fs->type == 32)
        c |= (uint32_t)fat_le16(e + DIR_FST_CLUS_HI) << 16;
    return c;
}

/* The folder's path, NUL-terminated, for log lines (ends in '/'). */
static const char *folder_path(struct walk *w, const struct level *lv)
{
    w->path[lv->path_len] = '\0';
    return w->path;
}

static void lfn_reset(struct walk *w)
{
    w->lfn_pieces = 0;
    w->lfn_next = 0;
    w->lfn_broken = false;
}

/* Drops a long name that went wrong; the 8.3 entry it belonged to will say so. */
static void lfn_drop(struct walk *w)
{
    lfn_reset(w);
    w->lfn_broken = true;
}

/* Adds one long-name piece; an out-of-sequence or malformed piece drops the whole name. */
static void lfn_add(struct walk *w, const uint8_t *e)
{
    static const uint8_t offs[LFN_UNITS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    unsigned ord = e[LDIR_ORD], seq = ord & LDIR_SEQ_MASK;
    uint16_t *dst;

    if (e[LDIR_TYPE] != 0 || fat_le16(e + LDIR_FST_CLUS_LO) != 0 || seq == 0 ||
        seq > LFN_MAX_PIECES || (ord & ~(LDIR_LAST | LDIR_SEQ_MASK)) != 0) {
        lfn_drop(w);
        return;
    }
    if (ord & LDIR_LAST) {
        /* A new name starts here; an unfinished one before it is dropped. */
        if (w->lfn_next != 0)
            w->lfn_broken = true;
        w->lfn_pieces = seq;
        w->lfn_sum = e[LDIR_CHKSUM];
    } else if (w->lfn_next == 0 || seq != w->lfn_next || e[LDIR_CHKSUM] != w->lfn_sum) {
        lfn_drop(w);
        return;
    }
    dst = w->lfn + (seq - 1) * LFN_UNITS;
    for (int i = 0; i < LFN_UNITS; i++)
        dst[i] = fat_le16(e + offs[i]);
    w->lfn_next = seq - 1;
}

/* fatgen "Checksum generation": the 8.3 name's checksum stored in every long-name piece. */
static uint8_t lfn_checksum(const uint8_t *e)
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + e[DIR_NAME + i]);
    return sum;
}

/* Characters no FAT name may contain (Linux's vfat_bad_char, fatgen): they would also break
 * paths ('/', '\\') or URLs. */
static bool lfn_char_ok(uint32_t u)
{
    return u >= 0x20 && (u >= 0x80 || memchr("\"*/:<>?\\|", (int)u, 9) == NULL);
}

/*
 * Writes the gathered long name as UTF-8 into dst (room bytes, NUL included).  Returns its
 * length, -ENAMETOOLONG, or -EINVAL for an empty, "." or "..", or invalid name (control or
 * reserved characters, unpaired UTF-16 surrogates).
 */
static int lfn_to_utf8(const struct walk *w, char *dst, size_t room)
{
    unsigned len = 0, max = w->lfn_pieces * LFN_UNITS;
    size_t o = 0;

    while (len < max && w->lfn[len] != 0)
        len++;
    if (len == 0 || len > LFN_MAX_LEN)
        return -EINVAL;
    for (unsigned i = 0; i < len; i++) {
        uint32_t u = w->lfn[i];
        size_t n;

        if (u >= 0xd800 && u <= 0xdbff && i + 1 < len && w->lfn[i + 1] >= 0xdc00 &&
            w->lfn[i + 1] <= 0xdfff) {
            u = 0x10000 + ((u - 0xd800) << 10) + (w->lfn[++i] - 0xdc00u);
        } else if (u >= 0xd800 && u <= 0xdfff) {
            return -EINVAL;
        }
        if (!lfn_char_ok(u))
            return -EINVAL;
        n = u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : 4;
        if (o + n >= room)
            return -ENAMETOOLONG;
        switch (n) {
        case 1:
            dst[o] = (char)u;
            break;
        case 2:
            dst[o] = (char)(0xc0 | u >> 6);
            dst[o + 1] = (char)(0x80 | (u & 0x3f));
            break;
        case 3:
            dst[o] = (char)(0xe0 | u >> 12);
            dst[o + 1] = (char)(0x80 | ((u >> 6) & 0x3f));
            dst[o + 2] = (char)(0x80 | (u & 0x3f));
            break;
        default:
            dst[o] = (char)(0xf0 | u >> 18);
            dst[o + 1] = (char)(0x80 | ((u >> 12) & 0x3f));
            dst[o + 2] = (char)(0x80 | ((u >> 6) & 0x3f));
            dst[o + 3] = (char)(0x80 | (u & 0x3f));
            break;
        }
        o += n;
    }
    dst[o] = '\0';
    if ((o == 1 && dst[0] == '.') || (o == 2 && dst[0] == '.' && dst[1] == '.'))
        return -EINVAL;
    return (int)o;
}

/* fatgen "File and Directory Name Rules" for 8.3 names; lowercase is tolerated. */
static bool short_char_ok(uint8_t c)
{
    return c >= 0x20 && c != 0x7f && memchr("\"*+,./:;<=>?[\\]|", c, 16) == NULL;
}

/*
 * Writes the 8.3 name of entry e as "base.ext" into dst (room bytes, NUL included), lowercasing
 * base and extension when DIR_NTRes says so.  Returns its length, -ENAMETOOLONG, -EINVAL for an
 * invalid name, or -ERANGE for a non-ASCII one (its OEM code page is unknown).
 */
static int short_name(const uint8_t *e, char *dst, size_t room)
{
    char name[12];
    int base = 8, ext = 3, n = 0;

    while (base > 0 && e[DIR_NAME + base - 1] == ' ')
        base--;
    while (ext > 0 && e[DIR_NAME + 8 + ext - 1] == ' ')
        ext--;
    if (base == 0)
        return -EINVAL;
    for (int i = 0; i < base + ext; i++) {
        int at = i < base ? i : 8 + i - base; /* offset in DIR_Name */
        uint8_t c = e[DIR_NAME + at];
        uint8_t lower = at < 8 ? NTRES_LOWER_BASE : NTRES_LOWER_EXT;

        if (i == base)
            name[n++] = '.';
        if (c >= 0x80 || (at == 0 && c == DIRENT_KANJI_E5))
            return -ERANGE;
        if (!short_char_ok(c))
            return -EINVAL;
        if (c >= 'A' && c <= 'Z' && (e[DIR_NTRES] & lower))
            c = (uint8_t)(c - 'A' + 'a');
        name[n++] = (char)c;
    }
    if ((size_t)n >= room)
        return -ENAMETOOLONG;
    memcpy(dst, name, (size_t)n);
    dst[n] = '\0';
    return n;
}

static bool is_dot_entry(const uint8_t *e)
{
    return e[0] == '.' && (memcmp(e + 1, "          ", 10) == 0 ||
                           (e[1] == '.' && memcmp(e + 2, "         ", 9) == 0));
}

/*
 * Puts the name of short entry e (with the long name gathered before it, if any) after the
 * folder's path.  Returns the full path's length, or -1 when the entry is skipped (logged).
 */
static int entry_name(struct walk *w, const struct level *lv, const uint8_t *e, uint32_t index)
{
    char *dst = w->path + lv->path_len;
    size_t room = CONTENT_MAX_PATH - lv->path_len;
    const char *why = NULL;
    int n;

    if (w->lfn_pieces == 0 && w->lfn_broken) {
        why = "its long name is incomplete";
    } else if (w->lfn_pieces != 0) {
        if (w->lfn_next != 0) {
            why = "its long name is incomplete";
        } else if (lfn_checksum(e) != w->lfn_sum) {
            why = "its long name does not match the 8.3 entry";
        } else {
            n = lfn_to_utf8(w, dst, room);
            if (n >= 0)
                return (int)lv->path_len + n;
            if (n == -ENAMETOOLONG)
                goto too_long;
            why = "its long name has invalid characters";
        }
    }
    n = short_name(e, dst, room);
    if (n == -ENAMETOOLONG)
        goto too_long;
    if (n == -ERANGE) {
        log_error("fat: %s: entry %u has a non-ASCII 8.3 name and no usable long name, skipped",
                  folder_path(w, lv), index);
        return -1;
    }
    if (n < 0) {
        log_error("fat: %s: entry %u has an invalid 8.3 name, skipped", folder_path(w, lv), index);
        return -1;
    }
    if (why)
        log_warn("fat: %s: %s; using the 8.3 name", w->path, why);
    return (int)lv->path_len + n;

too_long:
    log_error("fat: %s: entry %u makes a path longer than %u bytes, skipped", folder_path(w, lv),
              index, CONTENT_MAX_PATH - 1);
    return -1;
}

/* Pushes the subfolder of entry e, whose path (len bytes) is in w->path. */
static void enter(struct content_fat *fs, struct walk *w, const uint8_t *e, int len)
{
    uint32_t c = entry_cluster(fs, e);
    struct level *child;

    if (w->depth >= CONTENT_MAX_DEPTH) {
        log_error("fat: %s: folder deeper than %u levels, skipped", w->path, CONTENT_MAX_DEPTH);
        return;
    }
    if ((size_t)len + 2 > CONTENT_MAX_PATH) {
        log_error("fat: %s: folder path too long for its files, skipped", w->path);
        return;
    }
    if (!fat_cluster_ok(fs, c)) {
        log_error("fat: %s: folder cluster %u out of range (2..%u), skipped", w->path, c,
                  fs->clusters + 1);
        return;
    }
    if (!fat_claim(fs, c)) {
        log_error("fat: %s: folder cluster %u was seen before (a loop or cross-link), skipped",
                  w->path, c);
        return;
    }
    w->path[len] = '/';
    w->path[len + 1] = '\0';
    w->lv[w->depth].loaded = false;
    child = &w->lv[++w->depth];
    memset(child, 0, sizeof(*child));
    child->first = child->cluster = c;
    child->path_len = (uint32_t)len + 1;
}

/* Checks the file of entry e, whose path (len bytes) is in w->path, and reports it. */
static int report(struct content_fat *fs, struct walk *w, const uint8_t *e, int len)
{
    struct content_fat_file f;
    uint32_t first = entry_cluster(fs, e), size = fat_le32(e + DIR_FILE_SIZE);
    int rc;

    if (content_fat_chain_check(fs, w->path, first, size, true) < 0)
        return 0;
    if (w->files >= CONTENT_MAX_FILES) {
        log_error("fat: more than %u files: %s and the rest are not served", CONTENT_MAX_FILES,
                  w->path);
        return -ENOSPC;
    }
    w->files++;
    f.path = w->path;
    f.path_len = (size_t)len;
    f.size = size;
    f.mtime = content_fat_time(fat_le16(e + DIR_WRT_DATE), fat_le16(e + DIR_WRT_TIME));
    f.handle.first_cluster = size ? first : 0;
    f.handle.size = size;
    rc = w->fn(w->arg, &f);
    return rc < 0 ? rc : 0;
}

/* Visits one in-use entry (index counts from the folder's start, for log lines). */
static int visit(struct content_fat *fs, struct walk *w, const uint8_t *e, uint32_t index)
{
    const struct level *lv = &w->lv[w->depth];
    uint8_t attr = e[DIR_ATTR];
    int len;

    if (e[0] == DIRENT_DELETED) {
        lfn_reset(w);
        return 0;
    }
    if ((attr & FAT_ATTR_LFN_MASK) == FAT_ATTR_LFN) {
        lfn_add(w, e);
        return 0;
    }
    if ((attr & FAT_ATTR_VOLUME_ID) || is_dot_entry(e)) {
        lfn_reset(w);
        return 0;
    }
    len = entry_name(w, lv, e, index);
    lfn_reset(w);
    if (len < 0)
        return 0;
    if (attr & FAT_ATTR_DIRECTORY) {
        enter(fs, w, e, len);
        return 0;
    }
    return report(fs, w, e, len);
}

/* Reads the current chunk of folder lv into fs->dirbuf. */
static int load_chunk(struct content_fat *fs, struct level *lv)
{
    uint32_t per_chunk = fs->cluster_bytes / FAT_DIRENT_SIZE, sectors;
    uint64_t lba;
    int rc;

    if (lv->first == 0) {
        /* next_chunk() keeps chunk * per_chunk < root_entries. */
        uint32_t left = fs->root_entries - lv->chunk * per_chunk;
        lv->count = left < per_chunk ? left : per_chunk;
        sectors =
            (lv->count * FAT_DIRENT_SIZE + CONTENT_FAT_SECTOR_SIZE - 1) / CONTENT_FAT_SECTOR_SIZE;
        lba = fs->root_lba + (uint64_t)lv->chunk * fs->spc;
    } else {
        lv->count = per_chunk;
        sectors = fs->spc;
        lba = fat_cluster_lba(fs, lv->cluster);
    }
    rc = content_fat_dev_read(fs, lba, sectors, fs->dirbuf);
    if (rc < 0)
        return rc;
    lv->loaded = true;
    return 0;
}

/* Moves folder lv to its next chunk, or marks it done (logging a broken chain). */
static void next_chunk(struct content_fat *fs, struct walk *w, struct level *lv)
{
    uint32_t per_chunk = fs->cluster_bytes / FAT_DIRENT_SIZE, next;
    enum fat_next kind;

    lv->entry = 0;
    lv->loaded = false;
    if (lv->first == 0) {
        lv->chunk++;
        lv->done = (uint64_t)lv->chunk * per_chunk >= fs->root_entries;
        return;
    }
    lv->done = true;
    kind = content_fat_next(fs, lv->cluster, &next);
    if (kind == FAT_NEXT_END)
        return;
    if (kind != FAT_NEXT_DATA) {
        log_error("fat: %s: the folder's chain %s (entry 0x%x after cluster %u); rest skipped",
                  folder_path(w, lv),
                  kind == FAT_NEXT_FREE  ? "runs into a free cluster"
                  : kind == FAT_NEXT_BAD ? "runs into a bad cluster"
                                         : "points out of range",
                  next, lv->cluster);
        return;
    }
    if ((uint64_t)(lv->chunk + 1) * per_chunk >= CONTENT_FAT_MAX_DIR_ENTRIES) {
        log_error("fat: %s: folder longer than %u entries; rest skipped", folder_path(w, lv),
                  CONTENT_FAT_MAX_DIR_ENTRIES);
        return;
    }
    if (!fat_claim(fs, next)) {
        log_error("fat: %s: the folder's chain loops or is cross-linked at cluster %u; rest "
                  "skipped",
                  folder_path(w, lv), next);
        return;
    }
    lv->done = false;
    lv->cluster = next;
    lv->chunk++;
}

static int run(struct content_fat *fs, struct walk *w)
{
    uint32_t per_chunk = fs->cluster_bytes / FAT_DIRENT_SIZE;

    for (;;) {
        struct level *lv = &w->lv[w->depth];
        const uint8_t *e;
        int rc;

        if (lv->done) {
            if (w->depth == 0)
                return 0;
            w->depth--; /* the parent reloads its chunk: lv->loaded was cleared by enter() */
            lfn_reset(w);
            continue;
        }
        if (!lv->loaded) {
            rc = load_chunk(fs, lv);
            if (rc < 0)
                return rc;
        }
        if (lv->entry == lv->count) {
            next_chunk(fs, w, lv);
            continue;
        }
        e = fs->dirbuf + (size_t)lv->entry * FAT_DIRENT_SIZE;
        lv->entry++;
        if (e[0] == DIRENT_FREE_END) {
            lv->done = true;
            continue;
        }
        rc = visit(fs, w, e, lv->chunk * per_chunk + lv->entry - 1);
        if (rc < 0)
            return rc;
    }
}

int content_fat_walk(struct content_fat *fs, content_fat_walk_fn fn, void *arg)
{
    struct walk *w = calloc(1, sizeof(*w));
    int rc;

    if (w == NULL) {
        log_error("fat: out of memory for the walk");
        return -ENOMEM;
    }
    memset(fs->used, 0, fs->clusters / 8 + 1);
    w->fn = fn;
    w->arg = arg;
    w->path[0] = '/';
    w->lv[0].path_len = 1;
    if (fs->type == 32) {
        w->lv[0].first = w->lv[0].cluster = fs->root_cluster;
        (void)fat_claim(fs, fs->root_cluster); /* the first claim: it cannot fail */
    }
    rc = run(fs, w);
    free(w);
    return rc;
}
