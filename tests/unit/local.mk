# tests/unit: GTest programs in TAP mode for library code.
UNIT_LDADD = libcore/libcore.la $(GLIB_LIBS)

check_PROGRAMS += tests/unit/test-error
tests_unit_test_error_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-error
