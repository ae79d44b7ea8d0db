/* fuzz-secret-xml.c: libFuzzer target for the <secret> parser. Any input must either be
 * refused with an error or parse into a definition that formats, parses back equal. */
#include <stdlib.h>
#include <string.h>

#include "conf/secret_conf.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static gboolean
same_def(const VstorSecretDef *a, const VstorSecretDef *b)
{
    return a->ephemeral == b->ephemeral && a->private_ == b->private_ &&
           memcmp(a->uuid, b->uuid, sizeof(a->uuid)) == 0 &&
           g_strcmp0(a->description, b->description) == 0 && a->usage_type == b->usage_type &&
           g_strcmp0(a->usage_id, b->usage_id) == 0;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorSecretDef) def = vstor_secret_def_parse(text, &err);
    g_autoptr(VstorSecretDef) again = NULL;
    g_autoptr(VstorSecretDef) copy = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    if (!def) {
        if (!err || err->domain != VSTOR_ERROR || !err->message[0])
            abort(); /* a refusal must say why */
        return 0;
    }
    if (!(out = vstor_secret_def_format(def)))
        abort(); /* a parsed definition always formats */
    if (!(again = vstor_secret_def_parse(out, &err)))
        abort(); /* what we write we must read back */
    if (!same_def(def, again))
        abort(); /* ... as the same definition */
    out2 = vstor_secret_def_format(again);
    if (strcmp(out, out2) != 0)
        abort(); /* formatting is a fixed point */
    copy = vstor_secret_def_copy(def);
    if (!same_def(def, copy))
        abort();
    return 0;
}
