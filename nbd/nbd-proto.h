/*
 * The NBD wire format (NetworkBlockDevice doc/proto.md): magics, flags, option,
 * command and reply codes, and the fixed header sizes. All integers on the wire
 * are big-endian; the helpers at the end read and write them.
 */
#ifndef NBD_NBD_PROTO_H
#define NBD_NBD_PROTO_H

#include <stdint.h>
#include <string.h>

#define NBD_DEFAULT_PORT 10809

/* Handshake */
#define NBD_MAGIC              0x4e42444d41474943ULL   /* "NBDMAGIC" */
#define NBD_OPTS_MAGIC         0x49484156454f5054ULL   /* "IHAVEOPT" */
#define NBD_CLISERV_MAGIC      0x0000420281861253ULL   /* oldstyle (not served) */
#define NBD_REP_MAGIC          0x0003e889045565a9ULL

/* Handshake flags (server, 16 bits) and client flags (32 bits) */
#define NBD_FLAG_FIXED_NEWSTYLE   (1u << 0)
#define NBD_FLAG_NO_ZEROES        (1u << 1)
#define NBD_FLAG_C_FIXED_NEWSTYLE (1u << 0)
#define NBD_FLAG_C_NO_ZEROES      (1u << 1)

/* Transmission flags (16 bits) */
#define NBD_FLAG_HAS_FLAGS          (1u << 0)
#define NBD_FLAG_READ_ONLY          (1u << 1)
#define NBD_FLAG_SEND_FLUSH         (1u << 2)
#define NBD_FLAG_SEND_FUA           (1u << 3)
#define NBD_FLAG_ROTATIONAL         (1u << 4)
#define NBD_FLAG_SEND_TRIM          (1u << 5)
#define NBD_FLAG_SEND_WRITE_ZEROES  (1u << 6)
#define NBD_FLAG_SEND_DF            (1u << 7)
#define NBD_FLAG_CAN_MULTI_CONN     (1u << 8)
#define NBD_FLAG_SEND_RESIZE        (1u << 9)
#define NBD_FLAG_SEND_CACHE         (1u << 10)
#define NBD_FLAG_SEND_FAST_ZERO     (1u << 11)
#define NBD_FLAG_BLOCK_STAT_PAYLOAD (1u << 12)

/* Options */
#define NBD_OPT_EXPORT_NAME       1
#define NBD_OPT_ABORT             2
#define NBD_OPT_LIST              3
#define NBD_OPT_PEEK_EXPORT       4
#define NBD_OPT_STARTTLS          5
#define NBD_OPT_INFO              6
#define NBD_OPT_GO                7
#define NBD_OPT_STRUCTURED_REPLY  8
#define NBD_OPT_LIST_META_CONTEXT 9
#define NBD_OPT_SET_META_CONTEXT  10
#define NBD_OPT_EXTENDED_HEADERS  11

/* Option replies; errors have bit 31 set */
#define NBD_REP_ACK           1
#define NBD_REP_SERVER        2
#define NBD_REP_INFO          3
#define NBD_REP_META_CONTEXT  4
#define NBD_REP_FLAG_ERROR    (1u << 31)
#define NBD_REP_ERR_UNSUP           (NBD_REP_FLAG_ERROR | 1)
#define NBD_REP_ERR_POLICY          (NBD_REP_FLAG_ERROR | 2)
#define NBD_REP_ERR_INVALID         (NBD_REP_FLAG_ERROR | 3)
#define NBD_REP_ERR_PLATFORM        (NBD_REP_FLAG_ERROR | 4)
#define NBD_REP_ERR_TLS_REQD        (NBD_REP_FLAG_ERROR | 5)
#define NBD_REP_ERR_UNKNOWN         (NBD_REP_FLAG_ERROR | 6)
#define NBD_REP_ERR_SHUTDOWN        (NBD_REP_FLAG_ERROR | 7)
#define NBD_REP_ERR_BLOCK_SIZE_REQD (NBD_REP_FLAG_ERROR | 8)
#define NBD_REP_ERR_TOO_BIG         (NBD_REP_FLAG_ERROR | 9)
#define NBD_REP_ERR_EXT_HEADER_REQD (NBD_REP_FLAG_ERROR | 10)

/* NBD_REP_INFO types (NBD_OPT_INFO / NBD_OPT_GO) */
#define NBD_INFO_EXPORT      0   /* u64 size, u16 transmission flags */
#define NBD_INFO_NAME        1
#define NBD_INFO_DESCRIPTION 2
#define NBD_INFO_BLOCK_SIZE  3   /* u32 minimum, preferred, maximum */

/* Requests */
#define NBD_REQUEST_MAGIC          0x25609513u
#define NBD_EXTENDED_REQUEST_MAGIC 0x21e41c71u
#define NBD_REQUEST_SIZE           28  /* magic, flags16, type16, cookie64, off64, len32 */
#define NBD_EXTENDED_REQUEST_SIZE  32  /* ... len64 */

