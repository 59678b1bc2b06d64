/* glibc's character classes, in the "C" locale, for comparison (see ctype_glibc.c). */
#ifndef LIBC_TESTS_CTYPE_GLIBC_H
#define LIBC_TESTS_CTYPE_GLIBC_H

int glibc_isalnum(int c);
int glibc_isalpha(int c);
int glibc_iscntrl(int c);
int glibc_isdigit(int c);
int glibc_isgraph(int c);
int glibc_islower(int c);
int glibc_isprint(int c);
int glibc_ispunct(int c);
int glibc_isspace(int c);
int glibc_isupper(int c);
int glibc_isxdigit(int c);
int glibc_tolower(int c);
int glibc_toupper(int c);

#endif
