/*
 * Toril's error codes.  Functions return 0 or a negative code from this list (-ENOMEM, ...).
 * The values are Linux's, so host unit tests that include the host <errno.h> see the same
 * numbers.  There is no global errno: errors are return values.
 */
#ifndef _TORIL_ERRNO_H
#define _TORIL_ERRNO_H

#define EPERM        1   /* operation not permitted */
#define ENOENT       2   /* no such file or path */
#define EIO          5   /* device reported an error */
#define E2BIG        7   /* argument list or value too long */
#define EAGAIN       11  /* try again later (ring full, nothing yet) */
#define ENOMEM       12  /* out of memory */
#define EFAULT       14  /* bad address */
#define EBUSY        16  /* resource in use */
#define EEXIST       17  /* already exists */
#define ENODEV       19  /* no such device */
#define ENOTDIR      20  /* a path component is not a directory */
#define EISDIR       21  /* is a directory */
#define EINVAL       22  /* invalid argument or input */
#define EFBIG        27  /* file too large */
#define ENOSPC       28  /* no space left (table or ring full) */
#define ERANGE       34  /* value out of range */
#define ENAMETOOLONG 36  /* name too long */
#define ENOSYS       38  /* not implemented */
#define ELOOP        40  /* loop detected (e.g. a FAT cluster chain) */
#define EPROTO       71  /* protocol error */
#define EBADMSG      74  /* malformed message or structure */
#define EOVERFLOW    75  /* value too large for its type */
#define EMSGSIZE     90  /* message too long */
#define ENOTSUP      95  /* not supported */
#define EADDRINUSE   98  /* address in use */
#define ECONNRESET   104 /* connection reset */
#define ENOBUFS      105 /* no buffer space */
#define ETIMEDOUT    110 /* timed out */

#endif
