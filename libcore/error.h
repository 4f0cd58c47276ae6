/*
 * Error objects: library code reports failures through an Error ** and never
 * prints or exits; programs decide how to show them (one line, "prog: reason").
 */
#ifndef LIBCORE_ERROR_H
#define LIBCORE_ERROR_H

#include <stdbool.h>
#include <stdio.h>

/* The QMP error classes; most errors are ERROR_CLASS_GENERIC. */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
} ErrorClass;

typedef struct Error Error;

/* Set *errp to a new error unless errp is NULL or *errp is already set. */
void error_setf(Error **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, appending ": strerror(errnum)". errnum may be given negative. */
void error_setf_errno(Error **errp, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void error_set_class(Error **errp, ErrorClass cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the message of an already set error: "context: old message". */
void error_prepend(Error **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Move src into *dst (or free it when dst is NULL or already set). */
void error_propagate(Error **dst, Error *src);
const char *error_message(const Error *err);
ErrorClass error_class(const Error *err);
const char *error_class_name(ErrorClass cls);
void error_free(Error *err);
/* Free *errp and set it to NULL. */
void error_clear(Error **errp);

/* Program name used by error_report*: set once by main(). */
void error_set_progname(const char *argv0);
const char *error_progname(void);
/* Print "prog: message" to stderr. */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: <message of err>" to stderr and free err. */
void error_report_err(Error *err);

#endif
