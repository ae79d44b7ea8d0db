/* dump-json.c: pool-dumpxml, vol-dumpxml and pool-capabilities as JSON, from definitions that
 * conf/ parsed; every member always present (null when unset), so the shape is stable. */
/* What a parser skips (live sizes, extents, timestamps) is read from the same XML. */
#include <string.h>

#include "cli/json.h"
#include "conf/pool_conf.h"
#include "conf/vol_conf.h"
#include "util/units.h"
#include "util/xml.h"

/* A number the XML holds at @xpath (a live figure the parser ignores), or null. */
static void
xml_uint(CliJson *j, const char *key, xmlXPathContext *ctxt, const char *xpath)
{
    g_autofree char *text = vstor_xml_string(ctxt, xpath);
    unsigned long long v;

    if (text && vstor_parse_ull(text, &v))
        cli_json_uint(j, key, v);
    else
        cli_json_null(j, key);
}

static void
tristate(CliJson *j, const char *key, VstorPoolTristate value)
{
    if (value == VSTOR_POOL_TRISTATE_ABSENT)
        cli_json_null(j, key);
    else
        cli_json_bool(j, key, value == VSTOR_POOL_TRISTATE_YES);
}

static void
uuid_member(CliJson *j, const char *key, const guint8 *uuid)
{
    char text[VSTOR_UUID_STRING_LEN];

    vstor_uuid_format(uuid, text);
    cli_json_str(j, key, text);
}

static void
perms(CliJson *j, const VstorPerms *p)
{
    if (!vstor_perms_is_set(p)) {
        cli_json_null(j, "permissions");
        return;
    }
    cli_json_object(j, "permissions");
    if (p->mode == VSTOR_PERMS_UNSET_MODE) {
        cli_json_null(j, "mode");
    } else {
        g_autofree char *mode = g_strdup_printf("%04o", (unsigned int)p->mode);

        cli_json_str(j, "mode", mode);
    }
    if (p->uid == VSTOR_PERMS_UNSET_ID)
        cli_json_null(j, "owner");
    else
        cli_json_uint(j, "owner", p->uid);
    if (p->gid == (gid_t)-1)
        cli_json_null(j, "group");
    else
        cli_json_uint(j, "group", p->gid);
    cli_json_str(j, "label", p->label);
    cli_json_object_end(j);
}

static void
adapter(CliJson *j, const VstorPoolAdapter *a)
{
    if (a->type == VSTOR_POOL_ADAPTER_DEFAULT) {
        cli_json_null(j, "adapter");
        return;
    }
    cli_json_object(j, "adapter");
    cli_json_str(j, "type", vstor_enum_to_string(vstor_pool_adapter_type_names, a->type));
    cli_json_str(j, "name", a->name);
    if (a->has_parent) {
        g_autofree char *addr =
            g_strdup_printf("%04x:%02x:%02x.%x", a->parent_addr.domain, a->parent_addr.bus,
                            a->parent_addr.slot, a->parent_addr.function);

        cli_json_str(j, "parent_address", addr);
        cli_json_int(j, "unique_id", a->unique_id);
    } else {
        cli_json_null(j, "parent_address");
        cli_json_null(j, "unique_id");
    }
    cli_json_str(j, "parent", a->parent);
    cli_json_str(j, "parent_wwnn", a->parent_wwnn);
    cli_json_str(j, "parent_wwpn", a->parent_wwpn);
    cli_json_str(j, "parent_fabric_wwn", a->parent_fabric_wwn);
    cli_json_str(j, "wwnn", a->wwnn);
    cli_json_str(j, "wwpn", a->wwpn);
    tristate(j, "managed", a->managed);
    cli_json_object_end(j);
}

static void
auth(CliJson *j, const VstorPoolAuth *a)
{
    if (!a || a->type == VSTOR_POOL_AUTH_NONE) {
        cli_json_null(j, "auth");
        return;
    }
    cli_json_object(j, "auth");
    cli_json_str(j, "type", vstor_enum_to_string(vstor_pool_auth_type_names, a->type));
    cli_json_str(j, "username", a->username);
    cli_json_object(j, "secret");
    cli_json_str(j, "type", a->secret_type);
    if (a->has_secret_uuid)
        uuid_member(j, "uuid", a->secret_uuid);
    else
        cli_json_null(j, "uuid");
    cli_json_str(j, "usage", a->secret_usage);
    cli_json_object_end(j);
    cli_json_object_end(j);
}

