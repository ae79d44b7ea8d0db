/* pool_source.h: a storage pool's <source> (hosts, devices, dir, adapter, name, format, auth,
 * initiator, vendor, product, protocol), a standalone <source> document and <sources> lists. */
#pragma once

#include <glib.h>

#include "conf/pool_adapter.h"
#include "conf/pool_attr.h"
#include "conf/pool_caps.h"
#include "util/uuid.h"
#include "util/xml.h"

typedef struct {
    char *name;
    int port; /* 0: not given */
} VstorPoolHost;

/* A free region of a disk pool's device, found by the backend (never read from XML). */
typedef struct {
    unsigned long long start;
    unsigned long long end;
} VstorPoolExtent;

typedef struct {
    char *path;
    VstorPoolTristate part_separator;
    VstorPoolExtent *free_extents;
    guint n_free_extents;
} VstorPoolDevice;

/* Ordered as libvirt's virStorageAuthType. */
typedef enum {
    VSTOR_POOL_AUTH_NONE,
    VSTOR_POOL_AUTH_CHAP,
    VSTOR_POOL_AUTH_CEPH,
} VstorPoolAuthType;

/* "none", "chap", "ceph", NULL. */
extern const char *const vstor_pool_auth_type_names[];

typedef struct {
    VstorPoolAuthType type;
    char *username;
    char *secret_type; /* <secret type='…'>: kept and written back as given */
    /* The secret is named by exactly one of these. */
    char *secret_usage;
    gboolean has_secret_uuid;
    guint8 secret_uuid[VSTOR_UUID_LEN];
} VstorPoolAuth;

typedef struct {
    VstorPoolHost *hosts;
    guint n_hosts;
    VstorPoolDevice *devices;
    guint n_devices;
    char *dir;
    VstorPoolAdapter adapter;
    char *name;
    int format; /* index into the type's source_formats; meaningless when it has none */
    VstorPoolAuth *auth;
    char *initiator_iqn;
    char *vendor;
    char *product;
    char *protocol_ver;
} VstorPoolSource;

/* What find-storage-pool-sources returns: sources of one pool type. */
typedef struct {
    VstorPoolType type;
    GPtrArray *sources; /* of VstorPoolSource * */
} VstorPoolSourceList;

void vstor_pool_auth_free(VstorPoolAuth *auth);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorPoolAuth, vstor_pool_auth_free)

/* Frees everything @source holds and zeroes it (the struct itself stays). */
void vstor_pool_source_clear(VstorPoolSource *source);
/* Clears and frees a heap source; accepts NULL. */
void vstor_pool_source_free(VstorPoolSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorPoolSource, vstor_pool_source_free)

/* Appends a device with @path (copied) and returns it, for backends filling a source. */
VstorPoolDevice *vstor_pool_source_add_device(VstorPoolSource *source, const char *path);
/* Appends a host with @name (copied) and @port (0: none). */
void vstor_pool_source_add_host(VstorPoolSource *source, const char *name, int port);

/* Reads the <source> element @node of a pool of @type into @source (zeroed by the caller);
 * ctxt is used relative to @node and restored. Fails with VSTOR_ERR_XML_ERROR (missing host
 * name, device path, auth username or secret, bad port, rbd without <name> ...),
 * VSTOR_ERR_CONFIG_UNSUPPORTED (unknown format or auth type, protocol version for a format
 * that has none) or VSTOR_ERR_XML_DETAIL (',' in the protocol version), with libvirt's
 * wording. @source may be partly filled on failure: clear it. */
int vstor_pool_source_parse(xmlXPathContext *ctxt, xmlNode *node, VstorPoolType type,
                            VstorPoolSource *source, GError **err);

/* Parses a standalone <source> document, as find-storage-pool-sources takes, for a pool of
 * @type. NULL with the errors of vstor_xml_parse and vstor_pool_source_parse. */
VstorPoolSource *vstor_pool_source_parse_string(const char *xml, VstorPoolType type, GError **err);

/* Writes <source>…</source> with what @type takes, in libvirt's order. */
void vstor_pool_source_format(VstorXmlWriter *w, VstorPoolType type, const VstorPoolSource *source);

VstorPoolSourceList *vstor_pool_source_list_new(VstorPoolType type);
void vstor_pool_source_list_free(VstorPoolSourceList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorPoolSourceList, vstor_pool_source_list_free)
/* Appends an empty source owned by @list; its format is 0 ("auto", "unknown"), as in
 * libvirt, so backends set the one they found. */
VstorPoolSource *vstor_pool_source_list_add(VstorPoolSourceList *list);
/* The <sources> document for @list. */
char *vstor_pool_source_list_format(const VstorPoolSourceList *list);
