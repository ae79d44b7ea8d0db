/* config.h: vstord's configuration file (GKeyFile, group [vstord], keys named as in
 * libvirtd.conf; [pool:NAME] access rules) — defaults, parsing with errors naming file, line
 * and key, and the log outputs. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "daemon/access.h"

/* libvirt's log priorities: 1 debug, 2 info, 3 warning, 4 error. */
typedef enum {
    VSTOR_LOG_DEBUG = 1,
    VSTOR_LOG_INFO = 2,
    VSTOR_LOG_WARNING = 3,
    VSTOR_LOG_ERROR = 4,
} VstorLogLevel;

/* One log output: messages at @level or above go to stderr (@path NULL) or to @path. */
typedef struct {
    int level;
    char *path;
} VstorLogOutput;

typedef struct {
    char *path; /* the file read, NULL when none was */
    char *sock_group; /* unix_sock_group, NULL: the daemon's own group */
    gid_t sock_gid;
    guint rw_perms; /* unix_sock_rw_perms */
    guint ro_perms; /* unix_sock_ro_perms */
    int max_clients;
    int max_workers;
    int max_client_requests;
    int max_message_size; /* bytes, length word included */
    int keepalive_interval; /* seconds; -1: never ping */
    int keepalive_count;
    int log_level;
    char *log_outputs; /* as written */
    GArray *outputs; /* VstorLogOutput; empty: stderr */
    VstorAccessRules *access; /* the [pool:NAME] sections; never NULL, empty: no rules */
} VstorDaemonConfig;

/* The defaults, as data/vstord.conf documents them. */
VstorDaemonConfig *vstor_daemon_config_new(void);
void vstor_daemon_config_free(VstorDaemonConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorDaemonConfig, vstor_daemon_config_free)

/* Reads @path over the defaults. A missing file is no error when @missing_ok (the default
 * path). Problems that do not stop the daemon (unknown keys or groups) are appended to
 * @warnings as "FILE:LINE: ..." lines. Fails (G_KEY_FILE_ERROR) with a message naming the
 * file, the line and the key; in access rules also the section (access.h). */
VstorDaemonConfig *vstor_daemon_config_load(const char *path, gboolean missing_ok,
                                            GPtrArray *warnings, GError **err);

/* Parses a log_outputs value ("LEVEL:stderr LEVEL:file:PATH ...") into @ret (VstorLogOutput). */
int vstor_log_outputs_parse(const char *text, GArray *ret, GError **err);
