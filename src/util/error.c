/* error.c: the VSTOR_ERROR domain and libvirt-shaped messages for each error code.
 * The message formats are the texts libvirt clients already show their users. */
#include "util/error.h"

#include <string.h>

/* The first argument is stringified into the quark name: keep it unspaced. */
// clang-format off
G_DEFINE_QUARK(vstor-error-quark, vstor_error)
// clang-format on

static const char *const error_formats[] = {
    [VSTOR_ERR_INTERNAL_ERROR] = "internal error: %s",
    [VSTOR_ERR_NO_MEMORY] = "out of memory: %s",
    [VSTOR_ERR_NO_SUPPORT] = "this function is not supported by the connection driver: %s",
    [VSTOR_ERR_UNKNOWN_HOST] = "unknown host %s",
    [VSTOR_ERR_NO_CONNECT] = "no connection driver available for %s",
    [VSTOR_ERR_INVALID_CONN] = "invalid connection pointer in %s",
    [VSTOR_ERR_INVALID_DOMAIN] = "invalid domain pointer in %s",
    [VSTOR_ERR_INVALID_ARG] = "invalid argument: %s",
    [VSTOR_ERR_OPERATION_FAILED] = "operation failed: %s",
    [VSTOR_ERR_GET_FAILED] = "GET operation failed: %s",
    [VSTOR_ERR_POST_FAILED] = "POST operation failed: %s",
    [VSTOR_ERR_HTTP_ERROR] = "got unknown HTTP error code %s",
    [VSTOR_ERR_SEXPR_SERIAL] = "failed to serialize S-Expr: %s",
    [VSTOR_ERR_NO_XEN] = "could not use Xen hypervisor entry %s",
    [VSTOR_ERR_XEN_CALL] = "failed Xen syscall %s",
    [VSTOR_ERR_OS_TYPE] = "unknown OS type %s",
    [VSTOR_ERR_NO_KERNEL] = "missing kernel information: %s",
    [VSTOR_ERR_NO_ROOT] = "missing root device information in %s",
    [VSTOR_ERR_NO_SOURCE] = "missing source information for device %s",
    [VSTOR_ERR_NO_TARGET] = "missing target information for device %s",
    [VSTOR_ERR_NO_NAME] = "missing name information in %s",
    [VSTOR_ERR_NO_OS] = "missing operating system information for %s",
    [VSTOR_ERR_NO_DEVICE] = "missing devices information for %s",
    [VSTOR_ERR_NO_XENSTORE] = "could not connect to Xen Store %s",
    [VSTOR_ERR_DRIVER_FULL] = "too many drivers registered in %s",
    [VSTOR_ERR_CALL_FAILED] = "library call failed: %s",
    [VSTOR_ERR_XML_ERROR] = "XML error: %s",
    [VSTOR_ERR_DOM_EXIST] = "domain %s exists already",
    [VSTOR_ERR_OPERATION_DENIED] = "operation forbidden: %s",
    [VSTOR_ERR_OPEN_FAILED] = "failed to open configuration file %s",
    [VSTOR_ERR_READ_FAILED] = "failed to read configuration file %s",
    [VSTOR_ERR_PARSE_FAILED] = "failed to parse configuration file %s",
    [VSTOR_ERR_CONF_SYNTAX] = "configuration file syntax error: %s",
    [VSTOR_ERR_WRITE_FAILED] = "failed to write configuration file: %s",
    [VSTOR_ERR_XML_DETAIL] = "%s",
    [VSTOR_ERR_INVALID_NETWORK] = "invalid network pointer in %s",
    [VSTOR_ERR_NETWORK_EXIST] = "network %s exists already",
    [VSTOR_ERR_SYSTEM_ERROR] = "%s",
    [VSTOR_ERR_RPC] = "%s",
    [VSTOR_ERR_GNUTLS_ERROR] = "%s",
    [VSTOR_ERR_WAR_NO_NETWORK] = "Failed to find the network: %s",
    [VSTOR_ERR_NO_DOMAIN] = "Domain not found: %s",
    [VSTOR_ERR_NO_NETWORK] = "Network not found: %s",
    [VSTOR_ERR_INVALID_MAC] = "invalid MAC address: %s",
    [VSTOR_ERR_AUTH_FAILED] = "authentication failed: %s",
    [VSTOR_ERR_INVALID_STORAGE_POOL] = "invalid storage pool pointer in %s",
    [VSTOR_ERR_INVALID_STORAGE_VOL] = "invalid storage volume pointer in %s",
    [VSTOR_ERR_WAR_NO_STORAGE] = "Failed to find a storage driver: %s",
    [VSTOR_ERR_NO_STORAGE_POOL] = "Storage pool not found: %s",
    [VSTOR_ERR_NO_STORAGE_VOL] = "Storage volume not found: %s",
    [VSTOR_ERR_WAR_NO_NODE] = "Failed to find a node driver: %s",
    [VSTOR_ERR_INVALID_NODE_DEVICE] = "invalid node device pointer in %s",
    [VSTOR_ERR_NO_NODE_DEVICE] = "Node device not found: %s",
    [VSTOR_ERR_NO_SECURITY_MODEL] = "Security model not found: %s",
    [VSTOR_ERR_OPERATION_INVALID] = "Requested operation is not valid: %s",
    [VSTOR_ERR_WAR_NO_INTERFACE] = "Failed to find the interface: %s",
    [VSTOR_ERR_NO_INTERFACE] = "Interface not found: %s",
    [VSTOR_ERR_INVALID_INTERFACE] = "invalid interface pointer in %s",
    [VSTOR_ERR_MULTIPLE_INTERFACES] = "multiple matching interfaces found: %s",
    [VSTOR_ERR_WAR_NO_NWFILTER] = "Failed to start the nwfilter driver: %s",
    [VSTOR_ERR_INVALID_NWFILTER] = "Invalid network filter: %s",
    [VSTOR_ERR_NO_NWFILTER] = "Network filter not found: %s",
    [VSTOR_ERR_BUILD_FIREWALL] = "Error while building firewall: %s",
    [VSTOR_ERR_WAR_NO_SECRET] = "Failed to find a secret storage driver: %s",
    [VSTOR_ERR_INVALID_SECRET] = "Invalid secret: %s",
    [VSTOR_ERR_NO_SECRET] = "Secret not found: %s",
    [VSTOR_ERR_CONFIG_UNSUPPORTED] = "unsupported configuration: %s",
    [VSTOR_ERR_OPERATION_TIMEOUT] = "Timed out during operation: %s",
    [VSTOR_ERR_MIGRATE_PERSIST_FAILED] = "Failed to make domain persistent after migration: %s",
    [VSTOR_ERR_HOOK_SCRIPT_FAILED] = "Hook script execution failed: %s",
    [VSTOR_ERR_INVALID_DOMAIN_SNAPSHOT] = "Invalid domain snapshot: %s",
    [VSTOR_ERR_NO_DOMAIN_SNAPSHOT] = "Domain snapshot not found: %s",
    [VSTOR_ERR_INVALID_STREAM] = "invalid stream pointer in %s",
    [VSTOR_ERR_ARGUMENT_UNSUPPORTED] = "argument unsupported: %s",
    [VSTOR_ERR_STORAGE_PROBE_FAILED] = "Storage pool probe failed: %s",
    [VSTOR_ERR_STORAGE_POOL_BUILT] = "Storage pool already built: %s",
    [VSTOR_ERR_SNAPSHOT_REVERT_RISKY] = "revert requires force: %s",
    [VSTOR_ERR_OPERATION_ABORTED] = "operation aborted: %s",
    [VSTOR_ERR_AUTH_CANCELLED] = "authentication cancelled: %s",
    [VSTOR_ERR_NO_DOMAIN_METADATA] = "metadata not found: %s",
    [VSTOR_ERR_MIGRATE_UNSAFE] = "Unsafe migration: %s",
    [VSTOR_ERR_OVERFLOW] = "numerical overflow: %s",
    [VSTOR_ERR_BLOCK_COPY_ACTIVE] = "block copy still active: %s",
    [VSTOR_ERR_OPERATION_UNSUPPORTED] = "Operation not supported: %s",
    [VSTOR_ERR_SSH] = "SSH transport error: %s",
    [VSTOR_ERR_AGENT_UNRESPONSIVE] = "Guest agent is not responding: %s",
    [VSTOR_ERR_RESOURCE_BUSY] = "resource busy: %s",
    [VSTOR_ERR_ACCESS_DENIED] = "access denied: %s",
    [VSTOR_ERR_DBUS_SERVICE] = "error from service: %s",
    [VSTOR_ERR_STORAGE_VOL_EXIST] = "storage volume %s exists already",
    [VSTOR_ERR_CPU_INCOMPATIBLE] = "the CPU is incompatible with host CPU: %s",
    [VSTOR_ERR_XML_INVALID_SCHEMA] = "XML document failed to validate against schema: %s",
    [VSTOR_ERR_MIGRATE_FINISH_OK] = "migration successfully aborted: %s",
    [VSTOR_ERR_AUTH_UNAVAILABLE] = "authentication unavailable: %s",
    [VSTOR_ERR_NO_SERVER] = "Server not found: %s",
    [VSTOR_ERR_NO_CLIENT] = "Client not found: %s",
    [VSTOR_ERR_AGENT_UNSYNCED] = "guest agent replied with wrong id to guest-sync command: %s",
    [VSTOR_ERR_LIBSSH] = "libssh transport error: %s",
    [VSTOR_ERR_DEVICE_MISSING] = "device not found: %s",
    [VSTOR_ERR_INVALID_NWFILTER_BINDING] = "Invalid network filter binding: %s",
    [VSTOR_ERR_NO_NWFILTER_BINDING] = "Network filter binding not found: %s",
    [VSTOR_ERR_INVALID_DOMAIN_CHECKPOINT] = "Invalid domain checkpoint: %s",
    [VSTOR_ERR_NO_DOMAIN_CHECKPOINT] = "Domain checkpoint not found: %s",
    [VSTOR_ERR_NO_DOMAIN_BACKUP] = "Domain backup job id not found: %s",
    [VSTOR_ERR_INVALID_NETWORK_PORT] = "Invalid network port pointer: %s",
    [VSTOR_ERR_NETWORK_PORT_EXIST] = "network port %s exists already",
    [VSTOR_ERR_NO_NETWORK_PORT] = "network port not found: %s",
    [VSTOR_ERR_NO_HOSTNAME] = "no hostname found: %s",
    [VSTOR_ERR_CHECKPOINT_INCONSISTENT] = "checkpoint inconsistent: %s",
    [VSTOR_ERR_MULTIPLE_DOMAINS] = "multiple matching domains found: %s",
};

