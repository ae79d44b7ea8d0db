/* access.h: per-pool access rules — the [pool:NAME] sections of vstord.conf saying which users
 * and groups may see, use or manage which pools, the client identity they are checked against. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* What a client may do with a pool; each level includes the ones below it. */
typedef enum {
    VSTOR_ACCESS_NONE = 0, /* the pool does not exist for the client */
    VSTOR_ACCESS_SEE = 1, /* find, list, read its state, XML and its volumes' */
    VSTOR_ACCESS_USE = 2, /* create, clone, delete, wipe, resize, upload and download volumes */
    VSTOR_ACCESS_MANAGE = 3, /* define, start, build, stop, delete, undefine, refresh, autostart */
} VstorAccessLevel;

/* Who is on the other end of a socket, as the kernel told at accept time. */
typedef struct {
    gboolean known; /* the credentials could be read; unknown peers get no access */
    uid_t uid;
    gid_t gid;
    pid_t pid;
    gid_t *groups; /* every group of the peer: its gid, the passwd entry's, supplementary */
    guint n_groups;
} VstorIdentity;

/* Reads the peer credentials of the Unix socket @fd (SO_PEERCRED) and the groups of that uid
 * (getgrouplist of its passwd name) into @ret, which vstor_identity_clear releases. Fails with
 * the errno text when the credentials cannot be read; @ret then stays unknown. */
int vstor_identity_from_socket(int fd, VstorIdentity *ret, GError **err);
/* An identity with the given ids (tests, and the daemon's own checks); @groups may be NULL. */
void vstor_identity_set(VstorIdentity *ret, uid_t uid, gid_t gid, const gid_t *groups,
                        guint n_groups);
void vstor_identity_clear(VstorIdentity *id); /* accepts NULL and cleared identities */

/* The rules, immutable once loaded and shared by reference (a reload swaps them). */
typedef struct _VstorAccessRules VstorAccessRules;

VstorAccessRules *vstor_access_rules_new(void);
VstorAccessRules *vstor_access_rules_ref(VstorAccessRules *rules);
void vstor_access_rules_unref(VstorAccessRules *rules); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorAccessRules, vstor_access_rules_unref)

/* Whether @group names a rules section ("pool" or "pool:..."). */
gboolean vstor_access_is_rules_group(const char *group);
/* Adds the section @group ("pool:PATTERN") of @kf to @rules. @path and @lines (the file's
 * text, one line each) locate errors. Fails (G_KEY_FILE_ERROR) with "FILE:LINE: [GROUP] KEY:
 * ..." on an empty pattern, a key other than see, use and manage, or a principal that is not
 * "user:NAME", "group:NAME" (names or numeric ids of this system) or "*". */
int vstor_access_rules_add_group(VstorAccessRules *rules, GKeyFile *kf, const char *group,
                                 const char *path, char **lines, GError **err);
/* The number of [pool:...] sections; 0 means no rules, every client may do everything its
 * socket allows. */
guint vstor_access_rules_count(const VstorAccessRules *rules);
/* Whether two rule sets say the same (a reload that changed nothing). */
gboolean vstor_access_rules_equal(const VstorAccessRules *a, const VstorAccessRules *b);

/* Whether @id is beyond the rules: no rules at all, or root (or the daemon's own user). */
gboolean vstor_access_unrestricted(const VstorAccessRules *rules, const VstorIdentity *id);
/* What @id may do with the pool called @pool: the highest level any section whose pattern
 * matches @pool grants to @id (the union of every matching section). */
VstorAccessLevel vstor_access_level(const VstorAccessRules *rules, const VstorIdentity *id,
                                    const char *pool);
/* Whether @id manages some pool: named in a manage list of any section (or unrestricted). The
 * bar for what belongs to no pool: secrets and source discovery. */
gboolean vstor_access_manages_any(const VstorAccessRules *rules, const VstorIdentity *id);
/* "see", "use", "manage" ("none" for VSTOR_ACCESS_NONE). */
const char *vstor_access_level_name(VstorAccessLevel level);
