/*
 * vsnprintf and snprintf (<stdio.h>): C99 formatting of integers, characters, strings and
 * pointers into a caller's buffer.  See <stdio.h> for what is supported.
 *
 * The output goes through a small cursor that counts every byte the full output would have but
 * stores only those that fit, so the return value is right however small the buffer.  Each
 * conversion is laid out as
 *     [spaces] [sign or 0x] [zeros] [digits or text] [spaces]
 * with the widths of the parts computed first: no temporary copy of the whole field.
 */
#include "libc/host_names.h" /* first: host-test renaming, see there */

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libc/include/errno.h"
#include "libc/include/stdio.h"
#include "libc/include/string.h"

/* The output cursor. */
struct out {
    char *buf;   /* destination; may be NULL when size is 0 */
    size_t size; /* bytes of buf, including room for the NUL */
    size_t len;  /* bytes the full output has so far (may exceed size) */
};

/* Appends n bytes of s, storing what still fits before the NUL's place. */
static void out_mem(struct out *o, const char *s, size_t n)
{
    if (o->len + 1 < o->size) {
        size_t room = o->size - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

/* Appends n copies of c. */
static void out_fill(struct out *o, char c, size_t n)
{
    if (o->len + 1 < o->size) {
        size_t room = o->size - 1 - o->len;
        memset(o->buf + o->len, c, n < room ? n : room);
    }
    o->len += n;
}

/* Length modifiers. */
enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* One conversion specification, as parsed. */
struct spec {
    bool left;       /* '-': pad on the right */
    bool zero;       /* '0': pad numbers with zeros after the sign */
    bool plus;       /* '+': always print a sign for signed conversions */
    bool space;      /* ' ': a space where a '+' would go */
    bool alt;        /* '#': 0x for x/X, a leading 0 for o */
    size_t width;    /* minimum field width, 0 if none */
    long prec;       /* precision, -1 if none */
    enum length len; /* length modifier */
};

/* Writes a field of len bytes of text after the prefix pre (e.g. "-", "0x") and zeros zeros,
 * padded to the spec's width. */
static void out_field(struct out *o, const struct spec *sp, const char *pre, size_t zeros,
                      const char *text, size_t len)
{
    size_t npre = strlen(pre);
    size_t body = npre + zeros + len;
    size_t pad = sp->width > body ? sp->width - body : 0;

    if (!sp->left)
        out_fill(o, ' ', pad);
    out_mem(o, pre, npre);
    out_fill(o, '0', zeros);
    out_mem(o, text, len);
    if (sp->left)
        out_fill(o, ' ', pad);
}

/* size_t and ptrdiff_t are fetched as unsigned long / long. */
_Static_assert(sizeof(size_t) == sizeof(long), "size_t is long on x86-64");
_Static_assert(sizeof(ptrdiff_t) == sizeof(long), "ptrdiff_t is long on x86-64");

static intmax_t arg_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_HH:
        return (signed char)va_arg(*ap, int);
    case LEN_H:
        return (short)va_arg(*ap, int);
    case LEN_L:
        return va_arg(*ap, long);
    case LEN_LL:
        return va_arg(*ap, long long);
    case LEN_Z: /* the signed type of size_t's width */
    case LEN_T:
        return va_arg(*ap, long);
    case LEN_J:
        return va_arg(*ap, intmax_t);
    case LEN_NONE:
        break;
    }
    return va_arg(*ap, int);
}

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_HH:
        return (unsigned char)va_arg(*ap, unsigned);
    case LEN_H:
        return (unsigned short)va_arg(*ap, unsigned);
    case LEN_L:
        return va_arg(*ap, unsigned long);
    case LEN_LL:
        return va_arg(*ap, unsigned long long);
    case LEN_Z:
    case LEN_T: /* the unsigned type of ptrdiff_t's width */
        return va_arg(*ap, unsigned long);
    case LEN_J:
        return va_arg(*ap, uintmax_t);
    case LEN_NONE:
        break;
    }
    return va_arg(*ap, unsigned);
}

/* Digits of the widest value in the smallest base: 64 bits in octal. */
#define DIGITS_MAX 22

/*
 * Formats v in base 8, 10 or 16 (upper: X digits), with sign the already chosen sign
 * ("", "-", "+" or " ").
 */
static void out_number(struct out *o, const struct spec *sp, uintmax_t v, unsigned base, bool upper,
                       const char *sign)
{
    const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[DIGITS_MAX];
    char *p = buf + sizeof(buf);
    const char *pre = sign;
    size_t len, zeros = 0;

    /* Precision 0 with the value 0 prints no digits (C11 7.21.6.1p8). */
    if (v != 0 || sp->prec != 0) {
        do {
            *--p = digit[v % base];
            v /= base;
        } while (v != 0);
    }
    len = buf + sizeof(buf) - p;

    if (sp->alt && base == 16 && len > 0 && !(len == 1 && *p == '0'))
        pre = upper ? "0X" : "0x";
    if (sp->prec >= 0 && (size_t)sp->prec > len)
        zeros = sp->prec - len;
    /* '#' with o: the first digit is a 0, by raising the precision if needed. */
    if (sp->alt && base == 8 && zeros == 0 && (len == 0 || *p != '0'))
        zeros = 1;
    /* '0' pads to the width with zeros after the sign or prefix; a precision disables it. */
    if (sp->zero && !sp->left && sp->prec < 0) {
        size_t body = strlen(pre) + zeros + len;
        if (sp->width > body)
            zeros += sp->width - body;
    }
    out_field(o, sp, pre, zeros, p, len);
}

