/*
 * Unit tests for error objects.
 */
#include "config.h"
#include <glib.h>
#include <errno.h>
#include "libcore/error.h"

static void test_set_once(void)
{
    Error *err = NULL;
    error_setf(&err, "first %d", 1);
    error_setf(&err, "second");
    g_assert_cmpstr(error_message(err), ==, "first 1");
    g_assert_cmpint(error_class(err), ==, ERROR_CLASS_GENERIC);
    error_free(err);
}

static void test_errno_and_prepend(void)
{
    Error *err = NULL;
    error_setf_errno(&err, -ENOENT, "open '%s'", "x");
    error_prepend(&err, "ctx: ");
    g_assert_cmpstr(error_message(err), ==, "ctx: open 'x': No such file or directory");
    error_free(err);
}

static void test_propagate(void)
{
    Error *a = NULL, *b = NULL, *c = NULL;
    error_setf(&a, "a");
    error_setf(&b, "b");
    error_propagate(&c, a);
    error_propagate(&c, b);       /* c already set: b is freed */
    g_assert_cmpstr(error_message(c), ==, "a");
    error_propagate(NULL, NULL);
    error_clear(&c);
    g_assert_null(c);
    error_setf(NULL, "ignored");
}

static void test_class_names(void)
{
    Error *err = NULL;
    error_set_class(&err, ERROR_CLASS_COMMAND_NOT_FOUND, "nope");
    g_assert_cmpstr(error_class_name(error_class(err)), ==, "CommandNotFound");
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/set-once", test_set_once);
    g_test_add_func("/error/errno-prepend", test_errno_and_prepend);
    g_test_add_func("/error/propagate", test_propagate);
    g_test_add_func("/error/class-names", test_class_names);
    return g_test_run();
}
