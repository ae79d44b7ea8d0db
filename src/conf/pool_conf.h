/* pool_conf.h: the storage pool definition (<pool>) — parsed, validated and formatted exactly
 * as libvirt 9.0.0 does, with per-type rules taken from the capability table. */
#pragma once

#include <glib.h>

#include "conf/perms.h"
#include "conf/pool_caps.h"
#include "conf/pool_source.h"
#include "util/error.h"
#include "util/uuid.h"
#include "util/xml.h"

/* <refresh><volume allocation='…'/></refresh>; UNSET when absent. */
typedef enum {
    VSTOR_POOL_REFRESH_UNSET = -1,
    VSTOR_POOL_REFRESH_DEFAULT, /* "default" */
    VSTOR_POOL_REFRESH_CAPACITY, /* "capacity" */
} VstorPoolRefreshAllocation;

/* "default", "capacity", NULL. */
extern const char *const vstor_pool_refresh_allocation_names[];

/* One backend option in the type's namespace: fs:mount_opts/fs:option (name only) or
 * rbd:config_opts/rbd:option (name and value). */
typedef struct {
    char *name;
    char *value; /* NULL for mount options */
} VstorPoolNsOption;

typedef struct {
    char *name;
    guint8 uuid[VSTOR_UUID_LEN];
    VstorPoolType type;

    /* Live figures the driver fills in; parsing ignores what the XML says, as libvirt does. */
    unsigned long long capacity;
    unsigned long long allocation;
    unsigned long long available;

    VstorPoolTristate cow; /* <features><cow state=…/> */
    VstorPoolSource source;

    char *target_path; /* NULL for types without a target (rbd, gluster, iscsi-direct …) */
    VstorPerms target_perms;

    VstorPoolRefreshAllocation refresh_allocation;

    /* Options in the namespace of vstor_pool_caps(type)->ns_prefix, in document order. */
    VstorPoolNsOption *ns_options;
    guint n_ns_options;
} VstorPoolDef;

void vstor_pool_def_free(VstorPoolDef *def); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorPoolDef, vstor_pool_def_free)

/* Parses a <pool> document. @flags must be 0 (none are defined yet): anything else fails
 * with VSTOR_ERR_INVALID_ARG. Fails with VSTOR_ERR_XML_DETAIL / VSTOR_ERR_XML_ERROR for
 * malformed XML or a wrong root, and otherwise with the error libvirt gives for each rule
 * (see vstor_pool_def_parse_node). A missing <uuid> is generated. */
VstorPoolDef *vstor_pool_def_parse(const char *xml, unsigned int flags, GError **err);

/* Reads the <pool> element @root of @doc. Fails with VSTOR_ERR_XML_ERROR on a missing or
 * unknown type, a missing name, a name with '/', a malformed uuid, a source lacking what the
 * type requires (host, dir, device, adapter), a missing target path or bad permissions;
 * VSTOR_ERR_CONFIG_UNSUPPORTED on an unknown format, auth or refresh type or a missing
 * initiator IQN (iscsi-direct); VSTOR_ERR_NO_SUPPORT on the cow feature for other types than
 * dir and fs; VSTOR_ERR_INTERNAL_ERROR on a malformed WWN. */
VstorPoolDef *vstor_pool_def_parse_node(xmlDoc *doc, xmlNode *root, GError **err);

/* The <pool> document for @def, in libvirt's element order. NULL only for a programmer error
 * (a type or source format out of range). */
char *vstor_pool_def_format(const VstorPoolDef *def);

/* What libvirt's storage driver checks on pool-define beyond the parser: no newline in the
 * name (VSTOR_ERR_XML_DETAIL). pool-create does not check it, so neither does the parser. */
int vstor_pool_def_check_define(const VstorPoolDef *def, GError **err);