/* More than any output vsnprintf can report: the clamp for widths and precisions. */
#define FIELD_MAX ((long)INT_MAX + 1)

/* Parses a decimal width or precision, clamped to FIELD_MAX (a field that wide makes the
 * output too long, and vsnprintf then returns -EOVERFLOW). */
static long parse_field(const char **fmt)
{
    const char *f = *fmt;
    long n = 0;

    for (; *f >= '0' && *f <= '9'; f++) {
        int d = *f - '0';
        n = n > (FIELD_MAX - d) / 10 ? FIELD_MAX : n * 10 + d;
    }
    *fmt = f;
    return n;
}

/*
 * Parses the flags, width, precision and length of the specification after a '%', taking '*'
 * arguments from ap.  Returns a pointer to the conversion character.
 */
static const char *parse_spec(const char *fmt, va_list *ap, struct spec *sp)
{
    *sp = (struct spec){.prec = -1, .len = LEN_NONE};

    for (;; fmt++) {
        if (*fmt == '-')
            sp->left = true;
        else if (*fmt == '0')
            sp->zero = true;
        else if (*fmt == '+')
            sp->plus = true;
        else if (*fmt == ' ')
            sp->space = true;
        else if (*fmt == '#')
            sp->alt = true;
        else
            break;
    }

    if (*fmt == '*') {
        int w = va_arg(*ap, int);
        fmt++;
        /* A negative width argument is a '-' flag and a positive width (C11 7.21.6.1p5). */
        if (w < 0) {
            sp->left = true;
            sp->width = -(long)w;
        } else {
            sp->width = w;
        }
    } else {
        sp->width = parse_field(&fmt);
    }

    if (*fmt == '.') {
        fmt++;
        if (*fmt == '*') {
            int p = va_arg(*ap, int);
            fmt++;
            sp->prec = p < 0 ? -1 : p; /* negative: as if there were none */
        } else {
            sp->prec = parse_field(&fmt);
        }
    }

    switch (*fmt) {
    case 'h':
        sp->len = fmt[1] == 'h' ? LEN_HH : LEN_H;
        fmt += sp->len == LEN_HH ? 2 : 1;
        break;
    case 'l':
        sp->len = fmt[1] == 'l' ? LEN_LL : LEN_L;
        fmt += sp->len == LEN_LL ? 2 : 1;
        break;
    case 'z':
        sp->len = LEN_Z;
        fmt++;
        break;
    case 't':
        sp->len = LEN_T;
        fmt++;
        break;
    case 'j':
        sp->len = LEN_J;
        fmt++;
        break;
    }
    return fmt;
}

/*
 * Formats one conversion, taking its argument from ap.  Returns false, having consumed
 * nothing, for a conversion it does not support: %lc, %ls (wide characters), floating point,
 * %n, or anything else.
 */
static bool convert(struct out *o, char conv, struct spec *sp, va_list *ap)
{
    if (sp->len != LEN_NONE && (conv == 'c' || conv == 's' || conv == 'p' || conv == '%'))
        return false;

    switch (conv) {
    case 'd':
    case 'i': {
        intmax_t v = arg_signed(ap, sp->len);
        /* The magnitude, computed in unsigned arithmetic so INTMAX_MIN has one. */
        uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
        const char *sign = v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
        out_number(o, sp, mag, 10, false, sign);
        return true;
    }
    case 'u':
        out_number(o, sp, arg_unsigned(ap, sp->len), 10, false, "");
        return true;
    case 'o':
        out_number(o, sp, arg_unsigned(ap, sp->len), 8, false, "");
        return true;
    case 'x':
    case 'X':
        out_number(o, sp, arg_unsigned(ap, sp->len), 16, conv == 'X', "");
        return true;
    case 'p': {
        /* As glibc: "(nil)" for NULL, else like %#lx. */
        uintptr_t v = (uintptr_t)va_arg(*ap, void *);
        if (v == 0) {
            out_field(o, sp, "", 0, "(nil)", 5);
        } else {
            sp->alt = true;
            out_number(o, sp, v, 16, false, sp->plus ? "+" : sp->space ? " " : "");
        }
        return true;
    }
    case 'c': {
        char c = (char)va_arg(*ap, int);
        out_field(o, sp, "", 0, &c, 1);
        return true;
    }
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (s == NULL)
            s = "(null)";
        /* With a precision, s need not be terminated: read at most prec bytes. */
        size_t n = sp->prec >= 0 ? strnlen(s, sp->prec) : strlen(s);
        out_field(o, sp, "", 0, s, n);
        return true;
    }
    case '%':
        out_mem(o, "%", 1);
        return true;
    }
    return false;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict format, va_list ap_in)
{
    struct out o = {.buf = buf, .size = size, .len = 0};
    const char *fmt = format;
    va_list ap;

    /* A copy, so helpers can take its address (va_list may be an array type). */
    va_copy(ap, ap_in);
    while (*fmt != '\0') {
        const char *start = fmt;
        struct spec sp;

        if (*fmt != '%') {
            while (*fmt != '\0' && *fmt != '%')
                fmt++;
            out_mem(&o, start, fmt - start);
            continue;
        }
        fmt = parse_spec(fmt + 1, &ap, &sp);
        if (*fmt == '\0') {
            /* A '%' at the end, perhaps with flags: copy it as written. */
            out_mem(&o, start, fmt - start);
            break;
        }
        if (!convert(&o, *fmt, &sp, &ap))
            out_mem(&o, start, fmt + 1 - start); /* unsupported: copy it as written */
        fmt++;
    }
    va_end(ap);

    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    if (o.len > INT_MAX)
        return -EOVERFLOW;
    return (int)o.len;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
