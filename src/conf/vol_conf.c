/* vol_conf.c: parse and format <volume>. Every rule, its order, error code and message follow
 * libvirt 9.0.0, so the first complaint about a bad definition is the one libvirt would make. */
#include "conf/vol_conf.h"

#include <limits.h>
#include <string.h>

#include "util/error.h"
#include "util/units.h"

const char *const vstor_vol_type_names[] = {
    "file", "block", "dir", "network", "netdir", "ploop", NULL,
};
G_STATIC_ASSERT(G_N_ELEMENTS(vstor_vol_type_names) == VSTOR_VOL_TYPE_LAST + 1);

const char *const vstor_vol_feature_names[] = {"lazy_refcounts", "extended_l2", NULL};
G_STATIC_ASSERT(G_N_ELEMENTS(vstor_vol_feature_names) == VSTOR_VOL_FEATURE_LAST + 1);

#define VOL_PARSE_KNOWN_FLAGS (VSTOR_VOL_PARSE_NO_CAPACITY | VSTOR_VOL_PARSE_OPT_CAPACITY)

static void
extent_clear(gpointer data)
{
    VstorVolExtent *extent = data;

    g_free(extent->path);
}

static void
target_init(VstorVolTarget *target)
{
    memset(target, 0, sizeof(*target));
    vstor_perms_init(&target->perms);
}

static void
target_clear(VstorVolTarget *target)
{
    g_free(target->path);
    vstor_perms_clear(&target->perms);
    g_free(target->timestamps);
    vstor_encryption_free(target->encryption);
    g_free(target->compat);
    target_init(target);
}

static void
target_free(VstorVolTarget *target)
{
    if (!target)
        return;
    target_clear(target);
    g_free(target);
}

VstorVolDef *
vstor_vol_def_new(void)
{
    VstorVolDef *def = g_new0(VstorVolDef, 1);

    def->type = VSTOR_VOL_FILE;
    def->extents = g_array_new(FALSE, TRUE, sizeof(VstorVolExtent));
    g_array_set_clear_func(def->extents, extent_clear);
    target_init(&def->target);
    return def;
}

void
vstor_vol_def_free(VstorVolDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->key);
    if (def->extents)
        g_array_unref(def->extents);
    target_clear(&def->target);
    target_free(def->backing_store);
    g_free(def);
}

void
vstor_vol_def_add_extent(VstorVolDef *def, const char *path, unsigned long long start,
                         unsigned long long end)
{
    VstorVolExtent extent;

    g_return_if_fail(def != NULL && path != NULL);
    extent = (VstorVolExtent){g_strdup(path), start, end};
    g_array_append_val(def->extents, extent);
}

int
vstor_vol_name_check(const char *name, GError **err)
{
    g_return_val_if_fail(name != NULL, -1);

    /* A local pool puts the volume at <pool path>/<name>: a '/' would escape the pool. */
    if (strchr(name, '/')) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "volume name '%s' cannot contain '/'",
                        name);
        return -1;
    }
    /* libvirt creates such names, but a pool's directory scan never lists them (they break
     * virsh's tables and line-based tools): refused up front, in the words libvirt uses for
     * a newline in a pool's name. */
    for (const char *p = name; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f) {
            vstor_error_set(err, VSTOR_ERR_XML_DETAIL,
                            "invalid char in name: volume names cannot hold control characters "
                            "(0x%02x)",
                            (guchar)*p);
            return -1;
        }
    }
    return 0;
}

/* ---- parsing ---------------------------------------------------------------------------- */

/* An unsigned decimal read the way libvirt reads sizes (strtoull, base 10): leading white
 * space and '+' are accepted, a '-', an overflow or anything after the digits is not. */
static gboolean
parse_unsigned(const char *str, unsigned long long *ret_value)
{
    const char *p = str;
    const char *end;
    unsigned long long v;

    while (g_ascii_isspace(*p))
        p++;
    if (*p == '+')
        p++;
    if (!g_ascii_isdigit(*p) || !vstor_parse_ull_prefix(p, &v, &end) || *end)
        return FALSE;
    *ret_value = v;
    return TRUE;
}