static const struct {
    VstorErrorCode code;
    const char *name;
} error_names[] = {
    {VSTOR_ERR_OK, "OK"},
    {VSTOR_ERR_INTERNAL_ERROR, "INTERNAL_ERROR"},
    {VSTOR_ERR_NO_MEMORY, "NO_MEMORY"},
    {VSTOR_ERR_NO_SUPPORT, "NO_SUPPORT"},
    {VSTOR_ERR_UNKNOWN_HOST, "UNKNOWN_HOST"},
    {VSTOR_ERR_NO_CONNECT, "NO_CONNECT"},
    {VSTOR_ERR_INVALID_CONN, "INVALID_CONN"},
    {VSTOR_ERR_INVALID_DOMAIN, "INVALID_DOMAIN"},
    {VSTOR_ERR_INVALID_ARG, "INVALID_ARG"},
    {VSTOR_ERR_OPERATION_FAILED, "OPERATION_FAILED"},
    {VSTOR_ERR_GET_FAILED, "GET_FAILED"},
    {VSTOR_ERR_POST_FAILED, "POST_FAILED"},
    {VSTOR_ERR_HTTP_ERROR, "HTTP_ERROR"},
    {VSTOR_ERR_SEXPR_SERIAL, "SEXPR_SERIAL"},
    {VSTOR_ERR_NO_XEN, "NO_XEN"},
    {VSTOR_ERR_XEN_CALL, "XEN_CALL"},
    {VSTOR_ERR_OS_TYPE, "OS_TYPE"},
    {VSTOR_ERR_NO_KERNEL, "NO_KERNEL"},
    {VSTOR_ERR_NO_ROOT, "NO_ROOT"},
    {VSTOR_ERR_NO_SOURCE, "NO_SOURCE"},
    {VSTOR_ERR_NO_TARGET, "NO_TARGET"},
    {VSTOR_ERR_NO_NAME, "NO_NAME"},
    {VSTOR_ERR_NO_OS, "NO_OS"},
    {VSTOR_ERR_NO_DEVICE, "NO_DEVICE"},
    {VSTOR_ERR_NO_XENSTORE, "NO_XENSTORE"},
    {VSTOR_ERR_DRIVER_FULL, "DRIVER_FULL"},
    {VSTOR_ERR_CALL_FAILED, "CALL_FAILED"},
    {VSTOR_ERR_XML_ERROR, "XML_ERROR"},
    {VSTOR_ERR_DOM_EXIST, "DOM_EXIST"},
    {VSTOR_ERR_OPERATION_DENIED, "OPERATION_DENIED"},
    {VSTOR_ERR_OPEN_FAILED, "OPEN_FAILED"},
    {VSTOR_ERR_READ_FAILED, "READ_FAILED"},
    {VSTOR_ERR_PARSE_FAILED, "PARSE_FAILED"},
    {VSTOR_ERR_CONF_SYNTAX, "CONF_SYNTAX"},
    {VSTOR_ERR_WRITE_FAILED, "WRITE_FAILED"},
    {VSTOR_ERR_XML_DETAIL, "XML_DETAIL"},
    {VSTOR_ERR_INVALID_NETWORK, "INVALID_NETWORK"},
    {VSTOR_ERR_NETWORK_EXIST, "NETWORK_EXIST"},
    {VSTOR_ERR_SYSTEM_ERROR, "SYSTEM_ERROR"},
    {VSTOR_ERR_RPC, "RPC"},
    {VSTOR_ERR_GNUTLS_ERROR, "GNUTLS_ERROR"},
    {VSTOR_ERR_WAR_NO_NETWORK, "WAR_NO_NETWORK"},
    {VSTOR_ERR_NO_DOMAIN, "NO_DOMAIN"},
    {VSTOR_ERR_NO_NETWORK, "NO_NETWORK"},
    {VSTOR_ERR_INVALID_MAC, "INVALID_MAC"},
    {VSTOR_ERR_AUTH_FAILED, "AUTH_FAILED"},
    {VSTOR_ERR_INVALID_STORAGE_POOL, "INVALID_STORAGE_POOL"},
    {VSTOR_ERR_INVALID_STORAGE_VOL, "INVALID_STORAGE_VOL"},
    {VSTOR_ERR_WAR_NO_STORAGE, "WAR_NO_STORAGE"},
    {VSTOR_ERR_NO_STORAGE_POOL, "NO_STORAGE_POOL"},
    {VSTOR_ERR_NO_STORAGE_VOL, "NO_STORAGE_VOL"},
    {VSTOR_ERR_WAR_NO_NODE, "WAR_NO_NODE"},
    {VSTOR_ERR_INVALID_NODE_DEVICE, "INVALID_NODE_DEVICE"},
    {VSTOR_ERR_NO_NODE_DEVICE, "NO_NODE_DEVICE"},
    {VSTOR_ERR_NO_SECURITY_MODEL, "NO_SECURITY_MODEL"},
    {VSTOR_ERR_OPERATION_INVALID, "OPERATION_INVALID"},
    {VSTOR_ERR_WAR_NO_INTERFACE, "WAR_NO_INTERFACE"},
    {VSTOR_ERR_NO_INTERFACE, "NO_INTERFACE"},
    {VSTOR_ERR_INVALID_INTERFACE, "INVALID_INTERFACE"},
    {VSTOR_ERR_MULTIPLE_INTERFACES, "MULTIPLE_INTERFACES"},
    {VSTOR_ERR_WAR_NO_NWFILTER, "WAR_NO_NWFILTER"},
    {VSTOR_ERR_INVALID_NWFILTER, "INVALID_NWFILTER"},
    {VSTOR_ERR_NO_NWFILTER, "NO_NWFILTER"},
    {VSTOR_ERR_BUILD_FIREWALL, "BUILD_FIREWALL"},
    {VSTOR_ERR_WAR_NO_SECRET, "WAR_NO_SECRET"},
    {VSTOR_ERR_INVALID_SECRET, "INVALID_SECRET"},
    {VSTOR_ERR_NO_SECRET, "NO_SECRET"},
    {VSTOR_ERR_CONFIG_UNSUPPORTED, "CONFIG_UNSUPPORTED"},
    {VSTOR_ERR_OPERATION_TIMEOUT, "OPERATION_TIMEOUT"},
    {VSTOR_ERR_MIGRATE_PERSIST_FAILED, "MIGRATE_PERSIST_FAILED"},
    {VSTOR_ERR_HOOK_SCRIPT_FAILED, "HOOK_SCRIPT_FAILED"},
    {VSTOR_ERR_INVALID_DOMAIN_SNAPSHOT, "INVALID_DOMAIN_SNAPSHOT"},
    {VSTOR_ERR_NO_DOMAIN_SNAPSHOT, "NO_DOMAIN_SNAPSHOT"},
    {VSTOR_ERR_INVALID_STREAM, "INVALID_STREAM"},
    {VSTOR_ERR_ARGUMENT_UNSUPPORTED, "ARGUMENT_UNSUPPORTED"},
    {VSTOR_ERR_STORAGE_PROBE_FAILED, "STORAGE_PROBE_FAILED"},
    {VSTOR_ERR_STORAGE_POOL_BUILT, "STORAGE_POOL_BUILT"},
    {VSTOR_ERR_SNAPSHOT_REVERT_RISKY, "SNAPSHOT_REVERT_RISKY"},
    {VSTOR_ERR_OPERATION_ABORTED, "OPERATION_ABORTED"},
    {VSTOR_ERR_AUTH_CANCELLED, "AUTH_CANCELLED"},
    {VSTOR_ERR_NO_DOMAIN_METADATA, "NO_DOMAIN_METADATA"},
    {VSTOR_ERR_MIGRATE_UNSAFE, "MIGRATE_UNSAFE"},
    {VSTOR_ERR_OVERFLOW, "OVERFLOW"},
    {VSTOR_ERR_BLOCK_COPY_ACTIVE, "BLOCK_COPY_ACTIVE"},
    {VSTOR_ERR_OPERATION_UNSUPPORTED, "OPERATION_UNSUPPORTED"},
    {VSTOR_ERR_SSH, "SSH"},
    {VSTOR_ERR_AGENT_UNRESPONSIVE, "AGENT_UNRESPONSIVE"},
    {VSTOR_ERR_RESOURCE_BUSY, "RESOURCE_BUSY"},
    {VSTOR_ERR_ACCESS_DENIED, "ACCESS_DENIED"},
    {VSTOR_ERR_DBUS_SERVICE, "DBUS_SERVICE"},
    {VSTOR_ERR_STORAGE_VOL_EXIST, "STORAGE_VOL_EXIST"},
    {VSTOR_ERR_CPU_INCOMPATIBLE, "CPU_INCOMPATIBLE"},
    {VSTOR_ERR_XML_INVALID_SCHEMA, "XML_INVALID_SCHEMA"},
    {VSTOR_ERR_MIGRATE_FINISH_OK, "MIGRATE_FINISH_OK"},
    {VSTOR_ERR_AUTH_UNAVAILABLE, "AUTH_UNAVAILABLE"},
    {VSTOR_ERR_NO_SERVER, "NO_SERVER"},
    {VSTOR_ERR_NO_CLIENT, "NO_CLIENT"},
    {VSTOR_ERR_AGENT_UNSYNCED, "AGENT_UNSYNCED"},
    {VSTOR_ERR_LIBSSH, "LIBSSH"},
    {VSTOR_ERR_DEVICE_MISSING, "DEVICE_MISSING"},
    {VSTOR_ERR_INVALID_NWFILTER_BINDING, "INVALID_NWFILTER_BINDING"},
    {VSTOR_ERR_NO_NWFILTER_BINDING, "NO_NWFILTER_BINDING"},
    {VSTOR_ERR_INVALID_DOMAIN_CHECKPOINT, "INVALID_DOMAIN_CHECKPOINT"},
    {VSTOR_ERR_NO_DOMAIN_CHECKPOINT, "NO_DOMAIN_CHECKPOINT"},
    {VSTOR_ERR_NO_DOMAIN_BACKUP, "NO_DOMAIN_BACKUP"},
    {VSTOR_ERR_INVALID_NETWORK_PORT, "INVALID_NETWORK_PORT"},
    {VSTOR_ERR_NETWORK_PORT_EXIST, "NETWORK_PORT_EXIST"},
    {VSTOR_ERR_NO_NETWORK_PORT, "NO_NETWORK_PORT"},
    {VSTOR_ERR_NO_HOSTNAME, "NO_HOSTNAME"},
    {VSTOR_ERR_CHECKPOINT_INCONSISTENT, "CHECKPOINT_INCONSISTENT"},
    {VSTOR_ERR_MULTIPLE_DOMAINS, "MULTIPLE_DOMAINS"},
};

