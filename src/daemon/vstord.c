/* vstord.c: (being written) */
#include <glib.h>
int main(void) { return 0; }
