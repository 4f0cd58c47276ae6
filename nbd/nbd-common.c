/*
 * NBD pieces shared by the server and the client: the mapping between host
 * errno values and the protocol's error numbers, and names for logging.
 */
#include <errno.h>
#include "nbd/nbd-proto.h"

int nbd_errno_to_wire(int err)
{
    switch (err) {
    case 0:          return NBD_SUCCESS;
    case EPERM:
    case EROFS:      return NBD_EPERM;
    case ENOMEM:     return NBD_ENOMEM;
    case EINVAL:     return NBD_EINVAL;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:      return NBD_ENOSPC;
    case EOVERFLOW:  return NBD_EOVERFLOW;
    case ENOTSUP:    return NBD_ENOTSUP;
    case ESHUTDOWN:  return NBD_ESHUTDOWN;
    default:         return NBD_EIO;
    }
}

int nbd_wire_to_errno(uint32_t wire)
{
    switch (wire) {
    case NBD_SUCCESS:   return 0;
    case NBD_EPERM:     return EPERM;
    case NBD_EIO:       return EIO;
    case NBD_ENOMEM:    return ENOMEM;
    case NBD_ENOSPC:    return ENOSPC;
    case NBD_EOVERFLOW: return EOVERFLOW;
    case NBD_ENOTSUP:   return ENOTSUP;
    case NBD_ESHUTDOWN: return ESHUTDOWN;
    default:            return EINVAL;   /* the spec: treat unknown values as EINVAL */
    }
}

static const char *lookup(const char *const *table, size_t n, uint32_t v)
{
    return v < n && table[v] ? table[v] : "<unknown>";
}

const char *nbd_opt_name(uint32_t opt)
{
    static const char *const names[] = {
        [NBD_OPT_EXPORT_NAME] = "NBD_OPT_EXPORT_NAME",
        [NBD_OPT_ABORT] = "NBD_OPT_ABORT",
        [NBD_OPT_LIST] = "NBD_OPT_LIST",
        [NBD_OPT_PEEK_EXPORT] = "NBD_OPT_PEEK_EXPORT",
        [NBD_OPT_STARTTLS] = "NBD_OPT_STARTTLS",
        [NBD_OPT_INFO] = "NBD_OPT_INFO",
        [NBD_OPT_GO] = "NBD_OPT_GO",
        [NBD_OPT_STRUCTURED_REPLY] = "NBD_OPT_STRUCTURED_REPLY",
        [NBD_OPT_LIST_META_CONTEXT] = "NBD_OPT_LIST_META_CONTEXT",
        [NBD_OPT_SET_META_CONTEXT] = "NBD_OPT_SET_META_CONTEXT",
        [NBD_OPT_EXTENDED_HEADERS] = "NBD_OPT_EXTENDED_HEADERS",
    };
    return lookup(names, sizeof(names) / sizeof(names[0]), opt);
}

const char *nbd_cmd_name(uint16_t cmd)
{
    static const char *const names[] = {
        [NBD_CMD_READ] = "NBD_CMD_READ",
        [NBD_CMD_WRITE] = "NBD_CMD_WRITE",
        [NBD_CMD_DISC] = "NBD_CMD_DISC",
        [NBD_CMD_FLUSH] = "NBD_CMD_FLUSH",
        [NBD_CMD_TRIM] = "NBD_CMD_TRIM",
        [NBD_CMD_CACHE] = "NBD_CMD_CACHE",
        [NBD_CMD_WRITE_ZEROES] = "NBD_CMD_WRITE_ZEROES",
        [NBD_CMD_BLOCK_STATUS] = "NBD_CMD_BLOCK_STATUS",
        [NBD_CMD_RESIZE] = "NBD_CMD_RESIZE",
    };
    return lookup(names, sizeof(names) / sizeof(names[0]), cmd);
}

const char *nbd_rep_name(uint32_t rep)
{
    static const char *const ok[] = {
        [NBD_REP_ACK] = "NBD_REP_ACK",
        [NBD_REP_SERVER] = "NBD_REP_SERVER",
        [NBD_REP_INFO] = "NBD_REP_INFO",
        [NBD_REP_META_CONTEXT] = "NBD_REP_META_CONTEXT",
    };
    static const char *const err[] = {
        [1] = "NBD_REP_ERR_UNSUP", [2] = "NBD_REP_ERR_POLICY",
        [3] = "NBD_REP_ERR_INVALID", [4] = "NBD_REP_ERR_PLATFORM",
        [5] = "NBD_REP_ERR_TLS_REQD", [6] = "NBD_REP_ERR_UNKNOWN",
        [7] = "NBD_REP_ERR_SHUTDOWN", [8] = "NBD_REP_ERR_BLOCK_SIZE_REQD",
        [9] = "NBD_REP_ERR_TOO_BIG", [10] = "NBD_REP_ERR_EXT_HEADER_REQD",
    };
    if (rep & NBD_REP_FLAG_ERROR) {
        return lookup(err, sizeof(err) / sizeof(err[0]), rep & ~NBD_REP_FLAG_ERROR);
    }
    return lookup(ok, sizeof(ok) / sizeof(ok[0]), rep);
}