/* A number libvirt's compat check accepts as one side of "N.M": like parse_unsigned, but a
 * '-' is tolerated (libvirt's reader wraps it) and the magnitude must fit 32 bits. */
static gboolean
compat_part_valid(const char *str)
{
    const char *p = str;
    const char *end;
    unsigned long long v;

    while (g_ascii_isspace(*p))
        p++;
    if (*p == '+' || *p == '-')
        p++;
    return g_ascii_isdigit(*p) && vstor_parse_ull_prefix(p, &v, &end) && !*end && v <= UINT_MAX;
}

static int
compat_check(const char *compat, GError **err)
{
    g_auto(GStrv) parts = NULL;

    if (!compat)
        return 0;
    parts = g_strsplit(compat, ".", 2);
    if (!parts[0] || !parts[1] || !compat_part_valid(parts[0]) || !compat_part_valid(parts[1])) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "forbidden characters in 'compat' attribute");
        return -1;
    }
    return 0;
}

/* capacity and allocation: libvirt names the capacity in the message for both, and caps them
 * at 2^63 - 1 because off_t is signed. */
static int
parse_size(const char *value, const char *unit, unsigned long long *ret_bytes, GError **err)
{
    unsigned long long v;

    if (!parse_unsigned(value, &v)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "malformed capacity element");
        return -1;
    }
    if (vstor_scale_integer(&v, unit, 1, LLONG_MAX, err) < 0)
        return -1;
    *ret_bytes = v;
    return 0;
}

/* Reads <format type=…/> at @xpath into target->format, using the pool type's table. File
 * pools refuse "none" (libvirt treats it as not a format); disk pools accept it. */
static int
parse_format(xmlXPathContext *ctxt, VstorPoolType pool_type, const char *xpath,
             VstorVolTarget *target, GError **err)
{
    const VstorPoolCaps *caps = vstor_pool_caps(pool_type);
    g_autofree char *format = NULL;
    int value;

    if (!caps->vol_formats)
        return 0;
    if (!(format = vstor_xml_string(ctxt, xpath))) {
        target->format = caps->default_vol_format;
        return 0;
    }
    value = vstor_enum_from_string(caps->vol_formats, format);
    if (caps->vol_formats == vstor_vol_format_names && value == VSTOR_VOL_FORMAT_NONE)
        value = -1;
    if (value < 0) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "unknown volume format type %s", format);
        return -1;
    }
    target->format = value;
    return 0;
}

static int
parse_backing_store(xmlXPathContext *ctxt, VstorPoolType pool_type, VstorVolDef *def, GError **err)
{
    char *path = vstor_xml_string(ctxt, "string(./backingStore/path)");

    if (!path)
        return 0;
    def->backing_store = g_new0(VstorVolTarget, 1);
    target_init(def->backing_store);
    def->backing_store->path = path;
    if (parse_format(ctxt, pool_type, "string(./backingStore/format/@type)", def->backing_store,
                     err) < 0)
        return -1;
    return vstor_perms_parse(ctxt, "./backingStore/permissions", &def->backing_store->perms, err);
}

static int
parse_sizes(xmlXPathContext *ctxt, VstorVolDef *def, unsigned int flags, GError **err)
{
    g_autofree char *capacity = vstor_xml_string(ctxt, "string(./capacity)");
    g_autofree char *allocation = NULL;
    g_autofree char *unit = NULL;

    if (capacity) {
        unit = vstor_xml_string(ctxt, "string(./capacity/@unit)");
        if (parse_size(capacity, unit, &def->capacity, err) < 0)
            return -1;
    } else if (!(flags & VSTOR_VOL_PARSE_NO_CAPACITY) &&
               !((flags & VSTOR_VOL_PARSE_OPT_CAPACITY) && def->backing_store)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing capacity element");
        return -1;
    }

    if ((allocation = vstor_xml_string(ctxt, "string(./allocation)"))) {
        g_clear_pointer(&unit, g_free);
        unit = vstor_xml_string(ctxt, "string(./allocation/@unit)");
        if (parse_size(allocation, unit, &def->allocation, err) < 0)
            return -1;
        def->has_allocation = TRUE;
    } else {
        def->allocation = def->capacity;
    }
    return 0;
}

