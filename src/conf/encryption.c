/* encryption.c: (being written) */
#include <glib.h>
