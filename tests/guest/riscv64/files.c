/*
 * File system calls in a scratch directory (argv[1]): open/creat flags,
 * read/write/pread/pwrite, lseek (SEEK_SET/CUR/END, holes), stat/fstat/lstat
 * fields that do not depend on the host (size, type, mode, nlink), rename,
 * link, unlink, mkdir/rmdir, getdents (sorted), symlink/readlink, fcntl
 * (F_GETFL/F_SETFL, FD_CLOEXEC, F_DUPFD), dup/dup2, ftruncate, access, and the
 * errno of each failure case.
 */
/* guest: args=TMPDIR dynamic=both */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *err(int r)
{
    return r < 0 ? strerrorname_np(errno) : "ok";
}

static void show_stat(const char *what, const struct stat *st)
{
    printf("%s: size %lld type %s mode %04o nlink %lu blksize-nonzero %d\n", what,
           S_ISDIR(st->st_mode) ? -1LL : (long long)st->st_size,
           S_ISREG(st->st_mode) ? "reg" : S_ISDIR(st->st_mode) ? "dir" :
           S_ISLNK(st->st_mode) ? "lnk" : "other",
           st->st_mode & 07777, (unsigned long)st->st_nlink, st->st_blksize != 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *path)
{
    DIR *d = opendir(path);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_LNK ? 'l' :
                 e->d_type == DT_REG ? 'f' : '?';
        if (asprintf(&names[n], "%s(%c)", e->d_name, t) > 0) {
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_str);
    printf("dir:");
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    char buf[256];
    struct stat st;
    int fd, r;

    if (argc < 2 || chdir(argv[1]) < 0) {
        fprintf(stderr, "usage: files TMPDIR\n");
        return 2;
    }
    umask(022);
    fd = open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0666);
    printf("open new: %s\n", err(fd));
    r = open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0666);
    printf("open O_EXCL again: %s\n", err(r));
    r = open("missing/x", O_RDONLY);
    printf("open missing: %s\n", err(r));
    printf("write: %zd\n", write(fd, "hello, files\n", 13));
    struct iovec iov[2] = { { "vec1-", 5 }, { "vec2\n", 5 } };
    printf("writev: %zd\n", writev(fd, iov, 2));
    printf("lseek cur: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek set: %lld\n", (long long)lseek(fd, 7, SEEK_SET));
    r = read(fd, buf, 5);
    printf("read: %d \"%.*s\"\n", r, r, buf);
    printf("pwrite: %zd\n", pwrite(fd, "XY", 2, 0));
    r = pread(fd, buf, 8, 0);
    printf("pread: %d \"%.*s\" pos still %lld\n", r, r, buf, (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek hole: %lld\n", (long long)lseek(fd, 4096, SEEK_END));
    write(fd, "Z", 1);
    fstat(fd, &st);
    show_stat("fstat", &st);
    r = lseek(fd, -1, SEEK_SET);
    printf("lseek negative: %s\n", err(r));
    printf("ftruncate: %s\n", err(ftruncate(fd, 10)));
    fstat(fd, &st);
    printf("size after truncate %lld\n", (long long)st.st_size);

    /* fcntl and dup */
    int fl = fcntl(fd, F_GETFL);
    printf("F_GETFL accmode rdwr %d append %d\n", (fl & O_ACCMODE) == O_RDWR, !!(fl & O_APPEND));
    fcntl(fd, F_SETFL, fl | O_APPEND);
    printf("F_SETFL append %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
    printf("FD_CLOEXEC before %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    printf("FD_CLOEXEC after %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    int d1 = dup(fd);
    printf("dup shares offset: %d cloexec %d\n",
           lseek(d1, 3, SEEK_SET) == lseek(fd, 0, SEEK_CUR), fcntl(d1, F_GETFD));
    int d2 = fcntl(fd, F_DUPFD, 100);
    printf("F_DUPFD >= 100: %d\n", d2 >= 100);
    r = dup2(fd, 200);
    printf("dup2: %d\n", r);
    r = dup3(fd, 200, O_CLOEXEC);
    printf("dup3 cloexec %d\n", fcntl(200, F_GETFD));
    close(d1); close(d2); close(200);
    r = close(200);
    printf("close twice: %s\n", err(r));
    r = fcntl(12345, F_GETFD);
    printf("fcntl bad fd: %s\n", err(r));
    write(fd, "+app", 4);
    close(fd);
    stat("a.txt", &st);
    show_stat("stat", &st);

    /* names */
    printf("mkdir: %s\n", err(mkdir("sub", 0750)));
    printf("mkdir again: %s\n", err(mkdir("sub", 0750)));
    stat("sub", &st);
    show_stat("stat dir", &st);
    printf("rename: %s\n", err(rename("a.txt", "sub/b.txt")));
    printf("rename missing: %s\n", err(rename("a.txt", "c.txt")));
    printf("link: %s\n", err(link("sub/b.txt", "hard")));
    stat("hard", &st);
    printf("nlink after link %lu\n", (unsigned long)st.st_nlink);
    printf("symlink: %s\n", err(symlink("sub/b.txt", "sym")));
    ssize_t n = readlink("sym", buf, sizeof(buf));
    printf("readlink: %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    n = readlink("hard", buf, sizeof(buf));
    printf("readlink non-link: %s\n", err((int)n));
    lstat("sym", &st);
    printf("lstat sym is link %d size %lld\n", S_ISLNK(st.st_mode), (long long)st.st_size);
    stat("sym", &st);
    printf("stat through sym size %lld\n", (long long)st.st_size);
    printf("access R_OK %s, missing %s\n", err(access("hard", R_OK)), err(access("nope", F_OK)));
    fd = open("sub/b.txt", O_RDONLY);
    r = read(fd, buf, sizeof(buf));
    printf("content %d: \"", r);
    for (int i = 0; i < r; i++) {
        putchar(buf[i] >= 32 && buf[i] < 127 ? buf[i] : '.');
    }
    printf("\"\n");
    close(fd);
    fd = open("sub", O_RDONLY | O_DIRECTORY);
    printf("openat in dir fd: %s\n", err(r = openat(fd, "b.txt", O_RDONLY)));
    close(r);
    printf("write to dir: %s\n", err((int)write(fd, "x", 1)));
    close(fd);
    list_dir(".");
    list_dir("sub");
    printf("rmdir non-empty: %s\n", err(rmdir("sub")));
    printf("unlink: %s\n", err(unlink("sub/b.txt")));
    printf("unlink dir: %s\n", err(unlink("sub")));
    printf("rmdir: %s\n", err(rmdir("sub")));
    printf("unlink sym: %s, hard: %s\n", err(unlink("sym")), err(unlink("hard")));
    list_dir(".");
    char cwd[512];
    printf("getcwd ends with argv[1]: %d\n",
           getcwd(cwd, sizeof(cwd)) && strstr(cwd, strrchr(argv[1], '/') ? strrchr(argv[1], '/') : argv[1]) != NULL);
    return 0;
}
