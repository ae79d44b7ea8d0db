/* pool_source.c: parse and format a pool's <source>. What a type accepts and writes comes from
 * its capability entry; parsing reads every child for every type, as libvirt does. */
#include "conf/pool_source.h"

#include <string.h>

#include "util/error.h"

const char *const vstor_pool_auth_type_names[] = {"none", "chap", "ceph", NULL};

void
vstor_pool_auth_free(VstorPoolAuth *auth)
{
    if (!auth)
        return;
    g_free(auth->username);
    g_free(auth->secret_type);
    g_free(auth->secret_usage);
    g_free(auth);
}

void
vstor_pool_source_clear(VstorPoolSource *source)
{
    if (!source)
        return;
    for (guint i = 0; i < source->n_hosts; i++)
        g_free(source->hosts[i].name);
    g_free(source->hosts);
    for (guint i = 0; i < source->n_devices; i++) {
        g_free(source->devices[i].path);
        g_free(source->devices[i].free_extents);
    }
    g_free(source->devices);
    g_free(source->dir);
    vstor_pool_adapter_clear(&source->adapter);
    g_free(source->name);
    vstor_pool_auth_free(source->auth);
    g_free(source->initiator_iqn);
    g_free(source->vendor);
    g_free(source->product);
    g_free(source->protocol_ver);
    *source = (VstorPoolSource){0};
}

void
vstor_pool_source_free(VstorPoolSource *source)
{
    if (!source)
        return;
    vstor_pool_source_clear(source);
    g_free(source);
}

VstorPoolDevice *
vstor_pool_source_add_device(VstorPoolSource *source, const char *path)
{
    VstorPoolDevice *dev;

    g_return_val_if_fail(source != NULL && path != NULL, NULL);
    source->devices = g_renew(VstorPoolDevice, source->devices, source->n_devices + 1);
    dev = &source->devices[source->n_devices++];
    *dev = (VstorPoolDevice){.path = g_strdup(path)};
    return dev;
}

void
vstor_pool_source_add_host(VstorPoolSource *source, const char *name, int port)
{
    g_return_if_fail(source != NULL && name != NULL);
    source->hosts = g_renew(VstorPoolHost, source->hosts, source->n_hosts + 1);
    source->hosts[source->n_hosts++] = (VstorPoolHost){.name = g_strdup(name), .port = port};
}

static int
parse_hosts(xmlXPathContext *ctxt, VstorPoolSource *source, GError **err)
{
    g_autofree xmlNode **nodes = NULL;
    guint n = vstor_xml_nodes(ctxt, "./host", &nodes);

    if (n == 0)
        return 0;
    source->hosts = g_new0(VstorPoolHost, n);
    for (guint i = 0; i < n; i++) {
        VstorPoolHost *host = &source->hosts[source->n_hosts++];

        if (!(host->name = vstor_pool_attr(nodes[i], "name"))) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing storage pool host name");
            return -1;
        }
        if (vstor_pool_attr_int(nodes[i], "port", 10, &host->port, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_devices(xmlXPathContext *ctxt, VstorPoolSource *source, GError **err)
{
    g_autofree xmlNode **nodes = NULL;
    guint n = vstor_xml_nodes(ctxt, "./device", &nodes);

    if (n == 0)
        return 0;
    source->devices = g_new0(VstorPoolDevice, n);
    for (guint i = 0; i < n; i++) {
        g_autofree char *path = vstor_pool_attr(nodes[i], "path");
        VstorPoolTristate part_separator;

        if (!path) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing storage pool source device path");
            return -1;
        }
        if (vstor_pool_attr_tristate(nodes[i], "part_separator", vstor_pool_yes_no_names,
                                     &part_separator, err) < 0)
            return -1;
        /* Free extents in the input are the backend's business and are not read back. */
        source->devices[source->n_devices++] =
            (VstorPoolDevice){.path = g_steal_pointer(&path), .part_separator = part_separator};
    }
    return 0;
}

static int
parse_secret(xmlNode *node, VstorPoolAuth *auth, GError **err)
{
    g_autofree char *uuid = vstor_pool_attr(node, "uuid");
    g_autofree char *usage = vstor_pool_attr(node, "usage");

    auth->secret_type = vstor_pool_attr(node, "type");
    if (!uuid && !usage) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing secret uuid or usage attribute");
        return -1;
    }
    if (uuid && usage) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "either secret uuid or usage expected");
        return -1;
    }
    if (usage) {
        auth->secret_usage = g_steal_pointer(&usage);
        return 0;
    }
    if (!vstor_uuid_parse(uuid, auth->secret_uuid)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "invalid secret uuid '%s'", uuid);
        return -1;
    }
    auth->has_secret_uuid = TRUE;
    return 0;
}

