/* fuzz-pool-xml.c: libFuzzer target for the pool XML parser. Any input must either be
 * refused with an error or parse into a definition whose formatted XML is a fixed point. */
#include <stdlib.h>
#include <string.h>

#include "conf/pool_conf.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(text, 0, &err);
    g_autoptr(VstorPoolDef) again = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    if (!def) {
        if (!err || err->domain != VSTOR_ERROR || !err->message[0])
            abort(); /* a refusal must say why */
        return 0;
    }
    out = vstor_pool_def_format(def);
    again = vstor_pool_def_parse(out, 0, &err);
    if (!again)
        abort(); /* what we write we must read back */
    out2 = vstor_pool_def_format(again);
    if (strcmp(out, out2) != 0)
        abort(); /* formatting is a fixed point */
    return 0;
}
