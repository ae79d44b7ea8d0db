/* encryption.c: parse, copy and format <encryption>. The checks and messages follow
 * libvirt's so a definition libvirt refuses is refused here with the same words. */
#include "conf/encryption.h"

#include <limits.h>
#include <string.h>

#include "conf/pool_caps.h"
#include "util/error.h"
#include "util/units.h"

const char *const vstor_encryption_format_names[] = {
    "default", "qcow", "luks", "luks2", NULL,
};
G_STATIC_ASSERT(G_N_ELEMENTS(vstor_encryption_format_names) == VSTOR_ENCRYPTION_FORMAT_LAST + 1);

const char *const vstor_encryption_engine_names[] = {
    "default",
    "qemu",
    "librbd",
    NULL,
};
G_STATIC_ASSERT(G_N_ELEMENTS(vstor_encryption_engine_names) == VSTOR_ENCRYPTION_ENGINE_LAST + 1);

static const char *const secret_type_names[] = {"passphrase", NULL};

static void
secret_free(gpointer data)
{
    VstorEncryptionSecret *secret = data;

    if (!secret)
        return;
    g_free(secret->usage);
    g_free(secret);
}

VstorEncryption *
vstor_encryption_new(void)
{
    VstorEncryption *enc = g_new0(VstorEncryption, 1);

    enc->secrets = g_ptr_array_new_with_free_func(secret_free);
    return enc;
}

void
vstor_encryption_free(VstorEncryption *enc)
{
    if (!enc)
        return;
    if (enc->secrets)
        g_ptr_array_unref(enc->secrets);
    g_free(enc->cipher_name);
    g_free(enc->cipher_mode);
    g_free(enc->cipher_hash);
    g_free(enc->ivgen_name);
    g_free(enc->ivgen_hash);
    g_free(enc);
}

VstorEncryption *
vstor_encryption_copy(const VstorEncryption *enc)
{
    VstorEncryption *copy;

    g_return_val_if_fail(enc != NULL, NULL);

    copy = vstor_encryption_new();
    copy->format = enc->format;
    copy->engine = enc->engine;
    for (guint i = 0; enc->secrets && i < enc->secrets->len; i++) {
        const VstorEncryptionSecret *src = g_ptr_array_index(enc->secrets, i);
        VstorEncryptionSecret *dst = g_new0(VstorEncryptionSecret, 1);

        *dst = *src;
        dst->usage = g_strdup(src->usage);
        g_ptr_array_add(copy->secrets, dst);
    }
    copy->cipher_name = g_strdup(enc->cipher_name);
    copy->cipher_size = enc->cipher_size;
    copy->cipher_mode = g_strdup(enc->cipher_mode);
    copy->cipher_hash = g_strdup(enc->cipher_hash);
    copy->ivgen_name = g_strdup(enc->ivgen_name);
    copy->ivgen_hash = g_strdup(enc->ivgen_hash);
    return copy;
}

/* An unsigned int as libvirt reads attribute numbers: leading white space and a '+' are
 * tolerated (strtoul does), a '-' or anything after the digits is not. */
static gboolean
parse_uint_attr(const char *str, unsigned int *ret_value)
{
    unsigned long long v;
    const char *end;
    const char *p = str;

    while (g_ascii_isspace(*p))
        p++;
    if (*p == '+')
        p++;
    if (!g_ascii_isdigit(*p) || !vstor_parse_ull_prefix(p, &v, &end) || *end || v > UINT_MAX)
        return FALSE;
    *ret_value = (unsigned int)v;
    return TRUE;
}

