/* define_args.h: the argument sets of virsh's pool-define-as/pool-create-as and vol-create-as,
 * turned into the XML documents virsh 9.0.0 builds from them, byte for byte. */
#pragma once

#include <glib.h>

/* Flags of vstor_pool_args_format() and vstor_vol_args_format(). */
typedef enum {
    /* Escape the XML specials in values. virsh pastes values in raw (so "a&b" makes a
     * document no parser takes); --print-xml keeps that for byte-identity, while XML handed
     * to the driver should be escaped. */
    VSTOR_ARGS_XML_ESCAPE = 1 << 0,
} VstorArgsXmlFlags;

/* Every pool-define-as option that ends up in the XML. Fields borrow their strings; NULL
 * means the option was not given. */
typedef struct {
    const char *name;
    const char *type;
    const char *source_host; /* taken whole: virsh 9.0.0 does not split "host:port" */
    const char *source_path;
    const char *source_dev;
    const char *source_name;
    const char *source_format;
    const char *target;
    const char *auth_type;
    const char *auth_username;
    const char *secret_usage;
    const char *secret_uuid;
    const char *adapter_name;
    const char *adapter_wwnn;
    const char *adapter_wwpn;
    const char *adapter_parent;
    const char *adapter_parent_wwnn;
    const char *adapter_parent_wwpn;
    const char *adapter_parent_fabric_wwn;
    const char *source_protocol_ver;
    const char *source_initiator;
} VstorPoolArgs;

/* virsh's option names for the VstorPoolArgs fields ("name", "source-host", ...), in the
 * order virsh reads them (which is how it picks the first bad one to report);
 * NULL-terminated. */
extern const char *const vstor_pool_args_options[];

/* Sets the field that virsh option @option feeds to @value (borrowed; NULL clears it).
 * Fails with VSTOR_ERR_INVALID_ARG when no field has that option name. */
int vstor_pool_args_set(VstorPoolArgs *args, const char *option, const char *value, GError **err);

/* The value of the field that @option feeds, or NULL when unset or unknown. */
const char *vstor_pool_args_get(const VstorPoolArgs *args, const char *option);

/* The <pool> document virsh prints for @args, with its trailing newline. Applies virsh's
 * silent rules (auth needs type, username and a secret; an fc_host adapter needs both wwnn
 * and wwpn; some options alone do not open <source>). Fails with VSTOR_ERR_INVALID_ARG when
 * name or type is missing, both secret options are given, or @flags has unknown bits. */
char *vstor_pool_args_format(const VstorPoolArgs *args, unsigned int flags, GError **err);

/* What vol-create-as takes. Strings are borrowed. */
typedef struct {
    const char *pool; /* where the volume goes; not part of the XML */
    const char *name;
    guint64 capacity;
    gboolean has_allocation;
    guint64 allocation;
    const char *format; /* <target><format type=...>, or NULL */
    const char *backing_vol; /* as given: a volume name, key or path, or NULL */
    const char *backing_path; /* backing_vol resolved to its path: what the XML carries */
    const char *backing_format; /* used only together with a backing volume */
    gboolean prealloc_metadata; /* a creation flag, never part of the XML */
} VstorVolArgs;

/* Parses a vol-create-as size exactly as virsh does: optional leading white space and '+',
 * decimal digits, then nothing or a unit suffix right after them ("10G", "5KiB", "7MB",
 * "3bytes"; no blank before the unit, no fraction), scaled with vstor_scale_integer().
 * Fails with VSTOR_ERR_INVALID_ARG or VSTOR_ERR_OVERFLOW; the message is what virsh prints
 * after its first "error: ": "Malformed size STR", then, when virsh names a cause,
 * "\nerror: " and the cause (a separator that stays unambiguous even when STR holds
 * newlines). */
int vstor_vol_args_parse_size(const char *str, guint64 *ret_bytes, GError **err);

/* The <volume> document virsh prints for @args, with its trailing newline. Fails with
 * VSTOR_ERR_INVALID_ARG when the name is missing, a backing volume is given without its
 * resolved path, or @flags has unknown bits. */
char *vstor_vol_args_format(const VstorVolArgs *args, unsigned int flags, GError **err);
