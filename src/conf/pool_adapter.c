/* pool_adapter.c: parse, validate and format a scsi pool's <adapter>. Validation is separate:
 * libvirt reads an adapter for every pool type but checks it only for types that take one. */
#include "conf/pool_adapter.h"

#include "util/error.h"

const char *const vstor_pool_adapter_type_names[] = {"default", "scsi_host", "fc_host", NULL};

void
vstor_pool_adapter_clear(VstorPoolAdapter *adapter)
{
    g_clear_pointer(&adapter->name, g_free);
    g_clear_pointer(&adapter->parent, g_free);
    g_clear_pointer(&adapter->parent_wwnn, g_free);
    g_clear_pointer(&adapter->parent_wwpn, g_free);
    g_clear_pointer(&adapter->parent_fabric_wwn, g_free);
    g_clear_pointer(&adapter->wwnn, g_free);
    g_clear_pointer(&adapter->wwpn, g_free);
    *adapter = (VstorPoolAdapter){0};
}

static int
parse_pci_address(xmlNode *node, VstorPciAddress *addr, GError **err)
{
    VstorPoolTristate multifunction;
    xmlNode *zpci = NULL;
    unsigned int unused;

    if (vstor_pool_attr_uint(node, "domain", 0, &addr->domain, err) < 0 ||
        vstor_pool_attr_uint(node, "bus", 0, &addr->bus, err) < 0 ||
        vstor_pool_attr_uint(node, "slot", 0, &addr->slot, err) < 0 ||
        vstor_pool_attr_uint(node, "function", 0, &addr->function, err) < 0)
        return -1;
    /* Accepted for compatibility with domain addresses; a pool has no use for it. */
    if (vstor_pool_attr_tristate(node, "multifunction", vstor_pool_on_off_names, &multifunction,
                                 err) < 0)
        return -1;

    /* An all-zero domain:bus:slot passes unchecked, function included, as in libvirt. */
    if (addr->domain || addr->bus || addr->slot) {
        if (addr->bus > 0xFF) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                            "Invalid PCI address bus='0x%x', must be <= 0xFF", addr->bus);
            return -1;
        }
        if (addr->slot > 0x1F) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                            "Invalid PCI address slot='0x%x', must be <= 0x1F", addr->slot);
            return -1;
        }
        if (addr->function > 7) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                            "Invalid PCI address function=0x%x, must be <= 7", addr->function);
            return -1;
        }
    }

    /* A <zpci> child (s390) is checked for well-formed numbers, then dropped: libvirt does
     * not format it back for pools either. The last one wins, as there. */
    for (xmlNode *cur = node->children; cur; cur = cur->next)
        if (vstor_xml_is(cur, "zpci"))
            zpci = cur;
    if (zpci && (vstor_pool_attr_uint(zpci, "uid", 0, &unused, err) < 0 ||
                 vstor_pool_attr_uint(zpci, "fid", 0, &unused, err) < 0))
        return -1;
    return 0;
}

static int
parse_scsi_host(xmlXPathContext *ctxt, xmlNode *node, VstorPoolAdapter *adapter, GError **err)
{
    xmlNode *addr_node;
    g_autofree char *unique_id = NULL;

    adapter->name = vstor_pool_attr(node, "name");
    if (!vstor_xml_node(ctxt, "./parentaddr"))
        return 0;

    if (!(addr_node = vstor_xml_node(ctxt, "./parentaddr/address"))) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "Missing scsi_host PCI address element");
        return -1;
    }
    adapter->has_parent = TRUE;
    if (parse_pci_address(addr_node, &adapter->parent_addr, err) < 0)
        return -1;

    unique_id = vstor_xml_string(ctxt, "string(./parentaddr/@unique_id)");
    if (!unique_id || !vstor_pool_str_to_int(unique_id, 10, &adapter->unique_id) ||
        adapter->unique_id < 0) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Missing or invalid scsi adapter 'unique_id' value");
        return -1;
    }
    return 0;
}

