/*
 * MBR partition lookup for qemu-nbd -P. Primary partitions are the four
 * entries of sector 0; logical ones (5 and up, numbered as Linux does) live
 * in the chain of extended boot records inside the extended partition. The
 * table comes from the image, so every entry is checked against the image
 * and the extended partition before it is followed, and the chain is walked
 * a bounded number of times.
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "nbd-tool/nbd-tool.h"

#define SECTOR 512u
#define MBR_TABLE 446
#define MBR_ENTRIES 4
#define MAX_LOGICAL 251         /* -P takes at most 255 */

typedef struct MbrEntry {
    uint8_t type;
    uint32_t lba;               /* relative to the table's reference point */
    uint32_t count;
} MbrEntry;

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool is_extended(uint8_t type)
{
    return type == 0x05 || type == 0x0f || type == 0x85;
}

/* Read the boot record at sector lba: its four entries, signature checked. */
static bool read_table(BlockBackend *blk, uint64_t lba, MbrEntry ent[MBR_ENTRIES],
                       Error **errp)
{
    uint8_t sec[SECTOR];
    int ret = blk_pread(blk, (int64_t)(lba * SECTOR), SECTOR, sec, 0);
    if (ret < 0) {
        error_setf_errno(errp, -ret, "cannot read the boot record at sector %" PRIu64, lba);
        return false;
    }
    if (sec[510] != 0x55 || sec[511] != 0xaa) {
        error_setf(errp, "no MBR signature in the boot record at sector %" PRIu64, lba);
        return false;
    }
    for (int i = 0; i < MBR_ENTRIES; i++) {
        const uint8_t *e = sec + MBR_TABLE + 16 * i;
        ent[i].type = e[4];
        ent[i].lba = le32(e + 8);
        ent[i].count = le32(e + 12);
    }
    return true;
}

/* A data partition of count sectors at absolute sector start, inside [lo, hi). */
static bool place(int num, uint64_t start, uint32_t count, uint64_t lo, uint64_t hi,
                  uint64_t *offset, uint64_t *size, Error **errp)
{
    if (count == 0) {
        error_setf(errp, "partition %d is empty", num);
        return false;
    }
    if (start < lo || start >= hi || count > hi - start) {
        error_setf(errp, "partition %d (sectors %" PRIu64 "+%" PRIu32 ") lies outside its "
                   "container (sectors %" PRIu64 "-%" PRIu64 ")", num, start, count, lo, hi);
        return false;
    }
    *offset = start * SECTOR;
    *size = (uint64_t)count * SECTOR;
    return true;
}

/* Walk the extended boot records of the extended partition [ext, ext_end). */
static bool find_logical(BlockBackend *blk, int num, uint64_t ext, uint64_t ext_end,
                         uint64_t *offset, uint64_t *size, Error **errp)
{
    uint64_t ebr = ext;
    int next_num = 5;
    for (int hops = 0; hops < MAX_LOGICAL; hops++) {
        MbrEntry ent[MBR_ENTRIES];
        if (!read_table(blk, ebr, ent, errp)) {
            return false;
        }
        /* Entry 0 is the logical partition, relative to this record. */
        if (ent[0].type && ent[0].count) {
            if (next_num == num) {
                return place(num, ebr + ent[0].lba, ent[0].count, ebr + 1, ext_end,
                             offset, size, errp);
            }
            next_num++;
        }
        /* Entry 1 links to the next record, relative to the extended partition. */
        if (!is_extended(ent[1].type) || ent[1].lba == 0) {
            break;
        }
        uint64_t next = ext + ent[1].lba;
        if (next <= ebr || next >= ext_end) {
            error_setf(errp, "extended boot record at sector %" PRIu64 " links to sector "
                       "%" PRIu64 ", outside the rest of the extended partition", ebr, next);
            return false;
        }
        ebr = next;
    }
    error_setf(errp, "the image has no logical partition %d", num);
    return false;
}

bool mbr_find_partition(BlockBackend *blk, int num, uint64_t *offset, uint64_t *size,
                        Error **errp)
{
    int64_t len = blk_getlength(blk);
    if (len < 0) {
        error_setf_errno(errp, (int)-len, "cannot get the image size");
        return false;
    }
    uint64_t sectors = (uint64_t)len / SECTOR;
    if (sectors == 0) {
        error_setf(errp, "the image is smaller than one sector");
        return false;
    }
    MbrEntry ent[MBR_ENTRIES];
    if (!read_table(blk, 0, ent, errp)) {
        return false;
    }
    if (num <= MBR_ENTRIES) {
        const MbrEntry *e = &ent[num - 1];
        if (e->type == 0) {
            error_setf(errp, "partition %d is unused", num);
            return false;
        }
        if (is_extended(e->type)) {
            error_setf(errp, "partition %d is an extended partition: export one of its "
                       "logical partitions (5 and up)", num);
            return false;
        }
        return place(num, e->lba, e->count, 1, sectors, offset, size, errp);
    }
    for (int i = 0; i < MBR_ENTRIES; i++) {
        if (is_extended(ent[i].type)) {
            uint64_t ext = ent[i].lba, count = ent[i].count;
            if (ext == 0 || ext >= sectors || count > sectors - ext) {
                error_setf(errp, "the extended partition lies outside the image");
                return false;
            }
            return find_logical(blk, num, ext, ext + count, offset, size, errp);
        }
    }
    error_setf(errp, "the image has no extended partition");
    return false;
}
