/* perms.c: parse and format <permissions>; the range checks here are what keeps an owner
 * of 2^40 or a mode of 01777 out of every definition. */
#include "conf/perms.h"

#include <errno.h>
#include <stdlib.h>

#include "util/error.h"

void
vstor_perms_init(VstorPerms *perms)
{
    perms->mode = VSTOR_PERMS_UNSET_MODE;
    perms->uid = VSTOR_PERMS_UNSET_ID;
    perms->gid = (gid_t)-1;
    perms->label = NULL;
}

void
vstor_perms_clear(VstorPerms *perms)
{
    g_clear_pointer(&perms->label, g_free);
    vstor_perms_init(perms);
}

void
vstor_perms_copy(VstorPerms *dst, const VstorPerms *src)
{
    vstor_perms_clear(dst);
    dst->mode = src->mode;
    dst->uid = src->uid;
    dst->gid = src->gid;
    dst->label = g_strdup(src->label);
}

gboolean
vstor_perms_is_set(const VstorPerms *perms)
{
    return perms->mode != VSTOR_PERMS_UNSET_MODE || perms->uid != VSTOR_PERMS_UNSET_ID ||
           perms->gid != (gid_t)-1 || perms->label != NULL;
}

/* An owner or group: a base-10 number that fits uid_t, or -1 (written by old versions). */
static gboolean
parse_id(const char *str, guint32 *ret)
{
    char *end = NULL;
    long long v;

    if (!str)
        return FALSE;
    errno = 0;
    v = strtoll(str, &end, 10);
    if (errno || end == str || *end)
        return FALSE;
    if (v != -1 && (v < 0 || v > (long long)G_MAXUINT32))
        return FALSE;
    *ret = (guint32)v;
    return TRUE;
}

int
vstor_perms_parse(xmlXPathContext *ctxt, const char *xpath, VstorPerms *perms, GError **err)
{
    xmlNode *node = vstor_xml_node(ctxt, xpath);
    xmlNode *saved = ctxt->node;
    g_autofree char *mode = NULL;
    g_autofree char *owner = NULL;
    g_autofree char *group = NULL;
    guint32 id;
    int ret = -1;

    vstor_perms_init(perms);
    if (!node)
        return 0;
    ctxt->node = node;

    if ((mode = vstor_xml_string(ctxt, "string(./mode)"))) {
        char *end = NULL;
        long v;

        errno = 0;
        v = strtol(mode, &end, 8);
        if (errno || end == mode || *end || v < 0 || (v & ~0777L)) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR, "malformed octal mode");
            goto out;
        }
        perms->mode = (mode_t)v;
    }
    if (vstor_xml_node(ctxt, "./owner")) {
        owner = vstor_xml_string(ctxt, "string(./owner)");
        if (!parse_id(owner, &id)) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR, "malformed owner element");
            goto out;
        }
        perms->uid = (uid_t)id;
    }
    if (vstor_xml_node(ctxt, "./group")) {
        group = vstor_xml_string(ctxt, "string(./group)");
        if (!parse_id(group, &id)) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR, "malformed group element");
            goto out;
        }
        perms->gid = (gid_t)id;
    }
    perms->label = vstor_xml_string(ctxt, "string(./label)");
    ret = 0;

out:
    ctxt->node = saved;
    if (ret < 0)
        vstor_perms_clear(perms);
    return ret;
}

void
vstor_perms_format(VstorXmlWriter *w, const VstorPerms *perms)
{
    if (!vstor_perms_is_set(perms))
        return;
    vstor_xml_writer_addf(w, "<permissions>\n");
    vstor_xml_writer_push(w);
    if (perms->mode != VSTOR_PERMS_UNSET_MODE)
        vstor_xml_writer_addf(w, "<mode>0%o</mode>\n", (unsigned)perms->mode);
    /* libvirt prints ids as signed ints, so ids of 2^31 and up come out negative and its
     * own parser then refuses them; unsigned output reads back as written. */
    if (perms->uid != VSTOR_PERMS_UNSET_ID)
        vstor_xml_writer_addf(w, "<owner>%u</owner>\n", (unsigned)perms->uid);
    if (perms->gid != (gid_t)-1)
        vstor_xml_writer_addf(w, "<group>%u</group>\n", (unsigned)perms->gid);
    vstor_xml_writer_escapef(w, "<label>%s</label>\n", perms->label);
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</permissions>\n");
}
