/*
 * Types that libcore itself provides, registered when the registry starts.
 */
#ifndef LIBCORE_OBJECT_INT_H
#define LIBCORE_OBJECT_INT_H

#include "libcore/object.h"

extern const TypeInfo secret_type_info;

#endif
