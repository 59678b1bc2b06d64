/*
 * Kernel command line parser (see cmdline.h for the rules).
 *
 * Tokens are never copied: every parser takes a pointer and a length into the line and reads
 * nothing outside them, and writes its field only after the whole value has been checked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cmdline.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/panic.h"

#define SHOW_MAX 64 /* bytes of a key or value quoted in a log line */

enum num_base {
    NUM_DEC, /* decimal only */
    NUM_HEX, /* 0x or 0X, then hex digits */
    NUM_ANY, /* either */
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Printable ASCII other than space: 0x21..0x7e. */
static bool is_printable(char c)
{
    return (unsigned char)c > ' ' && (unsigned char)c < 0x7f;
}

static bool equals(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Largest value a field of `size` bytes holds (size is 1, 2, 4 or 8). */
static uint64_t width_max(size_t size)
{
    return size == 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

/* Write `v` into the unsigned field of `size` bytes at `dst` (v fits: check_opt made sure). */
static void store_uint(void *dst, size_t size, uint64_t v)
{
    uint8_t u8 = (uint8_t)v;
    uint16_t u16 = (uint16_t)v;
    uint32_t u32 = (uint32_t)v;

    switch (size) {
    case 1:
        memcpy(dst, &u8, 1);
        break;
    case 2:
        memcpy(dst, &u16, 2);
        break;
    case 4:
        memcpy(dst, &u32, 4);
        break;
    case 8:
        memcpy(dst, &v, 8);
        break;
    default:
        panic("%s: field size %zu", __func__, size);
    }
}

/* Copy s[0..n) for a log line: at most SHOW_MAX bytes, non-printable bytes as '?', "..." when
 * cut.  `buf` holds SHOW_MAX + 4 bytes. */
static const char *show(char *buf, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && i < SHOW_MAX; i++)
        buf[i] = is_printable(s[i]) ? s[i] : '?';
    if (n > SHOW_MAX) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

/* A number in the given base.  -EINVAL for anything but digits, -ERANGE past 64 bits. */
static int parse_num(const char *s, size_t n, enum num_base base, uint64_t *out)
{
    bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    bool overflow = false;
    uint64_t v = 0;

    if ((hex && base == NUM_DEC) || (!hex && base == NUM_HEX))
        return -EINVAL;
    if (hex) {
        s += 2;
        n -= 2;
    }
    if (n == 0)
        return -EINVAL;
    unsigned radix = hex ? 16 : 10;
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        if (is_digit(s[i]))
            d = (unsigned)(s[i] - '0');
        else if (hex && s[i] >= 'a' && s[i] <= 'f')
            d = (unsigned)(s[i] - 'a' + 10);
        else if (hex && s[i] >= 'A' && s[i] <= 'F')
            d = (unsigned)(s[i] - 'A' + 10);
        else
            return -EINVAL;
        if (v > (UINT64_MAX - d) / radix)
            overflow = true;
        v = v * radix + d;
    }
    if (overflow)
        return -ERANGE;
    *out = v;
    return 0;
}

/* A decimal number that fits 32 bits. */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v;
    int err = parse_num(s, n, NUM_DEC, &v);

    if (err)
        return err;
    if (v > UINT32_MAX)
        return -ERANGE;
    *out = (uint32_t)v;
    return 0;
}

/* A decimal number of 1..max_digits digits, no leading zero (but "0" itself). */
static int parse_strict_dec(const char *s, size_t n, size_t max_digits, unsigned *out)
{
    unsigned v = 0;

    if (n == 0 || n > max_digits || (s[0] == '0' && n > 1))
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -EINVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_ipv4(const char *s, size_t n, uint32_t *out)
{
    uint32_t addr = 0;
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return -EINVAL;
            i++;
        }
        size_t start = i;
        while (i < n && s[i] != '.')
            i++;
        unsigned octet;
        if (parse_strict_dec(s + start, i - start, 3, &octet) || octet > 255)
            return -EINVAL;
        addr = addr << 8 | octet;
    }
    if (i != n)
        return -EINVAL;
    *out = addr;
    return 0;
}