static int
parse_fc_host(xmlNode *node, VstorPoolAdapter *adapter, GError **err)
{
    if (vstor_pool_attr_tristate(node, "managed", vstor_pool_yes_no_names, &adapter->managed, err) <
        0)
        return -1;
    adapter->parent = vstor_pool_attr(node, "parent");
    adapter->parent_wwnn = vstor_pool_attr(node, "parent_wwnn");
    adapter->parent_wwpn = vstor_pool_attr(node, "parent_wwpn");
    adapter->parent_fabric_wwn = vstor_pool_attr(node, "parent_fabric_wwn");
    adapter->wwpn = vstor_pool_attr(node, "wwpn");
    adapter->wwnn = vstor_pool_attr(node, "wwnn");
    return 0;
}

/* Before adapters had a type, name='hostN' was all there was; that form still means a
 * scsi_host, but anything newer needs the type to say what it is. */
static int
parse_untyped(xmlXPathContext *ctxt, xmlNode *node, VstorPoolAdapter *adapter, GError **err)
{
    static const char *const typed_only[] = {"wwnn", "wwpn", "parent"};

    for (size_t i = 0; i < G_N_ELEMENTS(typed_only); i++) {
        g_autofree char *value = vstor_pool_attr(node, typed_only[i]);

        if (value) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                            "Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of "
                            "the adapter 'type'");
            return -1;
        }
    }
    if (vstor_xml_node(ctxt, "./parentaddr")) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Use of 'parentaddr' element requires use of the adapter 'type'");
        return -1;
    }
    if ((adapter->name = vstor_pool_attr(node, "name")))
        adapter->type = VSTOR_POOL_ADAPTER_SCSI_HOST;
    return 0;
}

int
vstor_pool_adapter_parse(xmlXPathContext *ctxt, xmlNode *node, VstorPoolAdapter *adapter,
                         GError **err)
{
    xmlNode *saved = ctxt->node;
    int type = VSTOR_POOL_ADAPTER_DEFAULT;
    int rc;

    g_return_val_if_fail(node != NULL, -1);

    ctxt->node = node;
    rc = vstor_pool_attr_enum(node, "type", vstor_pool_adapter_type_names, FALSE, TRUE, &type, err);
    if (rc == 0) {
        rc = parse_untyped(ctxt, node, adapter, err);
    } else if (rc > 0) {
        adapter->type = (VstorPoolAdapterType)type;
        if (adapter->type == VSTOR_POOL_ADAPTER_FC_HOST)
            rc = parse_fc_host(node, adapter, err);
        else
            rc = parse_scsi_host(ctxt, node, adapter, err);
    }
    ctxt->node = saved;
    return rc < 0 ? -1 : 0;
}

/* A WWN is 16 hex digits, optionally after "0x". */
static int
check_wwn(const char *wwn, GError **err)
{
    const char *digits = g_str_has_prefix(wwn, "0x") ? wwn + 2 : wwn;
    size_t n = 0;

    while (g_ascii_isxdigit(digits[n]))
        n++;
    if (n != 16 || digits[n]) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "Malformed wwn: %s", wwn);
        return -1;
    }
    return 0;
}

static int
validate_fc_host(const VstorPoolAdapter *adapter, GError **err)
{
    if (!adapter->wwnn || !adapter->wwpn) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "'wwnn' and 'wwpn' must be specified for adapter type 'fchost'");
        return -1;
    }
    if (check_wwn(adapter->wwnn, err) < 0 || check_wwn(adapter->wwpn, err) < 0)
        return -1;
    if (adapter->parent_wwnn && !adapter->parent_wwpn) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "when providing parent_wwnn='%s', the parent_wwpn must also be "
                        "provided",
                        adapter->parent_wwnn);
        return -1;
    }
    if (!adapter->parent_wwnn && adapter->parent_wwpn) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "when providing parent_wwpn='%s', the parent_wwnn must also be "
                        "provided",
                        adapter->parent_wwpn);
        return -1;
    }
    if ((adapter->parent_wwnn && check_wwn(adapter->parent_wwnn, err) < 0) ||
        (adapter->parent_wwpn && check_wwn(adapter->parent_wwpn, err) < 0) ||
        (adapter->parent_fabric_wwn && check_wwn(adapter->parent_fabric_wwn, err) < 0))
        return -1;
    return 0;
}

