/*
 * File, directory and stat system calls (files helper): each check prints one
 * "ok"/"FAIL" line with what it compared, so the output is the same on any
 * correct Linux and the exit status counts the failures. Works in a scratch
 * directory given as argv[1] (default: a fresh one under /tmp).
 */
/* guest: dynamic=both */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int cond)
{
    printf("%s %s\n", cond ? "ok" : "FAIL", what);
    if (!cond) {
        failures++;
    }
}

static char dir[256];
/* An address no guest maps (volatile: the compiler must not reason about it). */
static void *volatile bad_ptr = (void *)8;

static const char *in_dir(const char *name)
{
    static char buf[4][512];
    static int n;

    n = (n + 1) % 4;
    snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, name);
    return buf[n];
}

static void test_rw(void)
{
    char buf[64] = { 0 };
    struct iovec iov[2] = { { "hello ", 6 }, { "world", 5 } };
    char a[6], b[5];
    struct iovec riov[2] = { { a, 6 }, { b, 5 } };
    int fd = open(in_dir("f"), O_RDWR | O_CREAT | O_TRUNC, 0640);

    check("open O_CREAT", fd >= 0);
    check("writev 11 bytes", writev(fd, iov, 2) == 11);
    check("lseek SEEK_CUR", lseek(fd, 0, SEEK_CUR) == 11);
    check("pread at 6", pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "world", 5));
    check("pwrite at 0", pwrite(fd, "HELLO", 5, 0) == 5);
    check("lseek SEEK_SET", lseek(fd, 0, SEEK_SET) == 0);
    check("readv", readv(fd, riov, 2) == 11 && !memcmp(a, "HELLO ", 6) && !memcmp(b, "world", 5));
    check("read at EOF", read(fd, buf, 10) == 0);
    check("preadv", preadv(fd, riov, 1, 6) == 5 && !memcmp(a, "world", 5));
    check("ftruncate", ftruncate(fd, 3) == 0);
    check("lseek SEEK_END", lseek(fd, 0, SEEK_END) == 3);
    {
        struct iovec bad[2] = { { "ok", 2 }, { bad_ptr, 4 } };
        volatile int too_many = 2000;   /* above IOV_MAX (1024) */
        check("writev bad base EFAULT", writev(fd, bad + 1, 1) == -1 && errno == EFAULT);
        check("readv too many EINVAL", readv(fd, bad, too_many) == -1 && errno == EINVAL);
        check("writev zero-length NULL base", writev(fd, (struct iovec[1]){ { NULL, 0 } }, 1) == 0);
    }
    check("write bad buffer EFAULT", write(fd, bad_ptr, 1) == -1 && errno == EFAULT);
    close(fd);
    check("read closed fd EBADF", read(fd, buf, 1) == -1 && errno == EBADF);
}

