/*
 * Hello world: the smallest guest, built static and dynamic (loader, libc
 * start-up, auxv, write, exit status), plus argv/argc as the loader passed them.
 */
/* guest: dynamic=both args=one two */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("hello, world\n");
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    return 3;
}
