/* define_args.c: (being written) */
#include <glib.h>
