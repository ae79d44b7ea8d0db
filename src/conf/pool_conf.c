/* pool_conf.c: parse, validate and format <pool>. The rules run in libvirt's order, so that a
 * definition with several faults reports the same one libvirt would. */
#include "conf/pool_conf.h"

#include <string.h>
#include <libxml/xpathInternals.h>

#include "util/error.h"

const char *const vstor_pool_refresh_allocation_names[] = {"default", "capacity", NULL};

/* How the options of each backend namespace are spelled; keyed by the capability table's
 * ns_prefix, so a type gets its namespace from the table and its syntax from here. */
typedef struct {
    const char *prefix;
    const char *options_xpath; /* relative to <pool>, prefix registered */
    const char *container; /* element holding the options, for formatting */
    gboolean with_value; /* rbd options are name=value pairs */
    const char *no_name_msg;
} NsSyntax;

static const NsSyntax ns_syntaxes[] = {
    {"fs", "./fs:mount_opts/fs:option", "mount_opts", FALSE, "no fs mount option name specified"},
    {"rbd", "./rbd:config_opts/rbd:option", "config_opts", TRUE, "no rbd option name specified"},
};

static const NsSyntax *
ns_syntax_for(const VstorPoolCaps *caps)
{
    if (!caps->ns_prefix)
        return NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(ns_syntaxes); i++)
        if (strcmp(ns_syntaxes[i].prefix, caps->ns_prefix) == 0)
            return &ns_syntaxes[i];
    return NULL;
}

static void
clear_ns_options(VstorPoolDef *def)
{
    for (guint i = 0; i < def->n_ns_options; i++) {
        g_free(def->ns_options[i].name);
        g_free(def->ns_options[i].value);
    }
    g_clear_pointer(&def->ns_options, g_free);
    def->n_ns_options = 0;
}

void
vstor_pool_def_free(VstorPoolDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    vstor_pool_source_clear(&def->source);
    g_free(def->target_path);
    vstor_perms_clear(&def->target_perms);
    clear_ns_options(def);
    g_free(def);
}

static int
parse_ns_option(xmlNode *node, const NsSyntax *syntax, VstorPoolNsOption *opt, GError **err)
{
    if (!(opt->name = vstor_pool_attr(node, "name"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "%s", syntax->no_name_msg);
        return -1;
    }
    if (!syntax->with_value)
        return 0;
    /* Unlike mount options, an rbd option must say something: both halves non-empty. */
    if (!*opt->name) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "empty rbd option name specified");
        return -1;
    }
    if (!(opt->value = vstor_pool_attr(node, "value"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "no rbd option value specified for name '%s'",
                        opt->name);
        return -1;
    }
    if (!*opt->value) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "empty rbd option value specified for name '%s'",
                        opt->name);
        return -1;
    }
    return 0;
}

static int
parse_ns_options(xmlXPathContext *ctxt, const VstorPoolCaps *caps, VstorPoolDef *def, GError **err)
{
    const NsSyntax *syntax = ns_syntax_for(caps);
    g_autofree xmlNode **nodes = NULL;
    guint n;

    if (!syntax)
        return 0;
    /* Options are matched by namespace URI, whatever prefix the document chose. */
    if (xmlXPathRegisterNs(ctxt, BAD_CAST caps->ns_prefix, BAD_CAST caps->ns_href) < 0) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "failed to register xml namespace '%s'",
                        caps->ns_href);
        return -1;
    }
    if ((n = vstor_xml_nodes(ctxt, syntax->options_xpath, &nodes)) == 0)
        return 0;
    def->ns_options = g_new0(VstorPoolNsOption, n);
    for (guint i = 0; i < n; i++) {
        if (parse_ns_option(nodes[i], syntax, &def->ns_options[i], err) < 0) {
            def->n_ns_options = i + 1;
            return -1;
        }
    }
    def->n_ns_options = n;
    return 0;
}

static int
parse_type(xmlNode *root, VstorPoolType *ret_type, GError **err)
{
    g_autofree char *type = vstor_pool_attr(root, "type");
    int value;

    if (!type) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Missing required attribute 'type' in element 'pool'");
        return -1;
    }
    if ((value = vstor_pool_type_from_string(type)) < 0) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Invalid value for attribute 'type' in element 'pool': '%s'.", type);
        return -1;
    }
    *ret_type = (VstorPoolType)value;
    return 0;
}

static int
parse_name_uuid(xmlXPathContext *ctxt, const VstorPoolCaps *caps, VstorPoolDef *def, GError **err)
{
    g_autofree char *uuid = NULL;

    def->name = vstor_xml_string(ctxt, "string(./name)");
    /* Types whose source has a name (a VG, an rbd pool …) may leave the pool unnamed. */
    if (!def->name && (caps->source_flags & VSTOR_SOURCE_NAME))
        def->name = g_strdup(def->source.name);
    if (!def->name) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing pool source name element");
        return -1;
    }
    if (strchr(def->name, '/')) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "name %s cannot contain '/'", def->name);
        return -1;
    }

    if (!(uuid = vstor_xml_string(ctxt, "string(./uuid)")))
        vstor_uuid_generate(def->uuid);
    else if (!vstor_uuid_parse(uuid, def->uuid)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "malformed uuid element");
        return -1;
    }
    return 0;
}

