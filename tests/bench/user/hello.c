/* Start-up benchmark: a static hello world, run 100 times. */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    return 0;
}