static void
pool_source(CliJson *j, VstorPoolType type, const VstorPoolSource *s)
{
    const VstorPoolCaps *caps = vstor_pool_caps(type);

    cli_json_object(j, "source");
    cli_json_array(j, "hosts");
    for (guint i = 0; i < s->n_hosts; i++) {
        cli_json_object(j, NULL);
        cli_json_str(j, "name", s->hosts[i].name);
        if (s->hosts[i].port)
            cli_json_int(j, "port", s->hosts[i].port);
        else
            cli_json_null(j, "port");
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    cli_json_array(j, "devices");
    for (guint i = 0; i < s->n_devices; i++) {
        const VstorPoolDevice *d = &s->devices[i];

        cli_json_object(j, NULL);
        cli_json_str(j, "path", d->path);
        tristate(j, "part_separator", d->part_separator);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    cli_json_str(j, "dir", s->dir);
    adapter(j, &s->adapter);
    cli_json_str(j, "name", s->name);
    cli_json_str(j, "format",
                 caps && caps->source_formats
                     ? vstor_enum_to_string(caps->source_formats, s->format)
                     : NULL);
    auth(j, s->auth);
    cli_json_str(j, "initiator_iqn", s->initiator_iqn);
    cli_json_str(j, "vendor", s->vendor);
    cli_json_str(j, "product", s->product);
    cli_json_str(j, "protocol_version", s->protocol_ver);
    cli_json_object_end(j);
}

/* A disk pool's free extents: formatted by the driver, never parsed. */
static void
pool_free_extents(CliJson *j, xmlXPathContext *ctxt)
{
    g_autofree xmlNode **nodes = NULL;
    guint n = vstor_xml_nodes(ctxt, "/pool/source/device/freeExtent", &nodes);

    cli_json_array(j, "free_extents");
    for (guint i = 0; i < n; i++) {
        g_autofree char *device = vstor_xml_prop(nodes[i]->parent, "path");
        g_autofree char *start = vstor_xml_prop(nodes[i], "start");
        g_autofree char *end = vstor_xml_prop(nodes[i], "end");
        unsigned long long s, e;

        if (!start || !end || !vstor_parse_ull(start, &s) || !vstor_parse_ull(end, &e))
            continue;
        cli_json_object(j, NULL);
        cli_json_str(j, "device", device);
        cli_json_uint(j, "start", s);
        cli_json_uint(j, "end", e);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
}

char *
cli_pool_xml_to_json(const char *xml, GError **err)
{
    g_autoptr(VstorPoolDef) def = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(CliJson) j = cli_json_new();
    const VstorPoolCaps *caps;

    if (!(def = vstor_pool_def_parse(xml, 0, err)) ||
        !(doc = vstor_xml_parse(xml, "(pool_definition)", "pool", err)))
        return NULL;
    ctxt = vstor_xml_context_new(doc, NULL);
    caps = vstor_pool_caps(def->type);

    cli_json_object(j, NULL);
    cli_json_str(j, "name", def->name);
    uuid_member(j, "uuid", def->uuid);
    cli_json_str(j, "type", vstor_pool_type_to_string(def->type));
    xml_uint(j, "capacity", ctxt, "string(/pool/capacity)");
    xml_uint(j, "allocation", ctxt, "string(/pool/allocation)");
    xml_uint(j, "available", ctxt, "string(/pool/available)");
    pool_source(j, def->type, &def->source);
    pool_free_extents(j, ctxt);
    if (def->target_path) {
        cli_json_object(j, "target");
        cli_json_str(j, "path", def->target_path);
        perms(j, &def->target_perms);
        cli_json_object_end(j);
    } else {
        cli_json_null(j, "target");
    }
    tristate(j, "cow", def->cow);
    cli_json_str(
        j, "refresh_allocation",
        def->refresh_allocation == VSTOR_POOL_REFRESH_UNSET
            ? NULL
            : vstor_enum_to_string(vstor_pool_refresh_allocation_names, def->refresh_allocation));
    cli_json_str(j, "options_namespace", caps ? caps->ns_prefix : NULL);
    cli_json_array(j, "options");
    for (guint i = 0; i < def->n_ns_options; i++) {
        cli_json_object(j, NULL);
        cli_json_str(j, "name", def->ns_options[i].name);
        cli_json_str(j, "value", def->ns_options[i].value);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    cli_json_object_end(j);
    return cli_json_finish(j);
}

static void
encryption(CliJson *j, const VstorEncryption *e)
{
    if (!e) {
        cli_json_null(j, "encryption");
        return;
    }
    cli_json_object(j, "encryption");
    cli_json_str(j, "format", vstor_enum_to_string(vstor_encryption_format_names, e->format));
    cli_json_str(j, "engine",
                 e->engine == VSTOR_ENCRYPTION_ENGINE_DEFAULT
                     ? NULL
                     : vstor_enum_to_string(vstor_encryption_engine_names, e->engine));
    cli_json_array(j, "secrets");
    for (guint i = 0; i < e->secrets->len; i++) {
        const VstorEncryptionSecret *s = g_ptr_array_index(e->secrets, i);

        cli_json_object(j, NULL);
        cli_json_str(j, "type", "passphrase");
        if (s->lookup == VSTOR_SECRET_LOOKUP_UUID)
            uuid_member(j, "uuid", s->uuid);
        else
            cli_json_null(j, "uuid");
        cli_json_str(j, "usage", s->lookup == VSTOR_SECRET_LOOKUP_USAGE ? s->usage : NULL);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    if (e->cipher_name) {
        cli_json_object(j, "cipher");
        cli_json_str(j, "name", e->cipher_name);
        cli_json_uint(j, "size", e->cipher_size);
        cli_json_str(j, "mode", e->cipher_mode);
        cli_json_str(j, "hash", e->cipher_hash);
        cli_json_object_end(j);
    } else {
        cli_json_null(j, "cipher");
    }
    if (e->ivgen_name) {
        cli_json_object(j, "ivgen");
        cli_json_str(j, "name", e->ivgen_name);
        cli_json_str(j, "hash", e->ivgen_hash);
        cli_json_object_end(j);
    } else {
        cli_json_null(j, "ivgen");
    }
    cli_json_object_end(j);
}

/* The volume's <timestamps>: kept as the XML's "seconds.nanoseconds" strings, which a
 * double could not hold exactly. */
static void
timestamps(CliJson *j, xmlXPathContext *ctxt)
{
    static const char *const names[] = {"atime", "mtime", "ctime", "btime"};

    if (!vstor_xml_node(ctxt, "/volume/target/timestamps")) {
        cli_json_null(j, "timestamps");
        return;
    }
    cli_json_object(j, "timestamps");
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *xpath = g_strdup_printf("string(/volume/target/timestamps/%s)", names[i]);
        g_autofree char *value = vstor_xml_string(ctxt, xpath);

        cli_json_str(j, names[i], value);
    }
    cli_json_object_end(j);
}

static void
vol_target(CliJson *j, const char *key, VstorPoolType type, const VstorVolTarget *t,
           xmlXPathContext *ctxt)
{
    const char *const *formats = vstor_pool_caps_vol_formats(type);

    if (!t) {
        cli_json_null(j, key);
        return;
    }
    cli_json_object(j, key);
    cli_json_str(j, "path", t->path);
    cli_json_str(j, "format", formats ? vstor_enum_to_string(formats, t->format) : NULL);
    perms(j, &t->perms);
    if (!ctxt) {
        cli_json_object_end(j);
        return;
    }
    timestamps(j, ctxt);
    encryption(j, t->encryption);
    cli_json_str(j, "compat", t->compat);
    if (t->cluster_size)
        cli_json_uint(j, "cluster_size", t->cluster_size);
    else
        cli_json_null(j, "cluster_size");
    if (t->has_features) {
        cli_json_array(j, "features");
        for (int f = 0; f < VSTOR_VOL_FEATURE_LAST; f++)
            if (t->features & (1u << f))
                cli_json_str(j, NULL, vstor_vol_feature_names[f]);
        cli_json_array_end(j);
    } else {
        cli_json_null(j, "features");
    }
    cli_json_object_end(j);
}

/* Where the volume lies on the pool's devices: formatted by the driver, never parsed. */
static void
vol_extents(CliJson *j, xmlXPathContext *ctxt)
{
    g_autofree xmlNode **nodes = NULL;
    guint n = vstor_xml_nodes(ctxt, "/volume/source/device/extent", &nodes);

    cli_json_array(j, "extents");
    for (guint i = 0; i < n; i++) {
        g_autofree char *device = vstor_xml_prop(nodes[i]->parent, "path");
        g_autofree char *start = vstor_xml_prop(nodes[i], "start");
        g_autofree char *end = vstor_xml_prop(nodes[i], "end");
        unsigned long long s, e;

        if (!start || !end || !vstor_parse_ull(start, &s) || !vstor_parse_ull(end, &e))
            continue;
        cli_json_object(j, NULL);
        cli_json_str(j, "device", device);
        cli_json_uint(j, "start", s);
        cli_json_uint(j, "end", e);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
}

char *
cli_vol_xml_to_json(const char *xml, const char *pool_xml, GError **err)
{
    g_autoptr(VstorPoolDef) pool = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(CliJson) j = cli_json_new();

    if (!(pool = vstor_pool_def_parse(pool_xml, 0, err)) ||
        !(def = vstor_vol_def_parse(pool->type, xml, VSTOR_VOL_PARSE_OPT_CAPACITY, err)) ||
        !(doc = vstor_xml_parse(xml, "(volume_definition)", "volume", err)))
        return NULL;
    ctxt = vstor_xml_context_new(doc, NULL);

    cli_json_object(j, NULL);
    cli_json_str(j, "name", def->name);
    cli_json_str(j, "key", def->key);
    cli_json_str(j, "type", vstor_enum_to_string(vstor_vol_type_names, def->type));
    cli_json_str(j, "pool", pool->name);
    cli_json_uint(j, "capacity", def->capacity);
    cli_json_uint(j, "allocation", def->allocation);
    xml_uint(j, "physical", ctxt, "string(/volume/physical)");
    vol_extents(j, ctxt);
    vol_target(j, "target", pool->type, &def->target, ctxt);
    vol_target(j, "backing_store", pool->type, def->backing_store, NULL);
    cli_json_object_end(j);
    return cli_json_finish(j);
}

/* One <poolOptions>/<volOptions> element: its default format and the formats it lists. */
static void
caps_options(CliJson *j, const char *key, xmlXPathContext *ctxt, const char *element)
{
    g_autofree char *base = g_strdup_printf("./%s", element);
    g_autofree char *def_xpath = g_strdup_printf("string(./%s/defaultFormat/@type)", element);
    g_autofree char *values_xpath = g_strdup_printf("./%s/enum/value", element);
    g_autofree char *def = NULL;
    g_autofree xmlNode **values = NULL;
    guint n;

    if (!vstor_xml_node(ctxt, base)) {
        cli_json_null(j, key);
        return;
    }
    def = vstor_xml_string(ctxt, def_xpath);
    n = vstor_xml_nodes(ctxt, values_xpath, &values);
    cli_json_object(j, key);
    cli_json_str(j, "default_format", def);
    cli_json_array(j, "formats");
    for (guint i = 0; i < n; i++) {
        g_autofree char *v = vstor_xml_content(values[i]);

        cli_json_str(j, NULL, v);
    }
    cli_json_array_end(j);
    cli_json_object_end(j);
}

char *
cli_pool_caps_xml_to_json(const char *xml, GError **err)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(CliJson) j = cli_json_new();
    g_autofree xmlNode **pools = NULL;
    guint n;

    if (!(doc = vstor_xml_parse(xml, "(storagepool_capabilities)", "storagepoolCapabilities", err)))
        return NULL;
    ctxt = vstor_xml_context_new(doc, NULL);
    n = vstor_xml_nodes(ctxt, "/storagepoolCapabilities/pool", &pools);
    cli_json_array(j, NULL);
    for (guint i = 0; i < n; i++) {
        g_autofree char *type = vstor_xml_prop(pools[i], "type");
        g_autofree char *supported = vstor_xml_prop(pools[i], "supported");

        ctxt->node = pools[i];
        cli_json_object(j, NULL);
        cli_json_str(j, "type", type);
        cli_json_bool(j, "supported", g_strcmp0(supported, "yes") == 0);
        caps_options(j, "pool_options", ctxt, "poolOptions");
        caps_options(j, "vol_options", ctxt, "volOptions");
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    return cli_json_finish(j);
}
