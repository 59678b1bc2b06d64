/*
 * <inttypes.h>: printf length modifiers for the <stdint.h> types (no scanf, so no SCN*).
 *
 * x86-64 only (LP64): int64_t, intmax_t, intptr_t and the fast 16/32/64-bit types are long, as
 * gcc's <stdint.h> defines them; 8/16/32-bit types print as int after promotion.  -Wformat checks
 * every use against the real types.
 */
#ifndef _TORIL_INTTYPES_H
#define _TORIL_INTTYPES_H

#include <stdint.h>

#define __PRI64   "l"
#define __PRIPTR  "l"
#define __PRIFAST "l" /* int_fast16_t, int_fast32_t */

#define PRId8  "d"
#define PRId16 "d"
#define PRId32 "d"
#define PRId64 __PRI64 "d"
#define PRIi8  "i"
#define PRIi16 "i"
#define PRIi32 "i"
#define PRIi64 __PRI64 "i"
#define PRIo8  "o"
#define PRIo16 "o"
#define PRIo32 "o"
#define PRIo64 __PRI64 "o"
#define PRIu8  "u"
#define PRIu16 "u"
#define PRIu32 "u"
#define PRIu64 __PRI64 "u"
#define PRIx8  "x"
#define PRIx16 "x"
#define PRIx32 "x"
#define PRIx64 __PRI64 "x"
#define PRIX8  "X"
#define PRIX16 "X"
#define PRIX32 "X"
#define PRIX64 __PRI64 "X"

#define PRIdLEAST8  "d"
#define PRIdLEAST16 "d"
#define PRIdLEAST32 "d"
#define PRIdLEAST64 __PRI64 "d"
#define PRIiLEAST8  "i"
#define PRIiLEAST16 "i"
#define PRIiLEAST32 "i"
#define PRIiLEAST64 __PRI64 "i"
#define PRIoLEAST8  "o"
#define PRIoLEAST16 "o"
#define PRIoLEAST32 "o"
#define PRIoLEAST64 __PRI64 "o"
#define PRIuLEAST8  "u"
#define PRIuLEAST16 "u"
#define PRIuLEAST32 "u"
#define PRIuLEAST64 __PRI64 "u"
#define PRIxLEAST8  "x"
#define PRIxLEAST16 "x"
#define PRIxLEAST32 "x"
#define PRIxLEAST64 __PRI64 "x"
#define PRIXLEAST8  "X"
#define PRIXLEAST16 "X"
#define PRIXLEAST32 "X"
#define PRIXLEAST64 __PRI64 "X"

/* int_fast8_t is signed char; the wider fast types are long on x86-64. */
#define PRIdFAST8  "d"
#define PRIdFAST16 __PRIFAST "d"
#define PRIdFAST32 __PRIFAST "d"
#define PRIdFAST64 __PRI64 "d"
#define PRIiFAST8  "i"
#define PRIiFAST16 __PRIFAST "i"
#define PRIiFAST32 __PRIFAST "i"
#define PRIiFAST64 __PRI64 "i"
#define PRIoFAST8  "o"
#define PRIoFAST16 __PRIFAST "o"
#define PRIoFAST32 __PRIFAST "o"
#define PRIoFAST64 __PRI64 "o"
#define PRIuFAST8  "u"
#define PRIuFAST16 __PRIFAST "u"
#define PRIuFAST32 __PRIFAST "u"
#define PRIuFAST64 __PRI64 "u"
#define PRIxFAST8  "x"
#define PRIxFAST16 __PRIFAST "x"
#define PRIxFAST32 __PRIFAST "x"
#define PRIxFAST64 __PRI64 "x"
#define PRIXFAST8  "X"
#define PRIXFAST16 __PRIFAST "X"
#define PRIXFAST32 __PRIFAST "X"
#define PRIXFAST64 __PRI64 "X"

#define PRIdMAX __PRI64 "d"
#define PRIiMAX __PRI64 "i"
#define PRIoMAX __PRI64 "o"
#define PRIuMAX __PRI64 "u"
#define PRIxMAX __PRI64 "x"
#define PRIXMAX __PRI64 "X"

#define PRIdPTR __PRIPTR "d"
#define PRIiPTR __PRIPTR "i"
#define PRIoPTR __PRIPTR "o"
#define PRIuPTR __PRIPTR "u"
#define PRIxPTR __PRIPTR "x"
#define PRIXPTR __PRIPTR "X"

#endif