static int
parse_cluster_size(xmlXPathContext *ctxt, VstorVolTarget *target, GError **err)
{
    g_autofree char *value = vstor_xml_string(ctxt, "string(./target/clusterSize)");
    g_autofree char *unit = NULL;
    unsigned long long v;

    if (!value)
        return 0;
    if (!parse_unsigned(value, &v)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Invalid value '%s' for element or attribute '%s'", value,
                        "./target/clusterSize");
        return -1;
    }
    unit = vstor_xml_string(ctxt, "string(./target/clusterSize/@unit)");
    if (vstor_scale_integer(&v, unit, 1, G_MAXUINT64, err) < 0)
        return -1;
    target->cluster_size = v;
    return 0;
}

static int
parse_features(xmlXPathContext *ctxt, VstorVolTarget *target, GError **err)
{
    g_autofree xmlNode **nodes = NULL;
    guint n;

    if (!vstor_xml_node(ctxt, "./target/features"))
        return 0;
    /* Features need qcow2 v3, so asking for any implies compat 1.1 unless told otherwise. */
    if (!target->compat)
        target->compat = g_strdup("1.1");
    target->has_features = TRUE;

    n = vstor_xml_nodes(ctxt, "./target/features/*", &nodes);
    for (guint i = 0; i < n; i++) {
        const char *name = (const char *)nodes[i]->name;
        int feature = vstor_enum_from_string(vstor_vol_feature_names, name);

        if (feature < 0) {
            vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "unsupported feature %s", name);
            return -1;
        }
        target->features |= 1u << feature;
    }
    return 0;
}

static int
parse_target(xmlXPathContext *ctxt, VstorPoolType pool_type, VstorVolTarget *target, GError **err)
{
    xmlNode *node;

    target->path = vstor_xml_string(ctxt, "string(./target/path)");
    if (parse_format(ctxt, pool_type, "string(./target/format/@type)", target, err) < 0)
        return -1;
    if (vstor_perms_parse(ctxt, "./target/permissions", &target->perms, err) < 0)
        return -1;
    if ((node = vstor_xml_node(ctxt, "./target/encryption")) &&
        !(target->encryption = vstor_encryption_parse(ctxt, node, err)))
        return -1;
    target->compat = vstor_xml_string(ctxt, "string(./target/compat)");
    if (compat_check(target->compat, err) < 0)
        return -1;
    target->nocow = vstor_xml_node(ctxt, "./target/nocow") != NULL;
    if (parse_cluster_size(ctxt, target, err) < 0)
        return -1;
    return parse_features(ctxt, target, err);
}

VstorVolDef *
vstor_vol_def_parse_node(VstorPoolType pool_type, xmlDoc *doc, xmlNode *root, unsigned int flags,
                         GError **err)
{
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autofree char *type = NULL;

    g_return_val_if_fail(doc != NULL && root != NULL, NULL);

    if (flags & ~(unsigned int)VOL_PARSE_KNOWN_FLAGS) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags & ~(unsigned int)VOL_PARSE_KNOWN_FLAGS, G_STRFUNC);
        return NULL;
    }
    if (!vstor_pool_caps(pool_type)) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing backend for pool type %d",
                        (int)pool_type);
        return NULL;
    }
    if (!vstor_xml_is(root, "volume")) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "expecting root element of '%s', not '%s'",
                        "volume", (const char *)root->name);
        return NULL;
    }

    ctxt = vstor_xml_context_new(doc, root);
    def = vstor_vol_def_new();

    if (!(def->name = vstor_xml_string(ctxt, "string(./name)"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing volume name element");
        return NULL;
    }
    /* A pool refresh replaces key and type; they are read for tests and round trips. */
    def->key = vstor_xml_string(ctxt, "string(./key)");
    if ((type = vstor_xml_string(ctxt, "string(./@type)"))) {
        int value = vstor_enum_from_string(vstor_vol_type_names, type);

        if (value < 0) {
            vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED, "unknown volume type '%s'", type);
            return NULL;
        }
        def->type = value;
    }

    if (parse_backing_store(ctxt, pool_type, def, err) < 0)
        return NULL;
    if (parse_sizes(ctxt, def, flags, err) < 0)
        return NULL;
    if (parse_target(ctxt, pool_type, &def->target, err) < 0)
        return NULL;
    return g_steal_pointer(&def);
}

