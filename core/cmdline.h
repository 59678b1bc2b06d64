/*
 * Kernel command line parser: space-separated `key=value` tokens (and bare `key` for booleans)
 * parsed into a caller's struct, driven by a table of options.
 *
 * Each table entry names a key, its type and the field (offset and size) it fills; the
 * CORE_CMDLINE_FIELD and CORE_CMDLINE_LIST_FIELD macros compute offsets and sizes from the
 * struct, so a table cannot disagree with the struct it describes.  core/config.c holds the
 * table of every key Toril knows.
 *
 * The command line is hostile input (whoever starts the VM writes it), so:
 *   - only the first CORE_CMDLINE_MAX - 1 bytes are parsed (what boot_info keeps); a longer
 *     line is an error, and the token the limit cuts is dropped rather than parsed in part;
 *   - tokens are separated by spaces, tabs, CR or LF; quotes have no meaning;
 *   - keys match exactly (case-sensitive); an unknown key is logged with log_warn and ignored
 *     (other consumers, e.g. QEMU, may add keys of their own);
 *   - a value that does not parse, is out of range or too long is logged with log_error naming
 *     the key and the value; the field keeps the value it had (its default, or an earlier valid
 *     occurrence of the same key); an empty value (`key=`) is invalid for every type;
 *   - a repeated key: the last valid occurrence wins, silently, except LIST keys, which append;
 *   - a token without a key (`=x`) is an error; a bare key is `key=on` for BOOL, an error
 *     for every other type;
 *   - logged keys and values are cut to 64 bytes, non-printable bytes shown as '?'.
 */
#ifndef CORE_CMDLINE_H
#define CORE_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum core_cmdline_type {
    /* Unsigned integer: decimal (leading zeros allowed, never octal) or 0x/0X hex, checked
     * against [min, max].  The field is an unsigned integer or an enum of 1, 2, 4 or 8 bytes. */
    CORE_CMDLINE_UINT,
    /* on|off|yes|no|1|0|true|false (lowercase), or a bare key for true.  The field is a bool. */
    CORE_CMDLINE_BOOL,
    /* One of `names`; the field (an enum of 1, 2, 4 or 8 bytes) gets the name's index. */
    CORE_CMDLINE_ENUM,
    /* Printable ASCII (0x21..0x7e), at most size - 1 bytes.  The field is a char[size],
     * NUL-terminated after a successful parse. */
    CORE_CMDLINE_STRING,
    /* a.b.c.d: exactly four decimal octets 0..255 without leading zeros.  The field is a
     * uint32_t in host byte order (10.0.2.15 is 0x0a00020f). */
    CORE_CMDLINE_IPV4,
    /* a.b.c.d/N, N in 0..32 without leading zeros; host bits may be set (an interface
     * address with its netmask).  The field is a struct core_ipv4_prefix. */
    CORE_CMDLINE_IPV4_PREFIX,
    /* <size>@<base>:<irq>[:<id>], as QEMU's microvm and Linux's virtio_mmio.device= write it:
     * size decimal or 0x hex with an optional K/k or M/m suffix, not 0; base 0x hex;
     * base + size must not overflow; irq and id decimal (32 bits).  The field is a
     * struct core_virtio_mmio. */
    CORE_CMDLINE_VIRTIO_MMIO,
    /* A repeated key: each occurrence parses one element of type `elem` (any type above) and
     * appends it to an array of max_items elements with an unsigned count.  An occurrence
     * that does not fit is an error and is dropped. */
    CORE_CMDLINE_LIST,
};

/* An IPv4 interface address with its prefix length. */
struct core_ipv4_prefix {
    uint32_t addr; /* host byte order */
    uint8_t len;   /* prefix length, 0..32 */
};

/* One virtio_mmio.device= entry: a virtio-mmio transport the command line announces. */
struct core_virtio_mmio {
    uint64_t base; /* physical address of the register window */
    uint64_t size; /* bytes of the window, > 0, base + size does not wrap */
    uint32_t irq;  /* GSI of its interrupt; not checked against the IOAPICs, the driver must */
    uint32_t id;   /* the optional platform device id, 0 when absent */
    bool has_id;   /* whether the entry had an id */
};

/* One key of the table.  Unused parameters stay zero. */
struct core_cmdline_opt {
    const char *name; /* the key, e.g. "http_port" */
    enum core_cmdline_type type;
    size_t offset;            /* of the field in the struct (LIST: of the array) */
    size_t size;              /* of the field (LIST: of one element) */
    uint64_t min, max;        /* UINT (also as LIST elem): accepted range, inclusive */
    const char *const *names; /* ENUM: names indexed by value, NULL-terminated, no gaps */
    /* Optional: a word accepted instead of a value of the type (e.g. "dhcp" for an address).
     * The word sets the bool at word_flag to true and leaves the field alone; a valid value
     * sets the field and the flag to false.  Not for LIST. */
    const char *word;
    size_t word_flag;
    enum core_cmdline_type elem; /* LIST: type of one element (not LIST) */
    size_t count_offset;         /* LIST: offset of the unsigned count of elements */
    unsigned max_items;          /* LIST: capacity of the array */
};

/* Offset and size of `member` of `type`, for a table entry. */
#define CORE_CMDLINE_FIELD(type, member)                                                           \
    .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

/* A LIST entry's array `array` and its unsigned `count`, members of `type`. */
#define CORE_CMDLINE_LIST_FIELD(type, array, count)                                                \
    .offset = offsetof(type, array), .size = sizeof(((type *)0)->array[0]),                        \
    .count_offset = offsetof(type, count),                                                         \
    .max_items = sizeof(((type *)0)->array) / sizeof(((type *)0)->array[0])

/*
 * Parse `line` (NUL-terminated, may be NULL for none) into `out`, whose fields must already
 * hold their defaults, with the table `opts` of `nopts` entries.  Only the fields of keys that
 * occur with valid values are written (and LIST counts).
 *
 * Context: boot or a host test; does not block; not reentrant for the same `out`.  Logs
 * every problem (see the top of this file).  A table that contradicts itself (a size the type
 * cannot have, a range that does not fit the field) is a bug: panic.
 *
 * Returns the number of errors (0 when every token was applied or was an unknown key).
 */
int core_cmdline_parse(const char *line, const struct core_cmdline_opt *opts, size_t nopts,
                       void *out);

/* One table of keys and the struct it fills (for parsing with several tables at once). */
struct core_cmdline_table {
    const struct core_cmdline_opt *opts;
    size_t nopts;
    void *out;
};

/*
 * core_cmdline_parse() with several tables, each filling its own struct: each token goes to
 * the table that has its key; a key none has is unknown (a warning).  A key in two tables is a
 * bug: panic.  Same context and return value as core_cmdline_parse().
 */
int core_cmdline_parse_tables(const char *line, const struct core_cmdline_table *tables,
                              size_t ntables);

#endif