/* Reads <auth> with ctxt->node already on it. */
static VstorPoolAuth *
parse_auth(xmlXPathContext *ctxt, GError **err)
{
    g_autoptr(VstorPoolAuth) auth = g_new0(VstorPoolAuth, 1);
    g_autofree char *type = NULL;
    xmlNode *secret;

    if (!(auth->username = vstor_xml_string(ctxt, "string(./@username)"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing username for auth");
        return NULL;
    }
    if ((type = vstor_xml_string(ctxt, "string(./@type)"))) {
        int index = vstor_enum_from_string(vstor_pool_auth_type_names, type);

        if (index < 0) {
            vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "unknown auth type '%s'", type);
            return NULL;
        }
        auth->type = (VstorPoolAuthType)index;
    }
    if (!(secret = vstor_xml_node(ctxt, "./secret"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "Missing <secret> element in auth");
        return NULL;
    }
    if (parse_secret(secret, auth, err) < 0)
        return NULL;
    return g_steal_pointer(&auth);
}

/* A protocol version is a mount option of NFS, so it needs a format that may mean NFS. The
 * check compares the format's number with netfs's "auto" and "nfs" whatever the pool type,
 * and names the netfs format of that number: libvirt does exactly this. */
static int
check_protocol_ver(const VstorPoolSource *source, GError **err)
{
    const char *const *netfs = vstor_pool_caps(VSTOR_POOL_NETFS)->source_formats;
    const char *format = vstor_enum_to_string(netfs, source->format);

    if (source->format != vstor_enum_from_string(netfs, "nfs") &&
        source->format != vstor_enum_from_string(netfs, "auto")) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "storage pool protocol ver unsupported for pool type '%s'",
                        format ? format : "(null)");
        return -1;
    }
    if (strchr(source->protocol_ver, ',')) {
        vstor_error_set(err, VSTOR_ERR_XML_DETAIL,
                        "storage pool protocol ver '%s' must not contain ','",
                        source->protocol_ver);
        return -1;
    }
    return 0;
}

static int
parse_source(xmlXPathContext *ctxt, const VstorPoolCaps *caps, VstorPoolSource *source,
             GError **err)
{
    g_autofree char *dir = NULL;
    xmlNode *node;

    source->name = vstor_xml_string(ctxt, "string(./name)");
    if (!source->name && (caps->rules & VSTOR_RULE_SOURCE_NAME_REQUIRED)) {
        g_autofree char *type = g_ascii_strup(caps->name, -1);

        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "element 'name' is mandatory for %s pool", type);
        return -1;
    }

    if (caps->source_formats) {
        g_autofree char *format = vstor_xml_string(ctxt, "string(./format/@type)");

        source->format = format ? vstor_enum_from_string(caps->source_formats, format)
                                : caps->default_source_format;
        if (source->format < 0) {
            vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "unknown pool format type %s",
                            format);
            return -1;
        }
    }

    if (parse_hosts(ctxt, source, err) < 0)
        return -1;
    source->initiator_iqn = vstor_xml_string(ctxt, "string(./initiator/iqn/@name)");
    if (parse_devices(ctxt, source, err) < 0)
        return -1;

    if ((dir = vstor_xml_string(ctxt, "string(./dir/@path)")))
        source->dir = vstor_pool_sanitize_path(dir);
    else if (caps->rules & VSTOR_RULE_SOURCE_DIR_ROOT)
        source->dir = g_strdup("/");

    if ((node = vstor_xml_node(ctxt, "./adapter")) &&
        vstor_pool_adapter_parse(ctxt, node, &source->adapter, err) < 0)
        return -1;

    if ((node = vstor_xml_node(ctxt, "./auth"))) {
        xmlNode *saved = ctxt->node;

        ctxt->node = node;
        source->auth = parse_auth(ctxt, err);
        ctxt->node = saved;
        if (!source->auth)
            return -1;
        if (source->auth->type == VSTOR_POOL_AUTH_NONE) {
            vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "storage pool missing auth type");
            return -1;
        }
    }

    if ((source->protocol_ver = vstor_xml_string(ctxt, "string(./protocol/@ver)")) &&
        check_protocol_ver(source, err) < 0)
        return -1;

    source->vendor = vstor_xml_string(ctxt, "string(./vendor/@name)");
    source->product = vstor_xml_string(ctxt, "string(./product/@name)");
    return 0;
}

