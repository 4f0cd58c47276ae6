/*
 * set_robust_list/get_robust_list: the C library registers its list at start,
 * a new list can be set and read back, and a bad length is refused. Debian's
 * qemu-riscv64 refuses both calls with ENOSYS, so this runs under ours only
 * (the expected output is net-robust.out).
 */
/* guest: ref=no */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) {
        failures++;
    }
}

static void test_robust(void)
{
    struct robust_list_head *head, mine;
    size_t len = 0;

    check("get_robust_list (glibc's)", syscall(SYS_get_robust_list, 0, &head, &len) == 0 &&
          len == sizeof(mine) && head != NULL);
    mine.list.next = &mine.list;
    mine.futex_offset = 0;
    mine.list_op_pending = NULL;
    check("set_robust_list", syscall(SYS_set_robust_list, &mine, sizeof(mine)) == 0);
    check("get it back", syscall(SYS_get_robust_list, 0, &head, &len) == 0 && head == &mine);
    errno = 0;
    check("bad len EINVAL", syscall(SYS_set_robust_list, &mine, 8) < 0 && errno == EINVAL);
    syscall(SYS_set_robust_list, NULL, sizeof(mine));
}

int main(void)
{
    test_robust();
    printf("failures: %d\n", failures);
    return failures != 0;
}