#define NBD_CMD_READ          0
#define NBD_CMD_WRITE         1
#define NBD_CMD_DISC          2
#define NBD_CMD_FLUSH         3
#define NBD_CMD_TRIM          4
#define NBD_CMD_CACHE         5
#define NBD_CMD_WRITE_ZEROES  6
#define NBD_CMD_BLOCK_STATUS  7
#define NBD_CMD_RESIZE        8

#define NBD_CMD_FLAG_FUA          (1u << 0)
#define NBD_CMD_FLAG_NO_HOLE      (1u << 1)
#define NBD_CMD_FLAG_DF           (1u << 2)
#define NBD_CMD_FLAG_REQ_ONE      (1u << 3)
#define NBD_CMD_FLAG_FAST_ZERO    (1u << 4)
#define NBD_CMD_FLAG_PAYLOAD_LEN  (1u << 5)

/* Replies */
#define NBD_SIMPLE_REPLY_MAGIC      0x67446698u
#define NBD_STRUCTURED_REPLY_MAGIC  0x668e33efu
#define NBD_EXTENDED_REPLY_MAGIC    0x6e8a278cu
#define NBD_SIMPLE_REPLY_SIZE       16  /* magic, error32, cookie64 */
#define NBD_STRUCTURED_REPLY_SIZE   20  /* magic, flags16, type16, cookie64, len32 */
#define NBD_EXTENDED_REPLY_SIZE     32  /* magic, flags16, type16, cookie64, off64, len64 */

#define NBD_REPLY_FLAG_DONE  (1u << 0)

#define NBD_REPLY_TYPE_NONE              0
#define NBD_REPLY_TYPE_OFFSET_DATA       1
#define NBD_REPLY_TYPE_OFFSET_HOLE       2
#define NBD_REPLY_TYPE_BLOCK_STATUS      5
#define NBD_REPLY_TYPE_BLOCK_STATUS_EXT  6
#define NBD_REPLY_TYPE_ERROR_BIT         (1u << 15)
#define NBD_REPLY_TYPE_ERROR             (NBD_REPLY_TYPE_ERROR_BIT | 1)
#define NBD_REPLY_TYPE_ERROR_OFFSET      (NBD_REPLY_TYPE_ERROR_BIT | 2)

/* Error values on the wire (not the host's errno numbers) */
#define NBD_SUCCESS    0
#define NBD_EPERM      1
#define NBD_EIO        5
#define NBD_ENOMEM     12
#define NBD_EINVAL     22
#define NBD_ENOSPC     28
#define NBD_EOVERFLOW  75
#define NBD_ENOTSUP    95
#define NBD_ESHUTDOWN  108

/* Meta contexts */
#define NBD_META_BASE_ALLOCATION   "base:allocation"
#define NBD_META_QEMU_ALLOC_DEPTH  "qemu:allocation-depth"
#define NBD_STATE_HOLE  (1u << 0)   /* base:allocation */
#define NBD_STATE_ZERO  (1u << 1)

/* Limits we apply on both sides */
#define NBD_MAX_STRING_SIZE   4096               /* export names, context names */
#define NBD_MAX_OPTION_SIZE   (64 * 1024)        /* one option's payload */
#define NBD_MAX_BUFFER_SIZE   (32 * 1024 * 1024) /* READ/WRITE payload (max block) */
#define NBD_MAX_META_CONTEXTS 16

/* Big-endian helpers for building and parsing messages in byte buffers. */
static inline void nbd_put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static inline void nbd_put32(uint8_t *p, uint32_t v)
{
    nbd_put16(p, v >> 16);
    nbd_put16(p + 2, v);
}
static inline void nbd_put64(uint8_t *p, uint64_t v)
{
    nbd_put32(p, v >> 32);
    nbd_put32(p + 4, v);
}
static inline uint16_t nbd_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t nbd_get32(const uint8_t *p)
{
    return (uint32_t)nbd_get16(p) << 16 | nbd_get16(p + 2);
}
static inline uint64_t nbd_get64(const uint8_t *p)
{
    return (uint64_t)nbd_get32(p) << 32 | nbd_get32(p + 4);
}

/* Host errno <-> wire error (unknown host errors travel as NBD_EINVAL/EIO). */
int nbd_errno_to_wire(int err);   /* err > 0 */
int nbd_wire_to_errno(uint32_t wire);
/* Names for logs and -L output ("NBD_OPT_GO", "NBD_CMD_READ", "NBD_REP_ERR_UNSUP"). */
const char *nbd_opt_name(uint32_t opt);
const char *nbd_cmd_name(uint16_t cmd);
const char *nbd_rep_name(uint32_t rep);

#endif