static int parse_ipv4_prefix(const char *s, size_t n, struct core_ipv4_prefix *out)
{
    const char *slash = memchr(s, '/', n);
    uint32_t addr;
    unsigned len;

    if (!slash)
        return -EINVAL;
    size_t alen = (size_t)(slash - s);
    if (parse_ipv4(s, alen, &addr) || parse_strict_dec(slash + 1, n - alen - 1, 2, &len) ||
        len > 32)
        return -EINVAL;
    out->addr = addr;
    out->len = (uint8_t)len;
    return 0;
}

/* <size>[K|M]@<0xbase>:<irq>[:<id>] */
static int parse_virtio_mmio(const char *s, size_t n, struct core_virtio_mmio *out)
{
    const char *end = s + n;
    const char *at = memchr(s, '@', n);
    if (!at)
        return -EINVAL;
    const char *colon = memchr(at, ':', (size_t)(end - at));
    if (!colon)
        return -EINVAL;
    const char *colon2 = memchr(colon + 1, ':', (size_t)(end - colon - 1));
    const char *irq_end = colon2 ? colon2 : end;

    struct core_virtio_mmio m = {0};
    size_t slen = (size_t)(at - s);
    unsigned shift = 0;
    if (slen > 0 && (s[slen - 1] == 'K' || s[slen - 1] == 'k'))
        shift = 10, slen--;
    else if (slen > 0 && (s[slen - 1] == 'M' || s[slen - 1] == 'm'))
        shift = 20, slen--;
    if (parse_num(s, slen, NUM_ANY, &m.size) || m.size == 0 || m.size > (UINT64_MAX >> shift))
        return -EINVAL;
    m.size <<= shift;
    if (parse_num(at + 1, (size_t)(colon - at - 1), NUM_HEX, &m.base) ||
        m.base > UINT64_MAX - m.size)
        return -EINVAL;
    if (parse_u32(colon + 1, (size_t)(irq_end - colon - 1), &m.irq))
        return -EINVAL;
    if (colon2) {
        if (parse_u32(colon2 + 1, (size_t)(end - colon2 - 1), &m.id))
            return -EINVAL;
        m.has_id = true;
    }
    *out = m;
    return 0;
}

/* Parse one value of type `t` for option `o` into `dst`; dst is written only on success. */
static int parse_value(const struct core_cmdline_opt *o, enum core_cmdline_type t, const char *s,
                       size_t n, void *dst)
{
    static const char *const bool_true[] = {"on", "yes", "1", "true"};
    static const char *const bool_false[] = {"off", "no", "0", "false"};
    uint64_t v;
    uint32_t addr;
    struct core_ipv4_prefix prefix;
    struct core_virtio_mmio mmio;
    int err;

    switch (t) {
    case CORE_CMDLINE_UINT:
        err = parse_num(s, n, NUM_ANY, &v);
        if (err)
            return err;
        if (v < o->min || v > o->max)
            return -ERANGE;
        store_uint(dst, o->size, v);
        return 0;
    case CORE_CMDLINE_BOOL:
        for (size_t i = 0; i < sizeof(bool_true) / sizeof(bool_true[0]); i++) {
            if (equals(s, n, bool_true[i]) || equals(s, n, bool_false[i])) {
                *(bool *)dst = equals(s, n, bool_true[i]);
                return 0;
            }
        }
        return -EINVAL;
    case CORE_CMDLINE_ENUM:
        for (size_t i = 0; o->names[i]; i++) {
            if (equals(s, n, o->names[i])) {
                store_uint(dst, o->size, i);
                return 0;
            }
        }
        return -EINVAL;
    case CORE_CMDLINE_STRING:
        if (n > o->size - 1)
            return -E2BIG;
        for (size_t i = 0; i < n; i++)
            if (!is_printable(s[i]))
                return -EINVAL;
        memcpy(dst, s, n);
        ((char *)dst)[n] = '\0';
        return 0;
    case CORE_CMDLINE_IPV4:
        err = parse_ipv4(s, n, &addr);
        if (!err)
            memcpy(dst, &addr, sizeof(addr));
        return err;
    case CORE_CMDLINE_IPV4_PREFIX:
        err = parse_ipv4_prefix(s, n, &prefix);
        if (!err)
            memcpy(dst, &prefix, sizeof(prefix));
        return err;
    case CORE_CMDLINE_VIRTIO_MMIO:
        err = parse_virtio_mmio(s, n, &mmio);
        if (!err)
            memcpy(dst, &mmio, sizeof(mmio));
        return err;
    case CORE_CMDLINE_LIST:
        break;
    }
    panic("%s: %s: type %d", __func__, o->name, (int)t);
}

