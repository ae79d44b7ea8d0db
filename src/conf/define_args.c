/* define_args.c: pool-define-as / vol-create-as argument sets to XML, shaped exactly like the
 * text virsh 9.0.0 prints with --print-xml, quirks included, so scripts see no difference. */
#include "conf/define_args.h"

#include <stddef.h>
#include <string.h>

#include "util/error.h"
#include "util/units.h"
#include "util/xml.h"

/* In the order virsh reads the options, not the order of its option table: the two differ
 * for target and source-format, and the first empty value found is the one reported. */
const char *const vstor_pool_args_options[] = {
    "name",
    "type",
    "source-host",
    "source-path",
    "source-dev",
    "source-name",
    "source-format",
    "target",
    "auth-type",
    "auth-username",
    "secret-usage",
    "secret-uuid",
    "adapter-name",
    "adapter-wwnn",
    "adapter-wwpn",
    "adapter-parent",
    "adapter-parent-wwnn",
    "adapter-parent-wwpn",
    "adapter-parent-fabric-wwn",
    "source-protocol-ver",
    "source-initiator",
    NULL,
};

/* The field each option above feeds, entry for entry. */
static const size_t pool_field_offsets[] = {
    offsetof(VstorPoolArgs, name),
    offsetof(VstorPoolArgs, type),
    offsetof(VstorPoolArgs, source_host),
    offsetof(VstorPoolArgs, source_path),
    offsetof(VstorPoolArgs, source_dev),
    offsetof(VstorPoolArgs, source_name),
    offsetof(VstorPoolArgs, source_format),
    offsetof(VstorPoolArgs, target),
    offsetof(VstorPoolArgs, auth_type),
    offsetof(VstorPoolArgs, auth_username),
    offsetof(VstorPoolArgs, secret_usage),
    offsetof(VstorPoolArgs, secret_uuid),
    offsetof(VstorPoolArgs, adapter_name),
    offsetof(VstorPoolArgs, adapter_wwnn),
    offsetof(VstorPoolArgs, adapter_wwpn),
    offsetof(VstorPoolArgs, adapter_parent),
    offsetof(VstorPoolArgs, adapter_parent_wwnn),
    offsetof(VstorPoolArgs, adapter_parent_wwpn),
    offsetof(VstorPoolArgs, adapter_parent_fabric_wwn),
    offsetof(VstorPoolArgs, source_protocol_ver),
    offsetof(VstorPoolArgs, source_initiator),
};
G_STATIC_ASSERT(G_N_ELEMENTS(vstor_pool_args_options) == G_N_ELEMENTS(pool_field_offsets) + 1);
/* Every field has its option: none can be forgotten when one is added. */
G_STATIC_ASSERT(sizeof(VstorPoolArgs) == G_N_ELEMENTS(pool_field_offsets) * sizeof(char *));

/* The offset of the field @option feeds, or -1. */
static gssize
pool_field_offset(const char *option)
{
    for (size_t i = 0; i < G_N_ELEMENTS(pool_field_offsets); i++)
        if (g_strcmp0(vstor_pool_args_options[i], option) == 0)
            return (gssize)pool_field_offsets[i];
    return -1;
}

int
vstor_pool_args_set(VstorPoolArgs *args, const char *option, const char *value, GError **err)
{
    gssize offset;

    g_return_val_if_fail(args != NULL, -1);

    if ((offset = pool_field_offset(option)) < 0) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "pool-define-as has no option --%s",
                        option ? option : "(null)");
        return -1;
    }
    *(const char **)((char *)args + offset) = value;
    return 0;
}

const char *
vstor_pool_args_get(const VstorPoolArgs *args, const char *option)
{
    gssize offset;

    g_return_val_if_fail(args != NULL, NULL);

    if ((offset = pool_field_offset(option)) < 0)
        return NULL;
    return *(const char *const *)((const char *)args + offset);
}

static int
check_flags(unsigned int flags, unsigned int known, const char *func, GError **err)
{
    if (flags & ~known) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags & ~known, func);
        return -1;
    }
    return 0;
}

/* Appends @fmt with its %s conversions (one or two) replaced by @v1 and @v2, escaped only
 * when asked: virsh pastes values in as they are. One call per virsh call, because the
 * indentation is added at the start of a call only, which matters for values ending in a
 * newline. */
