/* pool_source.c: (being written) */
#include <glib.h>