static int
parse_features(xmlXPathContext *ctxt, const VstorPoolCaps *caps, VstorPoolDef *def, GError **err)
{
    xmlNode *cow = vstor_xml_node(ctxt, "./features/cow");
    VstorPoolTristate state;
    int rc = vstor_pool_attr_tristate(cow, "state", vstor_pool_yes_no_names, &state, err);

    if (rc <= 0)
        return rc;
    if (!(caps->rules & VSTOR_RULE_COW_FEATURE)) {
        /* The text lists the types carrying VSTOR_RULE_COW_FEATURE, in libvirt's words. */
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "cow feature may only be used for 'fs' and 'dir' pools");
        return -1;
    }
    def->cow = state;
    return 0;
}

/* What the type's source must hold, checked once the whole definition is read. */
static int
check_source(const VstorPoolCaps *caps, VstorPoolDef *def, GError **err)
{
    VstorPoolSource *source = &def->source;

    if ((caps->source_flags & VSTOR_SOURCE_HOST) && source->n_hosts == 0) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing storage pool source host name");
        return -1;
    }
    if ((caps->source_flags & VSTOR_SOURCE_DIR) && !source->dir) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing storage pool source path");
        return -1;
    }
    if ((caps->source_flags & VSTOR_SOURCE_NAME) && !source->name)
        source->name = g_strdup(def->name);
    if ((caps->source_flags & VSTOR_SOURCE_ADAPTER) &&
        vstor_pool_adapter_validate(&source->adapter, err) < 0)
        return -1;
    /* A device is required only where it is the one thing a source can be (fs, disk). */
    if (caps->source_flags == VSTOR_SOURCE_DEVICE && source->n_devices == 0) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing storage pool source device name");
        return -1;
    }
    return 0;
}

static int
parse_target(xmlXPathContext *ctxt, const VstorPoolCaps *caps, VstorPoolDef *def, GError **err)
{
    g_autofree char *path = NULL;

    /* Network pools have no local target at all; whatever <target> says is ignored. */
    if (caps->source_flags & VSTOR_SOURCE_NETWORK)
        return 0;
    if (caps->target_prefix) {
        path = g_strconcat(caps->target_prefix, def->source.name, NULL);
    } else if (!(path = vstor_xml_string(ctxt, "string(./target/path)"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing storage pool target path");
        return -1;
    }
    def->target_path = vstor_pool_sanitize_path(path);
    return vstor_perms_parse(ctxt, "./target/permissions", &def->target_perms, err);
}

static int
parse_refresh(xmlXPathContext *ctxt, VstorPoolDef *def, GError **err)
{
    g_autofree char *allocation = vstor_xml_string(ctxt, "string(./refresh/volume/@allocation)");
    int value;

    if (!allocation)
        return 0;
    if ((value = vstor_enum_from_string(vstor_pool_refresh_allocation_names, allocation)) < 0) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "unknown storage pool volume refresh allocation type %s", allocation);
        return -1;
    }
    def->refresh_allocation = (VstorPoolRefreshAllocation)value;
    return 0;
}

VstorPoolDef *
vstor_pool_def_parse_node(xmlDoc *doc, xmlNode *root, GError **err)
{
    g_autoptr(VstorPoolDef) def = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    const VstorPoolCaps *caps;
    xmlNode *source;

    g_return_val_if_fail(doc != NULL && root != NULL, NULL);

    if (!vstor_xml_is(root, "pool")) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "expecting root element of 'pool', not '%s'",
                        (const char *)root->name);
        return NULL;
    }
    def = g_new0(VstorPoolDef, 1);
    vstor_perms_init(&def->target_perms);
    def->refresh_allocation = VSTOR_POOL_REFRESH_UNSET;
    ctxt = vstor_xml_context_new(doc, root);

    if (parse_type(root, &def->type, err) < 0)
        return NULL;
    caps = vstor_pool_caps(def->type);

    if ((source = vstor_xml_node(ctxt, "./source"))) {
        if (vstor_pool_source_parse(ctxt, source, def->type, &def->source, err) < 0)
            return NULL;
    } else if (caps->source_formats) {
        def->source.format = caps->default_source_format;
    }

    if (parse_name_uuid(ctxt, caps, def, err) < 0 || parse_features(ctxt, caps, def, err) < 0 ||
        check_source(caps, def, err) < 0 || parse_target(ctxt, caps, def, err) < 0)
        return NULL;

    if ((caps->rules & VSTOR_RULE_INITIATOR_REQUIRED) && !def->source.initiator_iqn) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "missing initiator IQN");
        return NULL;
    }

    if (parse_refresh(ctxt, def, err) < 0 || parse_ns_options(ctxt, caps, def, err) < 0)
        return NULL;
    return g_steal_pointer(&def);
}