int
vstor_pool_source_parse(xmlXPathContext *ctxt, xmlNode *node, VstorPoolType type,
                        VstorPoolSource *source, GError **err)
{
    const VstorPoolCaps *caps = vstor_pool_caps(type);
    xmlNode *saved;
    int rc;

    g_return_val_if_fail(ctxt != NULL && node != NULL && source != NULL, -1);
    g_return_val_if_fail(caps != NULL, -1);

    saved = ctxt->node;
    ctxt->node = node;
    rc = parse_source(ctxt, caps, source, err);
    ctxt->node = saved;
    return rc;
}

VstorPoolSource *
vstor_pool_source_parse_string(const char *xml, VstorPoolType type, GError **err)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(VstorPoolSource) source = NULL;

    g_return_val_if_fail(xml != NULL, NULL);
    g_return_val_if_fail(vstor_pool_caps(type) != NULL, NULL);

    if (!(doc = vstor_xml_parse(xml, "(storage_source_specification)", "source", err)))
        return NULL;
    ctxt = vstor_xml_context_new(doc, NULL);
    source = g_new0(VstorPoolSource, 1);
    if (vstor_pool_source_parse(ctxt, ctxt->node, type, source, err) < 0)
        return NULL;
    return g_steal_pointer(&source);
}

static void
format_device(VstorXmlWriter *w, const VstorPoolDevice *dev)
{
    vstor_xml_writer_escapef(w, "<device path='%s'", dev->path);
    if (dev->part_separator != VSTOR_POOL_TRISTATE_ABSENT)
        vstor_xml_writer_addf(w, " part_separator='%s'",
                              vstor_pool_yes_no_names[dev->part_separator]);
    if (dev->n_free_extents == 0) {
        vstor_xml_writer_addf(w, "/>\n");
        return;
    }
    vstor_xml_writer_addf(w, ">\n");
    vstor_xml_writer_push(w);
    for (guint i = 0; i < dev->n_free_extents; i++)
        vstor_xml_writer_addf(w, "<freeExtent start='%llu' end='%llu'/>\n",
                              dev->free_extents[i].start, dev->free_extents[i].end);
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</device>\n");
}

static void
format_auth(VstorXmlWriter *w, const VstorPoolAuth *auth)
{
    if (auth->type == VSTOR_POOL_AUTH_NONE) {
        vstor_xml_writer_escapef(w, "<auth username='%s'>\n", auth->username);
    } else {
        vstor_xml_writer_addf(w, "<auth type='%s' ", vstor_pool_auth_type_names[auth->type]);
        vstor_xml_writer_escapef(w, "username='%s'>\n", auth->username);
    }

    vstor_xml_writer_push(w);
    vstor_xml_writer_addf(w, "<secret");
    /* libvirt writes the type unescaped; escaping only differs where its output breaks. */
    vstor_xml_writer_escapef(w, " type='%s'", auth->secret_type);
    if (auth->has_secret_uuid) {
        char uuid[VSTOR_UUID_STRING_LEN];

        vstor_uuid_format(auth->secret_uuid, uuid);
        vstor_xml_writer_addf(w, " uuid='%s'/>\n", uuid);
    } else if (auth->secret_usage) {
        vstor_xml_writer_escapef(w, " usage='%s'/>\n", auth->secret_usage);
    } else {
        vstor_xml_writer_addf(w, "/>\n");
    }
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</auth>\n");
}

