/* System call benchmark: one million getppid calls (a raw syscall, so the C
 * library cannot cache it) and 200000 one-byte writes to /dev/null. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long acc = 0;
    for (int i = 0; i < 1000000; i++) {
        acc += syscall(SYS_getppid) > 0;
    }
    int fd = open("/dev/null", O_WRONLY);
    for (int i = 0; i < 200000; i++) {
        acc += write(fd, "x", 1);
    }
    close(fd);
    printf("%ld\n", acc);
    return 0;
}