VstorVolDef *
vstor_vol_def_parse(VstorPoolType pool_type, const char *xml, unsigned int flags, GError **err)
{
    g_autoptr(xmlDoc) doc = NULL;

    g_return_val_if_fail(xml != NULL, NULL);

    if (!(doc = vstor_xml_parse(xml, "(storage_volume_definition)", "volume", err)))
        return NULL;
    return vstor_vol_def_parse_node(pool_type, doc, xmlDocGetRootElement(doc), flags, err);
}

/* ---- formatting ------------------------------------------------------------------------- */

static void
format_timestamp(VstorXmlWriter *w, const char *name, const VstorVolTimestamp *ts)
{
    if (ts->nsec < 0)
        return;
    vstor_xml_writer_addf(w, "<%s>%llu", name, (unsigned long long)ts->sec);
    if (ts->nsec)
        vstor_xml_writer_addf(w, ".%09ld", ts->nsec);
    vstor_xml_writer_addf(w, "</%s>\n", name);
}

static void
format_features(VstorXmlWriter *w, guint features)
{
    if (!(features & ((1u << VSTOR_VOL_FEATURE_LAST) - 1))) {
        vstor_xml_writer_addf(w, "<features/>\n");
        return;
    }
    vstor_xml_writer_addf(w, "<features>\n");
    vstor_xml_writer_push(w);
    for (int i = 0; i < VSTOR_VOL_FEATURE_LAST; i++)
        if (features & (1u << i))
            vstor_xml_writer_addf(w, "<%s/>\n", vstor_vol_feature_names[i]);
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</features>\n");
}

static int
format_target(VstorXmlWriter *w, VstorPoolType pool_type, const VstorVolTarget *target,
              const char *element)
{
    const char *const *formats = vstor_pool_caps_vol_formats(pool_type);

    vstor_xml_writer_addf(w, "<%s>\n", element);
    vstor_xml_writer_push(w);
    vstor_xml_writer_escapef(w, "<path>%s</path>\n", target->path);
    if (formats) {
        const char *format = vstor_enum_to_string(formats, target->format);

        if (!format)
            return -1;
        vstor_xml_writer_addf(w, "<format type='%s'/>\n", format);
    }
    vstor_perms_format(w, &target->perms);
    if (target->timestamps) {
        vstor_xml_writer_addf(w, "<timestamps>\n");
        vstor_xml_writer_push(w);
        format_timestamp(w, "atime", &target->timestamps->atime);
        format_timestamp(w, "mtime", &target->timestamps->mtime);
        format_timestamp(w, "ctime", &target->timestamps->ctime);
        format_timestamp(w, "btime", &target->timestamps->btime);
        vstor_xml_writer_pop(w);
        vstor_xml_writer_addf(w, "</timestamps>\n");
    }
    if (target->encryption && vstor_encryption_format(w, target->encryption) < 0)
        return -1;
    vstor_xml_writer_escapef(w, "<compat>%s</compat>\n", target->compat);
    if (target->cluster_size > 0)
        vstor_xml_writer_addf(w, "<clusterSize unit='B'>%llu</clusterSize>\n",
                              target->cluster_size);
    if (target->has_features)
        format_features(w, target->features);
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</%s>\n", element);
    return 0;
}

