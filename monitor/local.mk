# monitor/: QMP sessions (and later HMP), compiled into libcore.
libcore_libcore_la_SOURCES += monitor/qmp.h monitor/qmp.c monitor/qmp-int.h monitor/qmp-schema.c
