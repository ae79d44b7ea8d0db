/* pool_conf.c: (being written) */
#include <glib.h>