/* Consecutive extents on one device share a <device> element. */
static void
format_extents(VstorXmlWriter *w, const GArray *extents)
{
    const char *device = NULL;

    if (!extents || extents->len == 0)
        return;
    vstor_xml_writer_addf(w, "<source>\n");
    vstor_xml_writer_push(w);
    for (guint i = 0; i < extents->len; i++) {
        const VstorVolExtent *extent = &g_array_index(extents, VstorVolExtent, i);

        if (!device || g_strcmp0(device, extent->path) != 0) {
            if (device)
                vstor_xml_writer_addf(w, "</device>\n");
            vstor_xml_writer_escapef(w, "<device path='%s'>\n", extent->path);
        }
        vstor_xml_writer_push(w);
        vstor_xml_writer_addf(w, "<extent start='%llu' end='%llu'/>\n", extent->start, extent->end);
        vstor_xml_writer_pop(w);
        device = extent->path ? extent->path : "";
    }
    vstor_xml_writer_addf(w, "</device>\n");
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</source>\n");
}

char *
vstor_vol_def_format(VstorPoolType pool_type, const VstorVolDef *def)
{
    VstorXmlWriter w;
    const char *type;

    g_return_val_if_fail(def != NULL, NULL);

    type = vstor_enum_to_string(vstor_vol_type_names, def->type);
    if (!vstor_pool_caps(pool_type) || !type)
        return NULL;

    vstor_xml_writer_init(&w);
    vstor_xml_writer_addf(&w, "<volume type='%s'>\n", type);
    vstor_xml_writer_push(&w);
    vstor_xml_writer_escapef(&w, "<name>%s</name>\n", def->name);
    vstor_xml_writer_escapef(&w, "<key>%s</key>\n", def->key);
    format_extents(&w, def->extents);
    vstor_xml_writer_addf(&w, "<capacity unit='bytes'>%llu</capacity>\n", def->capacity);
    vstor_xml_writer_addf(&w, "<allocation unit='bytes'>%llu</allocation>\n", def->allocation);
    if (def->physical)
        vstor_xml_writer_addf(&w, "<physical unit='bytes'>%llu</physical>\n", def->physical);
    if (format_target(&w, pool_type, &def->target, "target") < 0 ||
        (def->backing_store &&
         format_target(&w, pool_type, def->backing_store, "backingStore") < 0)) {
        vstor_xml_writer_clear(&w);
        return NULL;
    }
    vstor_xml_writer_pop(&w);
    vstor_xml_writer_addf(&w, "</volume>\n");
    return vstor_xml_writer_finish(&w);
}

static void
copy_target(VstorVolTarget *dst, const VstorVolTarget *src)
{
    dst->path = g_strdup(src->path);
    dst->format = src->format;
    vstor_perms_init(&dst->perms);
    vstor_perms_copy(&dst->perms, &src->perms);
    dst->timestamps = src->timestamps ? g_memdup2(src->timestamps, sizeof(*src->timestamps)) : NULL;
    dst->encryption = src->encryption ? vstor_encryption_copy(src->encryption) : NULL;
    dst->compat = g_strdup(src->compat);
    dst->nocow = src->nocow;
    dst->has_features = src->has_features;
    dst->features = src->features;
    dst->cluster_size = src->cluster_size;
}

VstorVolDef *
vstor_vol_def_copy(const VstorVolDef *def)
{
    VstorVolDef *copy = vstor_vol_def_new();

    copy->name = g_strdup(def->name);
    copy->key = g_strdup(def->key);
    copy->type = def->type;
    for (guint i = 0; i < def->extents->len; i++) {
        const VstorVolExtent *e = &g_array_index(def->extents, VstorVolExtent, i);

        vstor_vol_def_add_extent(copy, e->path, e->start, e->end);
    }
    copy->capacity = def->capacity;
    copy->allocation = def->allocation;
    copy->has_allocation = def->has_allocation;
    copy->physical = def->physical;
    vstor_perms_clear(&copy->target.perms);
    copy_target(&copy->target, &def->target);
    if (def->backing_store) {
        copy->backing_store = g_new0(VstorVolTarget, 1);
        copy_target(copy->backing_store, def->backing_store);
    }
    return copy;
}