static VstorEncryptionSecret *
secret_parse(xmlXPathContext *ctxt, xmlNode *node, GError **err)
{
    g_autofree char *type = NULL;
    g_autofree char *uuid = NULL;
    g_autofree char *usage = NULL;
    VstorEncryptionSecret *secret;
    xmlNode *saved = ctxt->node;
    int type_value;

    ctxt->node = node;
    type = vstor_xml_string(ctxt, "string(./@type)");
    ctxt->node = saved;
    if (!type) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "unknown volume encryption secret type");
        return NULL;
    }
    if ((type_value = vstor_enum_from_string(secret_type_names, type)) < 0) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "unknown volume encryption secret type %s", type);
        return NULL;
    }

    uuid = vstor_xml_prop(node, "uuid");
    usage = vstor_xml_prop(node, "usage");
    if (!uuid && !usage) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing secret uuid or usage attribute");
        return NULL;
    }
    if (uuid && usage) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "either secret uuid or usage expected");
        return NULL;
    }

    secret = g_new0(VstorEncryptionSecret, 1);
    secret->type = type_value;
    if (uuid) {
        if (!vstor_uuid_parse(uuid, secret->uuid)) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR, "invalid secret uuid '%s'", uuid);
            secret_free(secret);
            return NULL;
        }
        secret->lookup = VSTOR_SECRET_LOOKUP_UUID;
    } else {
        secret->usage = g_steal_pointer(&usage);
        secret->lookup = VSTOR_SECRET_LOOKUP_USAGE;
    }
    return secret;
}

static int
cipher_parse(xmlNode *node, VstorEncryption *enc, GError **err)
{
    g_autofree char *size = NULL;

    if (!(enc->cipher_name = vstor_xml_prop(node, "name"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "cipher info missing 'name' attribute");
        return -1;
    }
    if (!(size = vstor_xml_prop(node, "size"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "Missing required attribute '%s' in element '%s'",
                        "size", "cipher");
        return -1;
    }
    if (!parse_uint_attr(size, &enc->cipher_size)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Invalid value for attribute '%s' in element '%s': '%s'. Expected "
                        "non-negative integer value",
                        "size", "cipher", size);
        return -1;
    }
    enc->cipher_mode = vstor_xml_prop(node, "mode");
    enc->cipher_hash = vstor_xml_prop(node, "hash");
    return 0;
}

static int
ivgen_parse(xmlNode *node, VstorEncryption *enc, GError **err)
{
    /* An ivgen only makes sense for a cipher libvirt was told about. */
    if (!enc->cipher_name) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "ivgen element found, but cipher is missing");
        return -1;
    }
    if (!(enc->ivgen_name = vstor_xml_prop(node, "name"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing ivgen info name string");
        return -1;
    }
    enc->ivgen_hash = vstor_xml_prop(node, "hash");
    return 0;
}

static int
encryption_parse_children(xmlXPathContext *ctxt, VstorEncryption *enc, GError **err)
{
    g_autofree xmlNode **nodes = NULL;
    guint n = vstor_xml_nodes(ctxt, "./secret", &nodes);
    xmlNode *child;

    for (guint i = 0; i < n; i++) {
        VstorEncryptionSecret *secret = secret_parse(ctxt, nodes[i], err);

        if (!secret)
            return -1;
        g_ptr_array_add(enc->secrets, secret);
    }

    /* libvirt reads cipher and ivgen for LUKS (version 1) only and ignores them otherwise. */
    if (enc->format != VSTOR_ENCRYPTION_FORMAT_LUKS)
        return 0;
    if ((child = vstor_xml_node(ctxt, "./cipher[1]")) && cipher_parse(child, enc, err) < 0)
        return -1;
    if ((child = vstor_xml_node(ctxt, "./ivgen[1]")) && ivgen_parse(child, enc, err) < 0)
        return -1;
    return 0;
}

VstorEncryption *
vstor_encryption_parse(xmlXPathContext *ctxt, xmlNode *node, GError **err)
{
    g_autoptr(VstorEncryption) enc = NULL;
    g_autofree char *format = NULL;
    g_autofree char *engine = NULL;
    xmlNode *saved;
    int value;
    int rc;

    g_return_val_if_fail(ctxt != NULL && node != NULL, NULL);

    saved = ctxt->node;
    ctxt->node = node;
    enc = vstor_encryption_new();

    format = vstor_xml_string(ctxt, "string(./@format)");
    if (!format) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "unknown volume encryption format");
        goto fail;
    }
    if ((value = vstor_enum_from_string(vstor_encryption_format_names, format)) < 0) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "unknown volume encryption format type %s", format);
        goto fail;
    }
    enc->format = value;

    /* "default" is what an absent engine means, so writing it out is an error. */
    if ((engine = vstor_xml_prop(node, "engine"))) {
        value = vstor_enum_from_string(vstor_encryption_engine_names, engine);
        if (value <= 0) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                            "Invalid value for attribute '%s' in element '%s': '%s'.", "engine",
                            "encryption", engine);
            goto fail;
        }
        enc->engine = value;
    }

    rc = encryption_parse_children(ctxt, enc, err);
    ctxt->node = saved;
    if (rc < 0)
        return NULL;
    return g_steal_pointer(&enc);

