/* error.h: vstor's single error domain, whose codes equal libvirt's virErrorNumber values,
 * so an error raised anywhere travels to remote clients with the code libvirt would give. */
#pragma once

#include <glib.h>

#define VSTOR_ERROR (vstor_error_quark())

/* libvirt's error domains (virErrorDomain) that vstor reports from. */
typedef enum {
    VSTOR_FROM_NONE = 0,
    VSTOR_FROM_XML = 5,
    VSTOR_FROM_RPC = 7,
    VSTOR_FROM_REMOTE = 13,
    VSTOR_FROM_STORAGE = 18,
    VSTOR_FROM_SECRET = 30,
} VstorErrorDomain;

/* Numbered exactly as libvirt's virErrorNumber (facts from virterror.h). */
typedef enum {
    VSTOR_ERR_OK = 0,
    VSTOR_ERR_INTERNAL_ERROR = 1,
    VSTOR_ERR_NO_MEMORY = 2,
    VSTOR_ERR_NO_SUPPORT = 3,
    VSTOR_ERR_UNKNOWN_HOST = 4,
    VSTOR_ERR_NO_CONNECT = 5,
    VSTOR_ERR_INVALID_CONN = 6,
    VSTOR_ERR_INVALID_DOMAIN = 7,
    VSTOR_ERR_INVALID_ARG = 8,
    VSTOR_ERR_OPERATION_FAILED = 9,
    VSTOR_ERR_GET_FAILED = 10,
    VSTOR_ERR_POST_FAILED = 11,
    VSTOR_ERR_HTTP_ERROR = 12,
    VSTOR_ERR_SEXPR_SERIAL = 13,
    VSTOR_ERR_NO_XEN = 14,
    VSTOR_ERR_XEN_CALL = 15,
    VSTOR_ERR_OS_TYPE = 16,
    VSTOR_ERR_NO_KERNEL = 17,
    VSTOR_ERR_NO_ROOT = 18,
    VSTOR_ERR_NO_SOURCE = 19,
    VSTOR_ERR_NO_TARGET = 20,
    VSTOR_ERR_NO_NAME = 21,
    VSTOR_ERR_NO_OS = 22,
    VSTOR_ERR_NO_DEVICE = 23,
    VSTOR_ERR_NO_XENSTORE = 24,
    VSTOR_ERR_DRIVER_FULL = 25,
    VSTOR_ERR_CALL_FAILED = 26,
    VSTOR_ERR_XML_ERROR = 27,
    VSTOR_ERR_DOM_EXIST = 28,
    VSTOR_ERR_OPERATION_DENIED = 29,
    VSTOR_ERR_OPEN_FAILED = 30,
    VSTOR_ERR_READ_FAILED = 31,
    VSTOR_ERR_PARSE_FAILED = 32,
    VSTOR_ERR_CONF_SYNTAX = 33,
    VSTOR_ERR_WRITE_FAILED = 34,
    VSTOR_ERR_XML_DETAIL = 35,
    VSTOR_ERR_INVALID_NETWORK = 36,
    VSTOR_ERR_NETWORK_EXIST = 37,
    VSTOR_ERR_SYSTEM_ERROR = 38,
    VSTOR_ERR_RPC = 39,
    VSTOR_ERR_GNUTLS_ERROR = 40,
    VSTOR_ERR_WAR_NO_NETWORK = 41,
    VSTOR_ERR_NO_DOMAIN = 42,
    VSTOR_ERR_NO_NETWORK = 43,
    VSTOR_ERR_INVALID_MAC = 44,
    VSTOR_ERR_AUTH_FAILED = 45,
    VSTOR_ERR_INVALID_STORAGE_POOL = 46,
    VSTOR_ERR_INVALID_STORAGE_VOL = 47,
    VSTOR_ERR_WAR_NO_STORAGE = 48,
    VSTOR_ERR_NO_STORAGE_POOL = 49,
    VSTOR_ERR_NO_STORAGE_VOL = 50,
    VSTOR_ERR_WAR_NO_NODE = 51,
    VSTOR_ERR_INVALID_NODE_DEVICE = 52,
    VSTOR_ERR_NO_NODE_DEVICE = 53,
    VSTOR_ERR_NO_SECURITY_MODEL = 54,
    VSTOR_ERR_OPERATION_INVALID = 55,
    VSTOR_ERR_WAR_NO_INTERFACE = 56,
    VSTOR_ERR_NO_INTERFACE = 57,
    VSTOR_ERR_INVALID_INTERFACE = 58,
    VSTOR_ERR_MULTIPLE_INTERFACES = 59,
    VSTOR_ERR_WAR_NO_NWFILTER = 60,
    VSTOR_ERR_INVALID_NWFILTER = 61,
    VSTOR_ERR_NO_NWFILTER = 62,
    VSTOR_ERR_BUILD_FIREWALL = 63,
    VSTOR_ERR_WAR_NO_SECRET = 64,
    VSTOR_ERR_INVALID_SECRET = 65,
    VSTOR_ERR_NO_SECRET = 66,
    VSTOR_ERR_CONFIG_UNSUPPORTED = 67,
    VSTOR_ERR_OPERATION_TIMEOUT = 68,
    VSTOR_ERR_MIGRATE_PERSIST_FAILED = 69,
    VSTOR_ERR_HOOK_SCRIPT_FAILED = 70,
    VSTOR_ERR_INVALID_DOMAIN_SNAPSHOT = 71,
    VSTOR_ERR_NO_DOMAIN_SNAPSHOT = 72,
    VSTOR_ERR_INVALID_STREAM = 73,
    VSTOR_ERR_ARGUMENT_UNSUPPORTED = 74,
    VSTOR_ERR_STORAGE_PROBE_FAILED = 75,
    VSTOR_ERR_STORAGE_POOL_BUILT = 76,
    VSTOR_ERR_SNAPSHOT_REVERT_RISKY = 77,
    VSTOR_ERR_OPERATION_ABORTED = 78,
    VSTOR_ERR_AUTH_CANCELLED = 79,
    VSTOR_ERR_NO_DOMAIN_METADATA = 80,
    VSTOR_ERR_MIGRATE_UNSAFE = 81,
    VSTOR_ERR_OVERFLOW = 82,
    VSTOR_ERR_BLOCK_COPY_ACTIVE = 83,
    VSTOR_ERR_OPERATION_UNSUPPORTED = 84,
    VSTOR_ERR_SSH = 85,
    VSTOR_ERR_AGENT_UNRESPONSIVE = 86,
    VSTOR_ERR_RESOURCE_BUSY = 87,
    VSTOR_ERR_ACCESS_DENIED = 88,
    VSTOR_ERR_DBUS_SERVICE = 89,
    VSTOR_ERR_STORAGE_VOL_EXIST = 90,
    VSTOR_ERR_CPU_INCOMPATIBLE = 91,
    VSTOR_ERR_XML_INVALID_SCHEMA = 92,
    VSTOR_ERR_MIGRATE_FINISH_OK = 93,
    VSTOR_ERR_AUTH_UNAVAILABLE = 94,
    VSTOR_ERR_NO_SERVER = 95,
    VSTOR_ERR_NO_CLIENT = 96,
    VSTOR_ERR_AGENT_UNSYNCED = 97,
    VSTOR_ERR_LIBSSH = 98,
    VSTOR_ERR_DEVICE_MISSING = 99,
    VSTOR_ERR_INVALID_NWFILTER_BINDING = 100,
    VSTOR_ERR_NO_NWFILTER_BINDING = 101,
    VSTOR_ERR_INVALID_DOMAIN_CHECKPOINT = 102,
    VSTOR_ERR_NO_DOMAIN_CHECKPOINT = 103,
    VSTOR_ERR_NO_DOMAIN_BACKUP = 104,
    VSTOR_ERR_INVALID_NETWORK_PORT = 105,
    VSTOR_ERR_NETWORK_PORT_EXIST = 106,
    VSTOR_ERR_NO_NETWORK_PORT = 107,
    VSTOR_ERR_NO_HOSTNAME = 108,
    VSTOR_ERR_CHECKPOINT_INCONSISTENT = 109,
    VSTOR_ERR_MULTIPLE_DOMAINS = 110,
} VstorErrorCode;

GQuark vstor_error_quark(void);

/* Sets *err (when err is non-NULL) to a VSTOR_ERROR with @code and a message made the way
 * libvirt makes them: the code's own prefix ("invalid argument: ...") around the detail. */
void vstor_error_set(GError **err, VstorErrorCode code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Like vstor_error_set, with strerror(errnum) appended after ": ". */
void vstor_error_set_errno(GError **err, VstorErrorCode code, int errnum, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* The libvirt message text for @code with @detail, e.g. "XML error: <detail>". */
/* Rewrites @from into @to throughout the message of *@err (when set): an error about a file
 * reached through another name says the name the caller knows. */
void vstor_error_rewrite(GError **err, const char *from, const char *to);
char *vstor_error_message(VstorErrorCode code, const char *detail);

/* The symbolic name of @code without prefix ("INVALID_ARG"), or NULL if unknown. */
const char *vstor_error_code_name(VstorErrorCode code);
