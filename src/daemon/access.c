/* access.c: the per-pool access rules — parsing [pool:PATTERN] sections (see / use / manage
 * lists of user:, group: and * principals), peer identities, and the level a client has. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/access.h"

#define RULES_PREFIX "pool:"

typedef enum { PRINCIPAL_ANY, PRINCIPAL_USER, PRINCIPAL_GROUP } PrincipalKind;

typedef struct {
    PrincipalKind kind;
    guint id; /* uid or gid */
} Principal;

typedef struct {
    char *pattern;
    GPatternSpec *spec;
    GArray *grants[3]; /* Principal, per level: see, use, manage */
    char *canonical; /* the section as resolved, to compare rule sets */
} Section;

struct _VstorAccessRules {
    gint refs;
    GPtrArray *sections; /* Section*, in file order */
};

static const char *const level_names[] = {"none", "see", "use", "manage"};

const char *
vstor_access_level_name(VstorAccessLevel level)
{
    return level <= VSTOR_ACCESS_MANAGE ? level_names[level] : "?";
}

/* --- identities --- */

void
vstor_identity_clear(VstorIdentity *id)
{
    if (!id)
        return;
    g_clear_pointer(&id->groups, g_free);
    id->n_groups = 0;
    id->known = FALSE;
}

static void
identity_add_group(VstorIdentity *id, gid_t gid)
{
    for (guint i = 0; i < id->n_groups; i++) {
        if (id->groups[i] == gid)
            return;
    }
    id->groups = g_renew(gid_t, id->groups, id->n_groups + 1);
    id->groups[id->n_groups++] = gid;
}

void
vstor_identity_set(VstorIdentity *ret, uid_t uid, gid_t gid, const gid_t *groups, guint n_groups)
{
    vstor_identity_clear(ret);
    ret->known = TRUE;
    ret->uid = uid;
    ret->gid = gid;
    ret->pid = 0;
    identity_add_group(ret, gid);
    for (guint i = 0; i < n_groups; i++)
        identity_add_group(ret, groups[i]);
}

/* The groups of the user called @name (primary @gid): getgrouplist, grown until it fits. */
static void
identity_add_user_groups(VstorIdentity *id, const char *name, gid_t gid)
{
    int n = 64;
    g_autofree gid_t *groups = g_new(gid_t, n);

    while (getgrouplist(name, gid, groups, &n) < 0 && n < 65536) {
        n = MAX(n, 64) * 2;
        groups = g_renew(gid_t, groups, n);
    }
    if (n > 65536) /* more than we grow to: keep what came */
        n = 65536;
    for (int i = 0; i < n; i++)
        identity_add_group(id, groups[i]);
}

int
vstor_identity_from_socket(int fd, VstorIdentity *ret, GError **err)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);
    struct passwd pw, *res = NULL;
    char buf[16384];

    vstor_identity_clear(ret);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
        int e = errno;

        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                    "cannot read the peer's credentials: %s", g_strerror(e));
        return -1;
    }
    vstor_identity_set(ret, cr.uid, cr.gid, NULL, 0);
    ret->pid = cr.pid;
    /* Root and the daemon's own user are never bound by rules, so their groups are not
     * looked up: that would load the NSS modules (~0.25 MiB) into an idle daemon. */
    if (cr.uid != 0 && cr.uid != geteuid() &&
        getpwuid_r(cr.uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
        identity_add_group(ret, pw.pw_gid);
        identity_add_user_groups(ret, pw.pw_name, pw.pw_gid);
    }
    return 0;
}

/* --- rules --- */

