/* Shared inside monitor/: the introspection schema builder (qmp-schema.c). */
#ifndef MONITOR_QMP_INT_H
#define MONITOR_QMP_INT_H

#include <glib.h>

#include "libcore/qmp-dispatch.h"

/* query-qmp-schema's SchemaInfo list for cmds and the event names (may be NULL). */
QObject *qmp_schema_build(QmpCommandList *cmds, GPtrArray *events);

#endif