static void
put2(VstorXmlWriter *w, gboolean escape, const char *fmt, const char *v1, const char *v2)
{
    g_autofree char *e1 = escape ? vstor_xml_escape(v1) : NULL;
    g_autofree char *e2 = escape && v2 ? vstor_xml_escape(v2) : NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vstor_xml_writer_addf(w, fmt, escape ? e1 : v1, escape ? e2 : v2);
#pragma GCC diagnostic pop
}

static void
put(VstorXmlWriter *w, gboolean escape, const char *fmt, const char *value)
{
    put2(w, escape, fmt, value, NULL);
}

static void
format_pool_adapter(VstorXmlWriter *w, gboolean esc, const VstorPoolArgs *a)
{
    if (a->adapter_wwnn && a->adapter_wwpn) {
        vstor_xml_writer_addf(w, "<adapter type='fc_host'");
        /* Only one way of naming the parent is written; virsh prefers them in this order
         * and drops the rest without a word. */
        if (a->adapter_parent) {
            put(w, esc, " parent='%s'", a->adapter_parent);
        } else if (a->adapter_parent_wwnn && a->adapter_parent_wwpn) {
            put2(w, esc, " parent_wwnn='%s' parent_wwpn='%s'", a->adapter_parent_wwnn,
                 a->adapter_parent_wwpn);
        } else if (a->adapter_parent_fabric_wwn) {
            put(w, esc, " parent_fabric_wwn='%s'", a->adapter_parent_fabric_wwn);
        }
        put2(w, esc, " wwnn='%s' wwpn='%s'/>\n", a->adapter_wwnn, a->adapter_wwpn);
    } else if (a->adapter_name) {
        put(w, esc, "<adapter type='scsi_host' name='%s'/>\n", a->adapter_name);
    }
}

static void
format_pool_source(VstorXmlWriter *w, gboolean esc, const VstorPoolArgs *a)
{
    /* virsh opens <source> only for these; auth or a protocol version alone are dropped. */
    if (!(a->source_host || a->source_path || a->source_dev || a->source_initiator ||
          a->source_format || a->source_name || (a->adapter_wwnn && a->adapter_wwpn) ||
          a->adapter_name))
        return;

    vstor_xml_writer_addf(w, "<source>\n");
    vstor_xml_writer_push(w);
    if (a->source_host)
        put(w, esc, "<host name='%s'/>\n", a->source_host);
    if (a->source_path)
        put(w, esc, "<dir path='%s'/>\n", a->source_path);
    if (a->source_dev)
        put(w, esc, "<device path='%s'/>\n", a->source_dev);
    if (a->source_initiator) {
        vstor_xml_writer_addf(w, "<initiator>\n");
        vstor_xml_writer_push(w);
        put(w, esc, "<iqn name='%s'/>\n", a->source_initiator);
        vstor_xml_writer_pop(w);
        vstor_xml_writer_addf(w, "</initiator>\n");
    }
    format_pool_adapter(w, esc, a);
    if (a->auth_type && a->auth_username && (a->secret_usage || a->secret_uuid)) {
        put2(w, esc, "<auth type='%s' username='%s'>\n", a->auth_type, a->auth_username);
        vstor_xml_writer_push(w);
        if (a->secret_usage)
            put(w, esc, "<secret usage='%s'/>\n", a->secret_usage);
        else
            put(w, esc, "<secret uuid='%s'/>\n", a->secret_uuid);
        vstor_xml_writer_pop(w);
        vstor_xml_writer_addf(w, "</auth>\n");
    }
    if (a->source_format)
        put(w, esc, "<format type='%s'/>\n", a->source_format);
    if (a->source_name)
        put(w, esc, "<name>%s</name>\n", a->source_name);
    if (a->source_protocol_ver)
        put(w, esc, "<protocol ver='%s'/>\n", a->source_protocol_ver);
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</source>\n");
}