static void
section_free(gpointer p)
{
    Section *s = p;

    g_free(s->pattern);
    if (s->spec)
        g_pattern_spec_free(s->spec);
    for (int i = 0; i < 3; i++) {
        if (s->grants[i])
            g_array_unref(s->grants[i]);
    }
    g_free(s->canonical);
    g_free(s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Section, section_free)

VstorAccessRules *
vstor_access_rules_new(void)
{
    VstorAccessRules *rules = g_new0(VstorAccessRules, 1);

    rules->refs = 1;
    rules->sections = g_ptr_array_new_with_free_func(section_free);
    return rules;
}

VstorAccessRules *
vstor_access_rules_ref(VstorAccessRules *rules)
{
    g_return_val_if_fail(rules != NULL, NULL);
    g_atomic_int_inc(&rules->refs);
    return rules;
}

void
vstor_access_rules_unref(VstorAccessRules *rules)
{
    if (!rules || !g_atomic_int_dec_and_test(&rules->refs))
        return;
    g_ptr_array_unref(rules->sections);
    g_free(rules);
}

guint
vstor_access_rules_count(const VstorAccessRules *rules)
{
    return rules ? rules->sections->len : 0;
}

gboolean
vstor_access_rules_equal(const VstorAccessRules *a, const VstorAccessRules *b)
{
    if (vstor_access_rules_count(a) != vstor_access_rules_count(b))
        return FALSE;
    for (guint i = 0; i < vstor_access_rules_count(a); i++) {
        const Section *x = a->sections->pdata[i], *y = b->sections->pdata[i];

        if (strcmp(x->canonical, y->canonical) != 0)
            return FALSE;
    }
    return TRUE;
}

gboolean
vstor_access_is_rules_group(const char *group)
{
    return strcmp(group, "pool") == 0 || g_str_has_prefix(group, RULES_PREFIX);
}

/* The line (1-based) of "KEY =" inside the section [@group] (the last one when the section or
 * the key repeats), or of the section's header when @key is NULL; 0 when not found. */
static int
section_line(char **lines, const char *group, const char *key)
{
    g_autofree char *header = g_strdup_printf("[%s]", group);
    gsize klen = key ? strlen(key) : 0;
    gboolean inside = FALSE;
    int found = 0;

    for (int i = 0; lines[i]; i++) {
        g_autofree char *s = g_strstrip(g_strdup(lines[i]));

        if (*s == '[') {
            inside = strcmp(s, header) == 0;
            if (inside && !key)
                found = i + 1;
            continue;
        }
        if (inside && key && strncmp(s, key, klen) == 0 &&
            (s[klen] == '=' || s[klen] == ' ' || s[klen] == '\t'))
            found = i + 1;
    }
    return found;
}

/* An id written as a number, when @text is one. */
static gboolean
parse_id(const char *text, guint *ret_id)
{
    guint64 n;

    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32 - 1, &n, NULL))
        return FALSE;
    *ret_id = (guint)n;
    return TRUE;
}

static int
resolve_user(const char *name, guint *ret_uid, GError **err)
{
    struct passwd pw, *res = NULL;
    char buf[16384];

    if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res) {
        *ret_uid = res->pw_uid;
        return 0;
    }
    if (parse_id(name, ret_uid))
        return 0;
    g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "no user named '%s' on this system", name);
    return -1;
}

static int
resolve_group(const char *name, guint *ret_gid, GError **err)
{
    struct group gr, *res = NULL;
    char buf[16384];

    if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) == 0 && res) {
        *ret_gid = res->gr_gid;
        return 0;
    }
    if (parse_id(name, ret_gid))
        return 0;
    g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "no group named '%s' on this system", name);
    return -1;
}

/* Reads one principal: "*", "user:NAME" or "group:NAME" (NAME or a numeric id). */
static int
parse_principal(const char *text, Principal *ret, GError **err)
{
    const char *name = NULL;

    if (strcmp(text, "*") == 0) {
        *ret = (Principal){PRINCIPAL_ANY, 0};
        return 0;
    }
    if (g_str_has_prefix(text, "user:")) {
        name = text + strlen("user:");
        ret->kind = PRINCIPAL_USER;
    } else if (g_str_has_prefix(text, "group:")) {
        name = text + strlen("group:");
        ret->kind = PRINCIPAL_GROUP;
    }
    if (!name || !*name) {
        g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "'%s' is not a principal (use user:NAME, group:NAME or *)", text);
        return -1;
    }
    return ret->kind == PRINCIPAL_USER ? resolve_user(name, &ret->id, err)
                                       : resolve_group(name, &ret->id, err);
}

/* The principals of a value: separated by commas, spaces or semicolons, quotes around the
 * whole value allowed (libvirtd.conf style). */
static GArray *
parse_principals(const char *raw, GString *canonical, GError **err)
{
    g_autofree char *value = g_strstrip(g_strdup(raw));
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(Principal));
    g_auto(GStrv) words = NULL;
    gsize n = strlen(value);

    if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
        value[n - 1] = '\0';
        memmove(value, value + 1, n - 1);
    }
    words = g_strsplit_set(value, ", \t;", -1);
    for (char **w = words; *w; w++) {
        Principal p = {0};

        if (!**w)
            continue;
        if (parse_principal(*w, &p, err) < 0)
            return NULL;
        g_array_append_val(out, p);
        g_string_append_printf(canonical, " %d:%u", (int)p.kind, p.id);
    }
    return g_steal_pointer(&out);
}

static int
key_level(const char *key)
{
    for (int l = VSTOR_ACCESS_SEE; l <= VSTOR_ACCESS_MANAGE; l++) {
        if (strcmp(key, level_names[l]) == 0)
            return l;
    }
    return -1;
}