char *
vstor_error_message(VstorErrorCode code, const char *detail)
{
    const char *fmt = NULL;

    if ((size_t)code < G_N_ELEMENTS(error_formats))
        fmt = error_formats[code];
    if (!fmt)
        fmt = "%s";
    if (!detail)
        detail = "";
        /* The formats come from the table above and take exactly one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    return g_strdup_printf(fmt, detail);
#pragma GCC diagnostic pop
}

static void
error_set_valist(GError **err, VstorErrorCode code, int errnum, const char *fmt, va_list ap)
{
    g_autofree char *detail = NULL;
    g_autofree char *full = NULL;

    if (!err)
        return;
    detail = g_strdup_vprintf(fmt, ap);
    if (errnum) {
        char *tmp = g_strdup_printf("%s: %s", detail, g_strerror(errnum));
        g_free(detail);
        detail = tmp;
    }
    full = vstor_error_message(code, detail);
    g_set_error_literal(err, VSTOR_ERROR, code, full);
}

void
vstor_error_set(GError **err, VstorErrorCode code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_set_valist(err, code, 0, fmt, ap);
    va_end(ap);
}

void
vstor_error_set_errno(GError **err, VstorErrorCode code, int errnum, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_set_valist(err, code, errnum, fmt, ap);
    va_end(ap);
}

const char *
vstor_error_code_name(VstorErrorCode code)
{
    for (size_t i = 0; i < G_N_ELEMENTS(error_names); i++)
        if (error_names[i].code == code)
            return error_names[i].name;
    return NULL;
}

void
vstor_error_rewrite(GError **err, const char *from, const char *to)
{
    g_auto(GStrv) parts = NULL;

    if (!err || !*err || !strstr((*err)->message, from))
        return;
    parts = g_strsplit((*err)->message, from, -1);
    g_free((*err)->message);
    (*err)->message = g_strjoinv(to, parts);
}
