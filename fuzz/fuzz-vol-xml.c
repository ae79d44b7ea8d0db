/* fuzz-vol-xml.c: libFuzzer target for the volume XML parser. The first byte picks the
 * pool type and parse flags; the rest is the document. Refusal or a fixed-point round trip. */
#include <stdlib.h>
#include <string.h>

#include "conf/vol_conf.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    VstorPoolType type;
    unsigned int flags;
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(VstorVolDef) again = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    if (size < 1)
        return 0;
    type = (VstorPoolType)(data[0] % VSTOR_POOL_TYPE_LAST);
    flags = (data[0] / VSTOR_POOL_TYPE_LAST) % 4;
    text = g_strndup((const char *)data + 1, size - 1);
    def = vstor_vol_def_parse(type, text, flags, &err);
    if (!def) {
        if (!err || err->domain != VSTOR_ERROR || !err->message[0])
            abort();
        return 0;
    }
    out = vstor_vol_def_format(type, def);
    /* A volume parsed without capacity formats as capacity 0, which reads back fine. */
    again = vstor_vol_def_parse(type, out, flags, &err);
    if (!again)
        abort();
    out2 = vstor_vol_def_format(type, again);
    if (strcmp(out, out2) != 0)
        abort();
    return 0;
}
