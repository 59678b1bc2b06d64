/*
 * <ctype.h>: character classes for the "C" locale (ASCII; bytes >= 0x80 are in no class).
 * Inline functions: any context.  As in C, the argument is an unsigned char value or EOF;
 * pass (unsigned char)c when c is a char.
 */
#ifndef _TORIL_CTYPE_H
#define _TORIL_CTYPE_H

static inline int isdigit(int c)
{
    return (unsigned)c - '0' < 10;
}

static inline int islower(int c)
{
    return (unsigned)c - 'a' < 26;
}

static inline int isupper(int c)
{
    return (unsigned)c - 'A' < 26;
}

static inline int isalpha(int c)
{
    return islower(c) || isupper(c);
}

static inline int isalnum(int c)
{
    return isalpha(c) || isdigit(c);
}

static inline int isxdigit(int c)
{
    return isdigit(c) || (unsigned)(c | 0x20) - 'a' < 6;
}

/* space, \t \n \v \f \r */
static inline int isspace(int c)
{
    return c == ' ' || (unsigned)c - '\t' < 5;
}

static inline int iscntrl(int c)
{
    return (unsigned)c < 0x20 || c == 0x7f;
}

/* Printing characters including space. */
static inline int isprint(int c)
{
    return (unsigned)c - 0x20 < 0x5f;
}

/* Printing characters other than space. */
static inline int isgraph(int c)
{
    return (unsigned)c - 0x21 < 0x5e;
}

static inline int ispunct(int c)
{
    return isgraph(c) && !isalnum(c);
}

static inline int tolower(int c)
{
    return isupper(c) ? c + ('a' - 'A') : c;
}

static inline int toupper(int c)
{
    return islower(c) ? c - ('a' - 'A') : c;
}

#endif
