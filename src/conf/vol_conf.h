/* vol_conf.h: the storage volume definition (VstorVolDef) and its XML, parsed, validated and
 * formatted exactly as libvirt 9.0.0's storage_conf.c does for a pool of a given type. */
#pragma once

#include <glib.h>

#include "conf/encryption.h"
#include "conf/perms.h"
#include "conf/pool_caps.h"
#include "util/error.h"
#include "util/xml.h"

/* The volume's type attribute, ordered as libvirt's virStorageVolType. */
typedef enum {
    VSTOR_VOL_FILE,
    VSTOR_VOL_BLOCK,
    VSTOR_VOL_DIR,
    VSTOR_VOL_NETWORK,
    VSTOR_VOL_NETDIR,
    VSTOR_VOL_PLOOP,
    VSTOR_VOL_TYPE_LAST
} VstorVolType;

/* Parse flags, numbered as libvirt's virStorageVolDefParseFlags. */
typedef enum {
    /* Capacity may be absent (e.g. when it comes from an input volume). */
    VSTOR_VOL_PARSE_NO_CAPACITY = 1 << 0,
    /* Capacity may be absent when the volume has a backing store. */
    VSTOR_VOL_PARSE_OPT_CAPACITY = 1 << 1,
} VstorVolParseFlags;

/* qcow2 features under <target><features>, ordered as libvirt's virStorageFileFeature. */
typedef enum {
    VSTOR_VOL_FEATURE_LAZY_REFCOUNTS,
    VSTOR_VOL_FEATURE_EXTENDED_L2,
    VSTOR_VOL_FEATURE_LAST
} VstorVolFeature;

extern const char *const vstor_vol_type_names[];
extern const char *const vstor_vol_feature_names[];

/* A time as stat() reports it; nsec < 0 means unknown and is not formatted. */
typedef struct {
    gint64 sec;
    long nsec;
} VstorVolTimestamp;

#define VSTOR_VOL_TIMESTAMP_UNSET ((VstorVolTimestamp){0, -1})

/* Filled in by a pool refresh only: libvirt never reads <timestamps> from XML. */
typedef struct {
    VstorVolTimestamp atime;
    VstorVolTimestamp mtime;
    VstorVolTimestamp ctime;
    VstorVolTimestamp btime;
} VstorVolTimestamps;

/* Where a volume lies on a pool's devices (disk partitions, LVM segments); filled in by a
 * refresh only, like libvirt, which formats <source> extents but never parses them. */
typedef struct {
    char *path;
    unsigned long long start;
    unsigned long long end;
} VstorVolExtent;

/* A <target> or a <backingStore>: both are written by the same rules. The backing store
 * only ever gets path, format and permissions from XML. */
typedef struct {
    char *path;
    /* Index into the pool type's volume format table (vstor_pool_caps_vol_formats):
     * a VstorVolFormat, or a VstorPartFormat in disk pools; unused when the type has none. */
    int format;
    VstorPerms perms;
    VstorVolTimestamps *timestamps; /* NULL: unknown */
    VstorEncryption *encryption; /* NULL: none */
    char *compat; /* qcow2 compat level "N.M", or NULL */
    gboolean nocow; /* parsed, never formatted (as libvirt) */
    gboolean has_features; /* a <features> element was given */
    guint features; /* bits 1 << VstorVolFeature */
    unsigned long long cluster_size; /* bytes; 0: not set */
} VstorVolTarget;

typedef struct {
    char *name;
    char *key;
    VstorVolType type;
    GArray *extents; /* of VstorVolExtent, never NULL; see vstor_vol_def_add_extent() */
    unsigned long long capacity;
    unsigned long long allocation; /* equals capacity when not given */
    gboolean has_allocation; /* <allocation> was given */
    unsigned long long physical; /* output only; 0: not known, not formatted */
    VstorVolTarget target;
    VstorVolTarget *backing_store; /* NULL: none */
} VstorVolDef;

/* An empty definition: type file, no extents, unset permissions. */
VstorVolDef *vstor_vol_def_new(void);
void vstor_vol_def_free(VstorVolDef *def); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorVolDef, vstor_vol_def_free)

/* A deep copy of @def. */
VstorVolDef *vstor_vol_def_copy(const VstorVolDef *def);

/* Appends an extent (a copy of @path) to def->extents. */
void vstor_vol_def_add_extent(VstorVolDef *def, const char *path, unsigned long long start,
                              unsigned long long end);

/* Parses a <volume> document for a pool of @pool_type with VstorVolParseFlags @flags.
 * Fails with VSTOR_ERR_INVALID_ARG for unknown flag bits, the XML layer's errors for a
 * malformed document or another root, and then libvirt's code and message for each rule:
 * VSTOR_ERR_XML_ERROR (missing name or capacity, malformed number, compat or permissions,
 * bad encryption), VSTOR_ERR_CONFIG_UNSUPPORTED (unknown volume type, format for the pool
 * type, or feature), VSTOR_ERR_INVALID_ARG (unknown unit), VSTOR_ERR_OVERFLOW (a size of
 * 2^63 bytes or more). */
VstorVolDef *vstor_vol_def_parse(VstorPoolType pool_type, const char *xml, unsigned int flags,
                                 GError **err);

/* The same for the element @root of an already parsed @doc; @root must be <volume>
 * (VSTOR_ERR_XML_ERROR otherwise). */
VstorVolDef *vstor_vol_def_parse_node(VstorPoolType pool_type, xmlDoc *doc, xmlNode *root,
                                      unsigned int flags, GError **err);

/* The XML libvirt writes for @def in a pool of @pool_type. Returns NULL only when a field
 * holds a value outside its enum or the pool type's format table, which a parsed
 * definition never does. */
char *vstor_vol_def_format(VstorPoolType pool_type, const VstorVolDef *def);

/* The check libvirt's local backends (dir, fs, netfs, vstorage) make before creating a
 * volume, not a parse rule: fails with VSTOR_ERR_OPERATION_INVALID when @name contains '/', and
 * (vstor's own rule) with VSTOR_ERR_XML_DETAIL when it holds a control character. */
int vstor_vol_name_check(const char *name, GError **err);
