/* secret_conf.h: the <secret> definition — ephemeral and private flags, uuid, description and
 * usage (volume, ceph, iscsi, tls, vtpm) — parsed, validated and formatted as libvirt does. */
#pragma once

#include <glib.h>

#include "util/uuid.h"

/* Numbered as libvirt's virSecretUsageType (the wire carries the number). */
typedef enum {
    VSTOR_SECRET_USAGE_NONE = 0,
    VSTOR_SECRET_USAGE_VOLUME = 1,
    VSTOR_SECRET_USAGE_CEPH = 2,
    VSTOR_SECRET_USAGE_ISCSI = 3,
    VSTOR_SECRET_USAGE_TLS = 4,
    VSTOR_SECRET_USAGE_VTPM = 5,
    VSTOR_SECRET_USAGE_LAST,
} VstorSecretUsageType;

typedef struct {
    gboolean ephemeral;
    gboolean private_;
    guint8 uuid[VSTOR_UUID_LEN];
    char *description;
    VstorSecretUsageType usage_type;
    char *usage_id; /* volume path, ceph/tls/vtpm name or iscsi target; NULL for none */
} VstorSecretDef;

void vstor_secret_def_free(VstorSecretDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorSecretDef, vstor_secret_def_free)

/* "volume" for VSTOR_SECRET_USAGE_VOLUME …; NULL when out of range. */
const char *vstor_secret_usage_type_to_string(int type);
/* The type named @str, or -1. */
int vstor_secret_usage_type_from_string(const char *str);

/* Parses a <secret> document; generates the uuid when absent. Fails with libvirt's codes
 * and messages: VSTOR_ERR_XML_ERROR / XML_DETAIL for syntax and bad flags,
 * VSTOR_ERR_CONFIG_UNSUPPORTED for an unknown usage type, VSTOR_ERR_INTERNAL_ERROR for a
 * malformed uuid or a usage missing its identifier; VSTOR_ERR_XML_ERROR too for a definition
 * whose formatted XML would be larger than the parser accepts (VSTOR_XML_MAX_SIZE). */
VstorSecretDef *vstor_secret_def_parse(const char *xml, GError **err);

/* The definition as libvirt formats it (never fails for a parsed definition). */
char *vstor_secret_def_format(const VstorSecretDef *def);

/* A deep copy of @def. */
VstorSecretDef *vstor_secret_def_copy(const VstorSecretDef *def);