/* What a value of type `t` for `o` must look like, for an error message. */
static const char *expected(const struct core_cmdline_opt *o, enum core_cmdline_type t, int err,
                            char *buf, size_t size)
{
    const char *word_sep = o->word ? " or " : "";
    const char *word = o->word ? o->word : "";
    size_t len;
    int r;

    switch (t) {
    case CORE_CMDLINE_UINT:
        r = snprintf(buf, size, "a number in %llu..%llu%s%s", (unsigned long long)o->min,
                     (unsigned long long)o->max, word_sep, word);
        break;
    case CORE_CMDLINE_BOOL:
        r = snprintf(buf, size, "on|off|yes|no|1|0|true|false");
        break;
    case CORE_CMDLINE_ENUM:
        r = snprintf(buf, size, "one of ");
        for (size_t i = 0; o->names[i] && r >= 0 && (size_t)r < size; i++) {
            len = (size_t)r;
            r = snprintf(buf + len, size - len, "%s%s", i ? "|" : "", o->names[i]);
            if (r >= 0)
                r += (int)len;
        }
        break;
    case CORE_CMDLINE_STRING:
        if (err == -E2BIG)
            r = snprintf(buf, size, "at most %zu bytes", o->size - 1);
        else
            r = snprintf(buf, size, "printable ASCII");
        break;
    case CORE_CMDLINE_IPV4:
        r = snprintf(buf, size, "a.b.c.d%s%s", word_sep, word);
        break;
    case CORE_CMDLINE_IPV4_PREFIX:
        r = snprintf(buf, size, "a.b.c.d/N%s%s", word_sep, word);
        break;
    case CORE_CMDLINE_VIRTIO_MMIO:
        r = snprintf(buf, size, "<size>[K|M]@0x<base>:<irq>[:<id>]");
        break;
    case CORE_CMDLINE_LIST:
    default:
        panic("%s: %s: type %d", __func__, o->name, (int)t);
    }
    /* A cut description still names the key and value; mark it rather than hide it. */
    if (r < 0 || (size_t)r >= size)
        memcpy(buf + size - 4, "...", 4);
    return buf;
}

/* Apply the value s[0..n) to option `o`.  Returns the number of errors (0 or 1). */
static int apply(const struct core_cmdline_opt *o, const char *s, size_t n, void *out)
{
    char shown[SHOW_MAX + 4], why[128];
    enum core_cmdline_type t = o->type;
    void *dst = (char *)out + o->offset;
    unsigned count = 0;
    int err;

    if (o->word && equals(s, n, o->word)) {
        *(bool *)((char *)out + o->word_flag) = true;
        return 0;
    }
    if (t == CORE_CMDLINE_LIST) {
        memcpy(&count, (char *)out + o->count_offset, sizeof(count));
        if (count >= o->max_items) {
            log_error("cmdline: %s=%s: more than %u entries, ignored", o->name, show(shown, s, n),
                      o->max_items);
            return 1;
        }
        t = o->elem;
        dst = (char *)dst + count * o->size;
    }
    err = parse_value(o, t, s, n, dst);
    if (err) {
        log_error("cmdline: %s=%s: expected %s", o->name, show(shown, s, n),
                  expected(o, t, err, why, sizeof(why)));
        return 1;
    }
    if (o->type == CORE_CMDLINE_LIST) {
        count++;
        memcpy((char *)out + o->count_offset, &count, sizeof(count));
    }
    if (o->word)
        *(bool *)((char *)out + o->word_flag) = false;
    return 0;
}