VstorPoolDef *
vstor_pool_def_parse(const char *xml, unsigned int flags, GError **err)
{
    g_autoptr(xmlDoc) doc = NULL;

    g_return_val_if_fail(xml != NULL, NULL);

    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, G_STRFUNC);
        return NULL;
    }
    if (!(doc = vstor_xml_parse(xml, "(storage_pool_definition)", "pool", err)))
        return NULL;
    return vstor_pool_def_parse_node(doc, xmlDocGetRootElement(doc), err);
}

static void
format_ns_options(VstorXmlWriter *w, const VstorPoolCaps *caps, const VstorPoolDef *def)
{
    const NsSyntax *syntax = ns_syntax_for(caps);

    if (!syntax || def->n_ns_options == 0)
        return;
    vstor_xml_writer_addf(w, "<%s:%s>\n", syntax->prefix, syntax->container);
    vstor_xml_writer_push(w);
    for (guint i = 0; i < def->n_ns_options; i++) {
        vstor_xml_writer_addf(w, "<%s:option", syntax->prefix);
        vstor_xml_writer_escapef(w, " name='%s'", def->ns_options[i].name);
        vstor_xml_writer_escapef(w, " value='%s'", def->ns_options[i].value);
        vstor_xml_writer_addf(w, "/>\n");
    }
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</%s:%s>\n", syntax->prefix, syntax->container);
}

char *
vstor_pool_def_format(const VstorPoolDef *def)
{
    const VstorPoolCaps *caps;
    char uuid[VSTOR_UUID_STRING_LEN];
    VstorXmlWriter w;

    g_return_val_if_fail(def != NULL, NULL);
    caps = vstor_pool_caps(def->type);
    g_return_val_if_fail(caps != NULL, NULL);
    g_return_val_if_fail(!caps->source_formats ||
                             vstor_enum_to_string(caps->source_formats, def->source.format),
                         NULL);

    vstor_xml_writer_init(&w);
    vstor_xml_writer_addf(&w, "<pool type='%s'", caps->name);
    if (def->n_ns_options && ns_syntax_for(caps))
        vstor_xml_writer_addf(&w, " xmlns:%s='%s'", caps->ns_prefix, caps->ns_href);
    vstor_xml_writer_addf(&w, ">\n");
    vstor_xml_writer_push(&w);

    vstor_xml_writer_escapef(&w, "<name>%s</name>\n", def->name);
    vstor_uuid_format(def->uuid, uuid);
    vstor_xml_writer_addf(&w, "<uuid>%s</uuid>\n", uuid);
    vstor_xml_writer_addf(&w, "<capacity unit='bytes'>%llu</capacity>\n", def->capacity);
    vstor_xml_writer_addf(&w, "<allocation unit='bytes'>%llu</allocation>\n", def->allocation);
    vstor_xml_writer_addf(&w, "<available unit='bytes'>%llu</available>\n", def->available);

    if (def->cow != VSTOR_POOL_TRISTATE_ABSENT) {
        vstor_xml_writer_addf(&w, "<features>\n");
        vstor_xml_writer_push(&w);
        vstor_xml_writer_addf(&w, "<cow state='%s'/>\n", vstor_pool_yes_no_names[def->cow]);
        vstor_xml_writer_pop(&w);
        vstor_xml_writer_addf(&w, "</features>\n");
    }

    vstor_pool_source_format(&w, def->type, &def->source);

    if (!(caps->source_flags & VSTOR_SOURCE_NETWORK)) {
        vstor_xml_writer_addf(&w, "<target>\n");
        vstor_xml_writer_push(&w);
        vstor_xml_writer_escapef(&w, "<path>%s</path>\n", def->target_path);
        vstor_perms_format(&w, &def->target_perms);
        vstor_xml_writer_pop(&w);
        vstor_xml_writer_addf(&w, "</target>\n");
    }

    if (def->refresh_allocation != VSTOR_POOL_REFRESH_UNSET) {
        vstor_xml_writer_addf(&w, "<refresh>\n");
        vstor_xml_writer_push(&w);
        vstor_xml_writer_addf(&w, "<volume allocation='%s'/>\n",
                              vstor_pool_refresh_allocation_names[def->refresh_allocation]);
        vstor_xml_writer_pop(&w);
        vstor_xml_writer_addf(&w, "</refresh>\n");
    }

    format_ns_options(&w, caps, def);

    vstor_xml_writer_pop(&w);
    vstor_xml_writer_addf(&w, "</pool>\n");
    return vstor_xml_writer_finish(&w);
}

int
vstor_pool_def_check_define(const VstorPoolDef *def, GError **err)
{
    g_return_val_if_fail(def != NULL && def->name != NULL, -1);

    /* A newline would split the name across lines in virsh's tables and in saved files. */
    if (strchr(def->name, '\n')) {
        vstor_error_set(err, VSTOR_ERR_XML_DETAIL, "invalid char in name: %c", '\n');
        return -1;
    }
    return 0;
}
