/* pool_adapter.h: the <adapter> of a scsi pool's source — a SCSI host by name or by its
 * parent's PCI address, or a Fibre Channel (vHBA) host by WWNN/WWPN. */
#pragma once

#include <glib.h>

#include "conf/pool_attr.h"
#include "util/xml.h"

/* Ordered as libvirt's virStorageAdapterType; DEFAULT means no adapter was given. */
typedef enum {
    VSTOR_POOL_ADAPTER_DEFAULT,
    VSTOR_POOL_ADAPTER_SCSI_HOST,
    VSTOR_POOL_ADAPTER_FC_HOST,
} VstorPoolAdapterType;

/* "default", "scsi_host", "fc_host", NULL. */
extern const char *const vstor_pool_adapter_type_names[];

typedef struct {
    unsigned int domain;
    unsigned int bus;
    unsigned int slot;
    unsigned int function;
} VstorPciAddress;

typedef struct {
    VstorPoolAdapterType type;

    /* scsi_host: either a name ("host5") or the parent's PCI address with a unique_id. */
    char *name;
    gboolean has_parent;
    VstorPciAddress parent_addr;
    int unique_id;

    /* fc_host */
    char *parent;
    char *parent_wwnn;
    char *parent_wwpn;
    char *parent_fabric_wwn;
    char *wwnn;
    char *wwpn;
    VstorPoolTristate managed;
} VstorPoolAdapter;

/* Frees the adapter's strings and resets it to DEFAULT. */
void vstor_pool_adapter_clear(VstorPoolAdapter *adapter);

/* Reads the <adapter> element @node (ctxt is used relative to it and restored). Fails with
 * VSTOR_ERR_XML_ERROR on a bad type, managed flag, PCI address or unique_id, or on fc_host
 * attributes given without a type; @adapter may be partly filled then (clear it). */
int vstor_pool_adapter_parse(xmlXPathContext *ctxt, xmlNode *node, VstorPoolAdapter *adapter,
                             GError **err);

/* Checks what a scsi pool needs: an adapter at all, a name or parent (not both) for
 * scsi_host, well-formed WWNs in pairs for fc_host. VSTOR_ERR_XML_ERROR, or
 * VSTOR_ERR_INTERNAL_ERROR for a malformed WWN (libvirt's code for it). */
int vstor_pool_adapter_validate(const VstorPoolAdapter *adapter, GError **err);

/* Writes <adapter .../> (nothing for DEFAULT). */
void vstor_pool_adapter_format(VstorXmlWriter *w, const VstorPoolAdapter *adapter);
