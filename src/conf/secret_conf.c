/* secret_conf.c: parse, validate and format <secret>. Each usage type names its identifier
 * element in one table, which drives both directions and the error texts. */
#include "conf/secret_conf.h"

#include <string.h>

#include "util/error.h"
#include "util/xml.h"

typedef struct {
    const char *name; /* usage type attribute */
    const char *element; /* element holding the identifier, NULL for none */
    const char *missing; /* libvirt's message when that element is absent */
} UsageSyntax;

static const UsageSyntax usage_syntax[VSTOR_SECRET_USAGE_LAST] = {
    [VSTOR_SECRET_USAGE_NONE] = {"none", NULL, NULL},
    [VSTOR_SECRET_USAGE_VOLUME] = {"volume", "volume",
                                   "volume usage specified, but volume path is missing"},
    [VSTOR_SECRET_USAGE_CEPH] = {"ceph", "name", "Ceph usage specified, but name is missing"},
    [VSTOR_SECRET_USAGE_ISCSI] = {"iscsi", "target",
                                  "iSCSI usage specified, but target is missing"},
    [VSTOR_SECRET_USAGE_TLS] = {"tls", "name", "TLS usage specified, but name is missing"},
    [VSTOR_SECRET_USAGE_VTPM] = {"vtpm", "name", "vTPM usage specified, but name is missing"},
};

void
vstor_secret_def_free(VstorSecretDef *def)
{
    if (!def)
        return;
    g_free(def->description);
    g_free(def->usage_id);
    g_free(def);
}

const char *
vstor_secret_usage_type_to_string(int type)
{
    if (type < 0 || type >= VSTOR_SECRET_USAGE_LAST)
        return NULL;
    return usage_syntax[type].name;
}

int
vstor_secret_usage_type_from_string(const char *str)
{
    for (int i = 0; str && i < VSTOR_SECRET_USAGE_LAST; i++)
        if (strcmp(usage_syntax[i].name, str) == 0)
            return i;
    return -1;
}

static int
parse_yes_no(xmlXPathContext *ctxt, const char *xpath, const char *what, gboolean *ret_value,
             GError **err)
{
    g_autofree char *str = vstor_xml_string(ctxt, xpath);

    if (!str)
        return 0;
    if (strcmp(str, "yes") == 0)
        *ret_value = TRUE;
    else if (strcmp(str, "no") == 0)
        *ret_value = FALSE;
    else {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "invalid value of '%s'", what);
        return -1;
    }
    return 0;
}

static int
parse_usage(xmlXPathContext *ctxt, VstorSecretDef *def, GError **err)
{
    g_autofree char *type_str = vstor_xml_string(ctxt, "string(./usage/@type)");
    g_autofree char *xpath = NULL;
    int type;

    if (!type_str) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "unknown secret usage type");
        return -1;
    }
    if ((type = vstor_secret_usage_type_from_string(type_str)) < 0) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "unknown secret usage type %s",
                        type_str);
        return -1;
    }
    def->usage_type = type;
    if (!usage_syntax[type].element)
        return 0;
    xpath = g_strdup_printf("string(./usage/%s)", usage_syntax[type].element);
    if (!(def->usage_id = vstor_xml_string(ctxt, xpath))) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s", usage_syntax[type].missing);
        return -1;
    }
    return 0;
}

/* Escaping can make the formatted document up to six times the size of what was read (a
 * ' in text becomes &apos;): refuse a definition we could write but not read back, so that
 * what is stored always loads again (found by fuzz-secret-xml). */
static int
check_formatted_size(const VstorSecretDef *def, GError **err)
{
    g_autofree char *out = vstor_secret_def_format(def);

    if (out && strlen(out) > VSTOR_XML_MAX_SIZE) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "secret definition would be larger than %d bytes once formatted; "
                        "shorten its description or usage",
                        VSTOR_XML_MAX_SIZE);
        return -1;
    }
    return 0;
}

VstorSecretDef *
vstor_secret_def_parse(const char *xml, GError **err)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(VstorSecretDef) def = g_new0(VstorSecretDef, 1);
    g_autofree char *uuid = NULL;

    g_return_val_if_fail(xml != NULL, NULL);
    if (!(doc = vstor_xml_parse(xml, "(definition_of_secret)", "secret", err)))
        return NULL;
    ctxt = vstor_xml_context_new(doc, NULL);
    if (parse_yes_no(ctxt, "string(./@ephemeral)", "ephemeral", &def->ephemeral, err) < 0 ||
        parse_yes_no(ctxt, "string(./@private)", "private", &def->private_, err) < 0)
        return NULL;
    if (!(uuid = vstor_xml_string(ctxt, "string(./uuid)")))
        vstor_uuid_generate(def->uuid);
    else if (!vstor_uuid_parse(uuid, def->uuid)) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "malformed uuid element");
        return NULL;
    }
    def->description = vstor_xml_string(ctxt, "string(./description)");
    if (vstor_xml_node(ctxt, "./usage") && parse_usage(ctxt, def, err) < 0)
        return NULL;
    if (check_formatted_size(def, err) < 0)
        return NULL;
    return g_steal_pointer(&def);
}

char *
vstor_secret_def_format(const VstorSecretDef *def)
{
    VstorXmlWriter w;
    char uuid[VSTOR_UUID_STRING_LEN];
    const UsageSyntax *usage;

    g_return_val_if_fail(def != NULL, NULL);
    g_return_val_if_fail(def->usage_type < VSTOR_SECRET_USAGE_LAST, NULL);
    usage = &usage_syntax[def->usage_type];
    vstor_xml_writer_init(&w);
    vstor_xml_writer_addf(&w, "<secret ephemeral='%s' private='%s'>\n",
                          def->ephemeral ? "yes" : "no", def->private_ ? "yes" : "no");
    vstor_xml_writer_push(&w);
    vstor_uuid_format(def->uuid, uuid);
    vstor_xml_writer_addf(&w, "<uuid>%s</uuid>\n", uuid);
    vstor_xml_writer_escapef(&w, "<description>%s</description>\n", def->description);
    if (def->usage_type != VSTOR_SECRET_USAGE_NONE) {
        g_autofree char *line = g_strdup_printf("<%s>%%s</%s>\n", usage->element, usage->element);

        vstor_xml_writer_addf(&w, "<usage type='%s'>\n", usage->name);
        vstor_xml_writer_push(&w);
        vstor_xml_writer_escapef(&w, line, def->usage_id);
        vstor_xml_writer_pop(&w);
        vstor_xml_writer_addf(&w, "</usage>\n");
    }
    vstor_xml_writer_pop(&w);
    vstor_xml_writer_addf(&w, "</secret>\n");
    return vstor_xml_writer_finish(&w);
}

VstorSecretDef *
vstor_secret_def_copy(const VstorSecretDef *def)
{
    VstorSecretDef *copy = g_new0(VstorSecretDef, 1);

    *copy = *def;
    copy->description = g_strdup(def->description);
    copy->usage_id = g_strdup(def->usage_id);
    return copy;
}