int
vstor_access_rules_add_group(VstorAccessRules *rules, GKeyFile *kf, const char *group,
                             const char *path, char **lines, GError **err)
{
    g_autoptr(Section) s = g_new0(Section, 1);
    g_autoptr(GString) canonical = g_string_new(NULL);
    g_auto(GStrv) keys = NULL;
    const char *pattern = g_str_has_prefix(group, RULES_PREFIX) ? group + strlen(RULES_PREFIX) : "";

    g_return_val_if_fail(vstor_access_is_rules_group(group), -1);
    if (!*pattern) {
        g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "%s:%d: [%s]: a rules section names its pools: [pool:NAME], where NAME "
                    "may hold * and ? wildcards",
                    path, section_line(lines, group, NULL), group);
        return -1;
    }
    s->pattern = g_strdup(pattern);
    s->spec = g_pattern_spec_new(pattern);
    g_string_append(canonical, pattern);
    keys = g_key_file_get_keys(kf, group, NULL, NULL);
    for (char **k = keys; k && *k; k++) {
        int level = key_level(*k);
        g_autofree char *raw = NULL;
        g_autoptr(GError) kerr = NULL;
        GArray *list;

        if (level < 0) {
            g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                        "%s:%d: [%s] %s: not an access level (use see, use or manage)", path,
                        section_line(lines, group, *k), group, *k);
            return -1;
        }
        raw = g_key_file_get_value(kf, group, *k, NULL);
        g_string_append_printf(canonical, "|%s", *k);
        if (!(list = parse_principals(raw ? raw : "", canonical, &kerr))) {
            g_set_error(err, G_KEY_FILE_ERROR, kerr->code, "%s:%d: [%s] %s: %s", path,
                        section_line(lines, group, *k), group, *k, kerr->message);
            return -1;
        }
        s->grants[level - 1] = list;
    }
    s->canonical = g_string_free(g_steal_pointer(&canonical), FALSE);
    g_ptr_array_add(rules->sections, g_steal_pointer(&s));
    return 0;
}

/* --- decisions --- */

gboolean
vstor_access_unrestricted(const VstorAccessRules *rules, const VstorIdentity *id)
{
    if (vstor_access_rules_count(rules) == 0)
        return TRUE;
    return id && id->known && (id->uid == 0 || id->uid == geteuid());
}

static gboolean
principal_matches(const Principal *p, const VstorIdentity *id)
{
    switch (p->kind) {
    case PRINCIPAL_ANY: return TRUE;
    case PRINCIPAL_USER: return id->uid == (uid_t)p->id;
    case PRINCIPAL_GROUP:
        for (guint i = 0; i < id->n_groups; i++) {
            if (id->groups[i] == (gid_t)p->id)
                return TRUE;
        }
        return FALSE;
    }
    return FALSE;
}

/* The highest level @s grants @id, whatever the pool. */
static VstorAccessLevel
section_level(const Section *s, const VstorIdentity *id)
{
    for (int l = VSTOR_ACCESS_MANAGE; l >= VSTOR_ACCESS_SEE; l--) {
        GArray *list = s->grants[l - 1];

        for (guint i = 0; list && i < list->len; i++) {
            if (principal_matches(&g_array_index(list, Principal, i), id))
                return (VstorAccessLevel)l;
        }
    }
    return VSTOR_ACCESS_NONE;
}

VstorAccessLevel
vstor_access_level(const VstorAccessRules *rules, const VstorIdentity *id, const char *pool)
{
    VstorAccessLevel best = VSTOR_ACCESS_NONE;

    if (vstor_access_unrestricted(rules, id))
        return VSTOR_ACCESS_MANAGE;
    if (!id || !id->known || !pool)
        return VSTOR_ACCESS_NONE;
    for (guint i = 0; i < rules->sections->len && best < VSTOR_ACCESS_MANAGE; i++) {
        const Section *s = rules->sections->pdata[i];

        if (g_pattern_spec_match_string(s->spec, pool))
            best = MAX(best, section_level(s, id));
    }
    return best;
}

gboolean
vstor_access_manages_any(const VstorAccessRules *rules, const VstorIdentity *id)
{
    if (vstor_access_unrestricted(rules, id))
        return TRUE;
    if (!id || !id->known)
        return FALSE;
    for (guint i = 0; i < rules->sections->len; i++) {
        if (section_level(rules->sections->pdata[i], id) == VSTOR_ACCESS_MANAGE)
            return TRUE;
    }
    return FALSE;
}