char *
vstor_pool_args_format(const VstorPoolArgs *args, unsigned int flags, GError **err)
{
    VstorXmlWriter w;
    gboolean esc = (flags & VSTOR_ARGS_XML_ESCAPE) != 0;

    g_return_val_if_fail(args != NULL, NULL);

    if (check_flags(flags, VSTOR_ARGS_XML_ESCAPE, G_STRFUNC, err) < 0)
        return NULL;
    if (!args->name || !args->type) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "a pool needs a %s",
                        args->name ? "type" : "name");
        return NULL;
    }
    if (args->secret_usage && args->secret_uuid) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "Options --secret-usage and --secret-uuid are mutually exclusive");
        return NULL;
    }

    vstor_xml_writer_init(&w);
    put(&w, esc, "<pool type='%s'>\n", args->type);
    vstor_xml_writer_push(&w);
    put(&w, esc, "<name>%s</name>\n", args->name);
    format_pool_source(&w, esc, args);
    if (args->target) {
        vstor_xml_writer_addf(&w, "<target>\n");
        vstor_xml_writer_push(&w);
        put(&w, esc, "<path>%s</path>\n", args->target);
        vstor_xml_writer_pop(&w);
        vstor_xml_writer_addf(&w, "</target>\n");
    }
    vstor_xml_writer_pop(&w);
    vstor_xml_writer_addf(&w, "</pool>\n");
    return vstor_xml_writer_finish(&w);
}

int
vstor_vol_args_parse_size(const char *str, guint64 *ret_bytes, GError **err)
{
    g_autoptr(GError) cause = NULL;
    unsigned long long value;
    const char *p = str;
    const char *end;

    g_return_val_if_fail(str != NULL, -1);

    /* virsh reads the number with strtoull: leading white space as isspace() has it in the
     * C locale (\v too, unlike g_ascii_isspace), one '+', but no '-', which strtoull would
     * silently wrap around. vstor_parse_size() is laxer than virsh (a blank before the unit,
     * fractions), so only its two building blocks are used here. */
    while (*p && strchr(" \t\n\v\f\r", *p))
        p++;
    if (*p == '+')
        p++;
    /* No cause for these: virsh has none to print beyond the first line. */
    if (!g_ascii_isdigit(*p) || !vstor_parse_ull_prefix(p, &value, &end)) {
        g_set_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG, "Malformed size %s", str);
        return -1;
    }
    /* The suffix is everything after the digits, blanks included: "5 G" is refused. */
    if (vstor_scale_integer(&value, end, 1, G_MAXUINT64, &cause) < 0) {
        g_set_error(err, VSTOR_ERROR, cause->code, "Malformed size %s\nerror: %s", str,
                    cause->message);
        return -1;
    }
    *ret_bytes = value;
    return 0;
}

char *
vstor_vol_args_format(const VstorVolArgs *args, unsigned int flags, GError **err)
{
    VstorXmlWriter w;
    gboolean esc = (flags & VSTOR_ARGS_XML_ESCAPE) != 0;

    g_return_val_if_fail(args != NULL, NULL);

    if (check_flags(flags, VSTOR_ARGS_XML_ESCAPE, G_STRFUNC, err) < 0)
        return NULL;
    if (!args->name) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "a volume needs a name");
        return NULL;
    }
    if (args->backing_vol && !args->backing_path) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "backing volume '%s' has not been resolved to a path", args->backing_vol);
        return NULL;
    }

    vstor_xml_writer_init(&w);
    vstor_xml_writer_addf(&w, "<volume>\n");
    vstor_xml_writer_push(&w);
    put(&w, esc, "<name>%s</name>\n", args->name);
    vstor_xml_writer_addf(&w, "<capacity>%" G_GUINT64_FORMAT "</capacity>\n", args->capacity);
    if (args->has_allocation)
        vstor_xml_writer_addf(&w, "<allocation>%" G_GUINT64_FORMAT "</allocation>\n",
                              args->allocation);
    if (args->format) {
        vstor_xml_writer_addf(&w, "<target>\n");
        vstor_xml_writer_push(&w);
        put(&w, esc, "<format type='%s'/>\n", args->format);
        vstor_xml_writer_pop(&w);
        vstor_xml_writer_addf(&w, "</target>\n");
    }
    if (args->backing_vol) {
        vstor_xml_writer_addf(&w, "<backingStore>\n");
        vstor_xml_writer_push(&w);
        put(&w, esc, "<path>%s</path>\n", args->backing_path);
        if (args->backing_format)
            put(&w, esc, "<format type='%s'/>\n", args->backing_format);
        vstor_xml_writer_pop(&w);
        vstor_xml_writer_addf(&w, "</backingStore>\n");
    }
    vstor_xml_writer_pop(&w);
    vstor_xml_writer_addf(&w, "</volume>\n");
    return vstor_xml_writer_finish(&w);
}