fail:
    ctxt->node = saved;
    return NULL;
}

static void
secret_format(VstorXmlWriter *w, const VstorEncryptionSecret *secret)
{
    char uuid[VSTOR_UUID_STRING_LEN];

    vstor_xml_writer_addf(w, "<secret type='%s'", secret_type_names[secret->type]);
    switch (secret->lookup) {
    case VSTOR_SECRET_LOOKUP_UUID:
        vstor_uuid_format(secret->uuid, uuid);
        vstor_xml_writer_addf(w, " uuid='%s'/>\n", uuid);
        break;
    case VSTOR_SECRET_LOOKUP_USAGE:
        vstor_xml_writer_escapef(w, " usage='%s'/>\n", secret->usage ? secret->usage : "");
        break;
    default: vstor_xml_writer_addf(w, "/>\n"); break;
    }
}

int
vstor_encryption_format(VstorXmlWriter *w, const VstorEncryption *enc)
{
    const char *format = vstor_enum_to_string(vstor_encryption_format_names, enc->format);
    const char *engine = vstor_enum_to_string(vstor_encryption_engine_names, enc->engine);
    guint n_secrets = enc->secrets ? enc->secrets->len : 0;

    if (!format || !engine)
        return -1;
    for (guint i = 0; i < n_secrets; i++) {
        const VstorEncryptionSecret *secret = g_ptr_array_index(enc->secrets, i);

        if ((int)secret->type < 0 || secret->type >= VSTOR_ENCRYPTION_SECRET_LAST)
            return -1;
    }

    if (enc->engine == VSTOR_ENCRYPTION_ENGINE_DEFAULT)
        vstor_xml_writer_addf(w, "<encryption format='%s'>\n", format);
    else
        vstor_xml_writer_addf(w, "<encryption format='%s' engine='%s'>\n", format, engine);
    vstor_xml_writer_push(w);

    for (guint i = 0; i < n_secrets; i++)
        secret_format(w, g_ptr_array_index(enc->secrets, i));

    if (enc->format == VSTOR_ENCRYPTION_FORMAT_LUKS && enc->cipher_name) {
        vstor_xml_writer_escapef(w, "<cipher name='%s'", enc->cipher_name);
        vstor_xml_writer_addf(w, " size='%u'", enc->cipher_size);
        vstor_xml_writer_escapef(w, " mode='%s'", enc->cipher_mode);
        vstor_xml_writer_escapef(w, " hash='%s'", enc->cipher_hash);
        vstor_xml_writer_addf(w, "/>\n");
        if (enc->ivgen_name) {
            vstor_xml_writer_escapef(w, "<ivgen name='%s'", enc->ivgen_name);
            vstor_xml_writer_escapef(w, " hash='%s'", enc->ivgen_hash);
            vstor_xml_writer_addf(w, "/>\n");
        }
    }

    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</encryption>\n");
    return 0;
}