void
vstor_pool_source_format(VstorXmlWriter *w, VstorPoolType type, const VstorPoolSource *source)
{
    const VstorPoolCaps *caps = vstor_pool_caps(type);

    g_return_if_fail(caps != NULL && source != NULL);

    vstor_xml_writer_addf(w, "<source>\n");
    vstor_xml_writer_push(w);

    if (caps->source_flags & VSTOR_SOURCE_HOST) {
        for (guint i = 0; i < source->n_hosts; i++) {
            vstor_xml_writer_escapef(w, "<host name='%s'", source->hosts[i].name);
            if (source->hosts[i].port)
                vstor_xml_writer_addf(w, " port='%d'", source->hosts[i].port);
            vstor_xml_writer_addf(w, "/>\n");
        }
    }
    if (caps->source_flags & VSTOR_SOURCE_DEVICE)
        for (guint i = 0; i < source->n_devices; i++)
            format_device(w, &source->devices[i]);
    if (caps->source_flags & VSTOR_SOURCE_DIR)
        vstor_xml_writer_escapef(w, "<dir path='%s'/>\n", source->dir);
    if (caps->source_flags & VSTOR_SOURCE_ADAPTER)
        vstor_pool_adapter_format(w, &source->adapter);
    if (caps->source_flags & VSTOR_SOURCE_NAME)
        vstor_xml_writer_escapef(w, "<name>%s</name>\n", source->name);
    if ((caps->source_flags & VSTOR_SOURCE_INITIATOR_IQN) && source->initiator_iqn) {
        vstor_xml_writer_addf(w, "<initiator>\n");
        vstor_xml_writer_push(w);
        vstor_xml_writer_escapef(w, "<iqn name='%s'/>\n", source->initiator_iqn);
        vstor_xml_writer_pop(w);
        vstor_xml_writer_addf(w, "</initiator>\n");
    }
    if (caps->source_formats) {
        const char *format = vstor_enum_to_string(caps->source_formats, source->format);

        /* Only a caller that filled the struct by hand can get here without a name. */
        if (format)
            vstor_xml_writer_addf(w, "<format type='%s'/>\n", format);
        else
            g_warn_if_reached();
    }
    if (source->auth)
        format_auth(w, source->auth);
    vstor_xml_writer_escapef(w, "<protocol ver='%s'/>\n", source->protocol_ver);
    vstor_xml_writer_escapef(w, "<vendor name='%s'/>\n", source->vendor);
    vstor_xml_writer_escapef(w, "<product name='%s'/>\n", source->product);

    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</source>\n");
}

VstorPoolSourceList *
vstor_pool_source_list_new(VstorPoolType type)
{
    VstorPoolSourceList *list;

    g_return_val_if_fail(vstor_pool_caps(type) != NULL, NULL);
    list = g_new0(VstorPoolSourceList, 1);
    list->type = type;
    list->sources = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_pool_source_free);
    return list;
}

void
vstor_pool_source_list_free(VstorPoolSourceList *list)
{
    if (!list)
        return;
    g_ptr_array_unref(list->sources);
    g_free(list);
}

VstorPoolSource *
vstor_pool_source_list_add(VstorPoolSourceList *list)
{
    VstorPoolSource *source;

    g_return_val_if_fail(list != NULL, NULL);
    source = g_new0(VstorPoolSource, 1);
    g_ptr_array_add(list->sources, source);
    return source;
}

char *
vstor_pool_source_list_format(const VstorPoolSourceList *list)
{
    VstorXmlWriter w;

    g_return_val_if_fail(list != NULL, NULL);
    vstor_xml_writer_init(&w);
    vstor_xml_writer_addf(&w, "<sources>\n");
    vstor_xml_writer_push(&w);
    for (guint i = 0; i < list->sources->len; i++)
        vstor_pool_source_format(&w, list->type, g_ptr_array_index(list->sources, i));
    vstor_xml_writer_pop(&w);
    vstor_xml_writer_addf(&w, "</sources>\n");
    return vstor_xml_writer_finish(&w);
}