/* One whitespace-free token tok[0..n), n > 0.  Returns the number of errors (0 or 1). */
static int parse_token(const char *tok, size_t n, const struct core_cmdline_table *tables,
                       size_t ntables)
{
    char shown[SHOW_MAX + 4];
    const char *eq = memchr(tok, '=', n);
    size_t klen = eq ? (size_t)(eq - tok) : n;
    const struct core_cmdline_opt *o = NULL;
    void *out = NULL;

    if (klen == 0) {
        log_error("cmdline: '%s': no key before '='", show(shown, tok, n));
        return 1;
    }
    for (size_t t = 0; t < ntables && !o; t++)
        for (size_t i = 0; i < tables[t].nopts && !o; i++)
            if (equals(tok, klen, tables[t].opts[i].name)) {
                o = &tables[t].opts[i];
                out = tables[t].out;
            }
    if (!o) {
        log_warn("cmdline: unknown key '%s' ignored", show(shown, tok, klen));
        return 0;
    }
    if (!eq) {
        if (o->type == CORE_CMDLINE_BOOL) {
            *(bool *)((char *)out + o->offset) = true;
            return 0;
        }
        log_error("cmdline: %s: needs a value", o->name);
        return 1;
    }
    if (klen + 1 == n) {
        log_error("cmdline: %s=: empty value", o->name);
        return 1;
    }
    return apply(o, eq + 1, n - klen - 1, out);
}

/* Panic on a table entry the parser cannot honour: a bug in the table, not in the input. */
static void check_opt(const struct core_cmdline_opt *o)
{
    enum core_cmdline_type t = o->type == CORE_CMDLINE_LIST ? o->elem : o->type;
    size_t n = 0;
    bool ok;

    if (!o->name || !o->name[0])
        panic("%s: entry without a name", __func__);
    switch (t) {
    case CORE_CMDLINE_UINT:
    case CORE_CMDLINE_ENUM:
        ok = o->size == 1 || o->size == 2 || o->size == 4 || o->size == 8;
        if (ok && t == CORE_CMDLINE_UINT)
            ok = o->min <= o->max && o->max <= width_max(o->size);
        if (ok && t == CORE_CMDLINE_ENUM) {
            while (o->names && o->names[n])
                n++;
            ok = n > 0 && n - 1 <= width_max(o->size);
        }
        break;
    case CORE_CMDLINE_BOOL:
        ok = o->size == sizeof(bool);
        break;
    case CORE_CMDLINE_STRING:
        ok = o->size >= 1;
        break;
    case CORE_CMDLINE_IPV4:
        ok = o->size == sizeof(uint32_t);
        break;
    case CORE_CMDLINE_IPV4_PREFIX:
        ok = o->size == sizeof(struct core_ipv4_prefix);
        break;
    case CORE_CMDLINE_VIRTIO_MMIO:
        ok = o->size == sizeof(struct core_virtio_mmio);
        break;
    default:
        ok = false; /* a LIST of LISTs, or no such type */
        break;
    }
    if (o->type == CORE_CMDLINE_LIST)
        ok = ok && o->max_items > 0 && !o->word;
    if (o->word && !o->word[0])
        ok = false;
    if (!ok)
        panic("%s: option %s: table entry inconsistent with its type", __func__, o->name);
}

int core_cmdline_parse(const char *line, const struct core_cmdline_opt *opts, size_t nopts,
                       void *out)
{
    struct core_cmdline_table t = {.opts = opts, .nopts = nopts, .out = out};
    return core_cmdline_parse_tables(line, &t, 1);
}

int core_cmdline_parse_tables(const char *line, const struct core_cmdline_table *tables,
                              size_t ntables)
{
    const size_t max = CORE_CMDLINE_MAX - 1; /* what boot_info.cmdline can hold */
    size_t len = 0;
    int errors = 0;

    for (size_t t = 0; t < ntables; t++)
        for (size_t i = 0; i < tables[t].nopts; i++) {
            check_opt(&tables[t].opts[i]);
            for (size_t u = 0; u <= t; u++)
                for (size_t j = 0; j < (u == t ? i : tables[u].nopts); j++)
                    if (strcmp(tables[t].opts[i].name, tables[u].opts[j].name) == 0)
                        panic("%s: key %s is in two tables", __func__, tables[t].opts[i].name);
        }
    if (!line)
        return 0;
    while (len <= max && line[len])
        len++;
    if (len > max) {
        /* line[0] .. line[max] are all non-NUL.  Drop the token the limit cuts. */
        len = max;
        if (!is_space(line[len]))
            while (len > 0 && !is_space(line[len - 1]))
                len--;
        log_error("cmdline: longer than %zu bytes: ignored from byte %zu on", max, len);
        errors++;
    }
    for (size_t i = 0; i < len;) {
        while (i < len && is_space(line[i]))
            i++;
        size_t start = i;
        while (i < len && !is_space(line[i]))
            i++;
        if (i > start)
            errors += parse_token(line + start, i - start, tables, ntables);
    }
    return errors;
}