static void test_stat(void)
{
    struct stat st, st2;
    struct statfs sf;
    struct statx sx;
    int fd = open(in_dir("f"), O_RDONLY);

    check("stat size", stat(in_dir("f"), &st) == 0 && st.st_size == 3);
    check("stat mode", S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640);
    check("stat nlink", st.st_nlink == 1);
    check("stat uid", st.st_uid == getuid());
    check("fstat same inode", fstat(fd, &st2) == 0 && st2.st_ino == st.st_ino &&
          st2.st_dev == st.st_dev);
    check("stat blksize", st.st_blksize > 0);
    check("stat mtime", st.st_mtime > 1000000000);
    check("stat dir", stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
    check("stat ENOENT", stat(in_dir("nope"), &st) == -1 && errno == ENOENT);
    check("stat EFAULT", stat(in_dir("f"), bad_ptr) == -1 && errno == EFAULT);
    check("statx size", statx(AT_FDCWD, in_dir("f"), 0, STATX_SIZE, &sx) == 0 &&
          sx.stx_size == 3);
    check("statfs", statfs(dir, &sf) == 0 && sf.f_bsize > 0);
    check("fstatfs", fstatfs(fd, &sf) == 0 && sf.f_namelen > 0);
    close(fd);
}

static void test_fcntl(void)
{
    int fd = open(in_dir("f"), O_RDWR | O_APPEND | O_NONBLOCK);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
    int fd2;

    check("F_GETFL", (fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK)) ==
          (O_RDWR | O_APPEND | O_NONBLOCK));
    check("F_SETFL", fcntl(fd, F_SETFL, 0) == 0 && !(fcntl(fd, F_GETFL) & O_APPEND));
    check("F_GETFD", fcntl(fd, F_GETFD) == 0);
    check("F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 20);
    check("F_DUPFD_CLOEXEC", fd2 >= 20 && fcntl(fd2, F_GETFD) == FD_CLOEXEC);
    close(fd2);
    check("F_SETLK", fcntl(fd, F_SETLK, &fl) == 0);
    fl.l_type = F_RDLCK;
    check("F_GETLK own lock", fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);
    check("F_GETLK EFAULT", fcntl(fd, F_GETLK, bad_ptr) == -1 && errno == EFAULT);
    check("flock", flock(fd, LOCK_EX) == 0 && flock(fd, LOCK_UN) == 0);
    check("dup3 O_CLOEXEC", dup3(fd, 30, O_CLOEXEC) == 30 && fcntl(30, F_GETFD) == FD_CLOEXEC);
    check("dup3 bad flags", dup3(fd, 31, O_APPEND) == -1 && errno == EINVAL);
    close(30);
    close(fd);
}

static void test_dirs(void)
{
    char buf[512];
    DIR *d;
    struct dirent *e;
    int seen = 0;

    check("mkdir", mkdir(in_dir("d"), 0750) == 0);
    check("mkdir EEXIST", mkdir(in_dir("d"), 0750) == -1 && errno == EEXIST);
    check("rename", rename(in_dir("f"), in_dir("d/g")) == 0);
    check("link", link(in_dir("d/g"), in_dir("h")) == 0);
    check("symlink", symlink("d/g", in_dir("s")) == 0);
    check("readlink", readlink(in_dir("s"), buf, sizeof(buf)) == 3 && !memcmp(buf, "d/g", 3));
    check("access R_OK", access(in_dir("s"), R_OK) == 0);
    check("faccessat ENOENT", faccessat(AT_FDCWD, in_dir("x"), F_OK, 0) == -1 &&
          errno == ENOENT);
    d = opendir(dir);
    while (d && (e = readdir(d))) {
        seen += !strcmp(e->d_name, "d") || !strcmp(e->d_name, "h") || !strcmp(e->d_name, "s");
    }
    check("getdents64 lists entries", seen == 3);
    if (d) {
        closedir(d);
    }
    check("chdir", chdir(in_dir("d")) == 0);
    check("getcwd", getcwd(buf, sizeof(buf)) && !strcmp(buf + strlen(buf) - 2, "/d"));
    check("getcwd ERANGE", getcwd(buf, 2) == NULL && errno == ERANGE);
    check("relative open", open("g", O_RDONLY) >= 0);
    check("chdir back", chdir("/") == 0);
    check("chmod", chmod(in_dir("h"), 0600) == 0);
    check("fchmodat", fchmodat(AT_FDCWD, in_dir("h"), 0644, 0) == 0);
    check("utimensat", utimensat(AT_FDCWD, in_dir("h"),
                                 (struct timespec[2]){ { 1000, 0 }, { 2000, 0 } }, 0) == 0);
    {
        struct stat st;
        check("mtime set", stat(in_dir("h"), &st) == 0 && st.st_mtime == 2000 &&
              (st.st_mode & 0777) == 0644);
    }
    check("truncate", truncate(in_dir("h"), 100) == 0);
    check("mkfifo", mkfifo(in_dir("p"), 0600) == 0);
    check("unlink", unlink(in_dir("h")) == 0 && unlink(in_dir("s")) == 0 &&
          unlink(in_dir("p")) == 0 && unlink(in_dir("d/g")) == 0);
    check("rmdir", rmdir(in_dir("d")) == 0);
    umask(027);
    check("umask", umask(022) == 027);
}

static void test_pipes(void)
{
    int p[2], q[2], n = 0;
    char buf[16] = { 0 };
    int mfd;
    off_t off = 0;

    check("pipe2", pipe2(p, O_CLOEXEC) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC);
    check("pipe write", write(p[1], "xyz", 3) == 3);
    check("FIONREAD", ioctl(p[0], FIONREAD, &n) == 0 && n == 3);
    check("pipe read", read(p[0], buf, 3) == 3 && !memcmp(buf, "xyz", 3));
    mfd = memfd_create("t", MFD_ALLOW_SEALING);
    check("memfd_create", mfd >= 0 && write(mfd, "0123456789", 10) == 10);
    check("F_ADD_SEALS", fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0 &&
          fcntl(mfd, F_GET_SEALS) == F_SEAL_SHRINK);
    check("sealed shrink fails", ftruncate(mfd, 1) == -1 && errno == EPERM);
    check("sendfile", sendfile(p[1], mfd, &off, 4) == 4 && off == 4 &&
          read(p[0], buf, 4) == 4 && !memcmp(buf, "0123", 4));
    check("pipe2 #2", pipe(q) == 0);
    check("splice", write(p[1], "abc", 3) == 3 && splice(p[0], NULL, q[1], NULL, 3, 0) == 3 &&
          read(q[0], buf, 3) == 3 && !memcmp(buf, "abc", 3));
    {
        int src = open(in_dir("cfs"), O_RDWR | O_CREAT | O_TRUNC, 0600);
        int out = open(in_dir("cfr"), O_RDWR | O_CREAT | O_TRUNC, 0600);
        loff_t in_off = 2;
        check("copy_file_range", write(src, "0123456789", 10) == 10 &&
              copy_file_range(src, &in_off, out, NULL, 3, 0) == 3 &&
              in_off == 5 && pread(out, buf, 3, 0) == 3 && !memcmp(buf, "234", 3));
        close(src);
        close(out);
        unlink(in_dir("cfs"));
        unlink(in_dir("cfr"));
    }
    close(p[0]); close(p[1]); close(q[0]); close(q[1]); close(mfd);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1) {
        snprintf(dir, sizeof(dir), "%s", argv[1]);
    } else {
        snprintf(dir, sizeof(dir), "/tmp/files-io.XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 2;
        }
    }
    test_rw();
    test_stat();
    test_fcntl();
    test_dirs();
    test_pipes();
    if (argc <= 1) {
        rmdir(dir);
    }
    printf("failures: %d\n", failures);
    return failures != 0;
}