int
vstor_pool_adapter_validate(const VstorPoolAdapter *adapter, GError **err)
{
    switch (adapter->type) {
    case VSTOR_POOL_ADAPTER_DEFAULT:
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "missing storage pool source adapter");
        return -1;
    case VSTOR_POOL_ADAPTER_FC_HOST: return validate_fc_host(adapter, err);
    case VSTOR_POOL_ADAPTER_SCSI_HOST:
        if (!adapter->name && !adapter->has_parent) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                            "Either 'name' or 'parent' must be specified for the 'scsi_host' "
                            "adapter");
            return -1;
        }
        if (adapter->name && adapter->has_parent) {
            vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                            "Both 'name' and 'parent' cannot be specified for the "
                            "'scsi_host' adapter");
            return -1;
        }
        return 0;
    }
    return 0;
}

static void
format_fc_host(VstorXmlWriter *w, const VstorPoolAdapter *adapter)
{
    vstor_xml_writer_escapef(w, " parent='%s'", adapter->parent);
    vstor_xml_writer_escapef(w, " parent_wwnn='%s'", adapter->parent_wwnn);
    vstor_xml_writer_escapef(w, " parent_wwpn='%s'", adapter->parent_wwpn);
    vstor_xml_writer_escapef(w, " parent_fabric_wwn='%s'", adapter->parent_fabric_wwn);
    if (adapter->managed != VSTOR_POOL_TRISTATE_ABSENT)
        vstor_xml_writer_addf(w, " managed='%s'", vstor_pool_yes_no_names[adapter->managed]);
    vstor_xml_writer_escapef(w, " wwnn='%s'", adapter->wwnn);
    vstor_xml_writer_escapef(w, " wwpn='%s'", adapter->wwpn);
    vstor_xml_writer_addf(w, "/>\n");
}

static void
format_scsi_host(VstorXmlWriter *w, const VstorPoolAdapter *adapter)
{
    const VstorPciAddress *addr = &adapter->parent_addr;

    if (adapter->name) {
        /* libvirt prints the name unescaped, which breaks on '&' or '<'; we escape. */
        vstor_xml_writer_escapef(w, " name='%s'/>\n", adapter->name);
        return;
    }
    vstor_xml_writer_addf(w, ">\n");
    vstor_xml_writer_push(w);
    vstor_xml_writer_addf(w, "<parentaddr unique_id='%d'>\n", adapter->unique_id);
    vstor_xml_writer_push(w);
    /* function is printed in decimal behind "0x" in libvirt; it is at most 7 once checked. */
    vstor_xml_writer_addf(w,
                          "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%u'/>\n",
                          addr->domain, addr->bus, addr->slot, addr->function);
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</parentaddr>\n");
    vstor_xml_writer_pop(w);
    vstor_xml_writer_addf(w, "</adapter>\n");
}

void
vstor_pool_adapter_format(VstorXmlWriter *w, const VstorPoolAdapter *adapter)
{
    if (adapter->type == VSTOR_POOL_ADAPTER_DEFAULT)
        return;
    vstor_xml_writer_addf(w, "<adapter type='%s'", vstor_pool_adapter_type_names[adapter->type]);
    if (adapter->type == VSTOR_POOL_ADAPTER_FC_HOST)
        format_fc_host(w, adapter);
    else
        format_scsi_host(w, adapter);
}
