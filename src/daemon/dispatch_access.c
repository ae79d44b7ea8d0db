/* dispatch_access.c: the per-pool access checks the dispatchers run — the rules in force against
 * the client's identity; a pool the client may not see answers as if it did not exist. */
#include <string.h>

#include "conf/pool_conf.h"
#include "daemon/daemon.h"
#include "util/error.h"

#define DRV(c) vstor_server_driver(vstor_client_server(c))

/* The client's identity: set at accept and never changed, so read without the client lock. */
static const VstorIdentity *
client_identity(VstorClient *c)
{
    VstorClientState *st = vstor_client_lock(c);
    const VstorIdentity *id = &st->ident;

    vstor_client_unlock(c);
    return id;
}

gboolean
vstor_access_client_restricted(VstorClient *c)
{
    g_autoptr(VstorAccessRules) rules = vstor_server_access_rules(vstor_client_server(c));

    return !vstor_access_unrestricted(rules, client_identity(c));
}

VstorAccessLevel
vstor_access_client_level(VstorClient *c, const char *pool)
{
    g_autoptr(VstorAccessRules) rules = vstor_server_access_rules(vstor_client_server(c));

    return vstor_access_level(rules, client_identity(c), pool);
}

gboolean
vstor_access_may_see(VstorClient *c, const char *pool)
{
    return vstor_access_client_level(c, pool) >= VSTOR_ACCESS_SEE;
}

/* libvirt's words for an ACL refusal, with what was missing after them. */
static void
set_denied(GError **err, const char *driver, const char *api, VstorAccessLevel need,
           const char *pool)
{
    if (pool)
        vstor_error_set(err, VSTOR_ERR_ACCESS_DENIED,
                        "'%s' denied access (%s needs '%s' on pool '%s')", driver, api,
                        vstor_access_level_name(need), pool);
    else
        vstor_error_set(err, VSTOR_ERR_ACCESS_DENIED,
                        "'%s' denied access (%s needs 'manage' on some pool)", driver, api);
}

int
vstor_access_check_pool_name(VstorClient *c, const char *pool, VstorAccessLevel need,
                             const char *api, GError **err)
{
    VstorAccessLevel have = vstor_access_client_level(c, pool);

    if (have >= need)
        return 0;
    if (have == VSTOR_ACCESS_NONE) {
        /* The driver's words for a pool looked for by name that is not there. */
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'",
                        pool);
        return -1;
    }
    set_denied(err, "storage", api, need, pool);
    return -1;
}

int
vstor_access_check_pool(VstorClient *c, const remote_nonnull_storage_pool *pool,
                        VstorAccessLevel need, const char *api, GError **err)
{
    g_auto(VstorPoolId) real = {0};
    VstorAccessLevel have = VSTOR_ACCESS_NONE;

    if (!vstor_access_client_restricted(c))
        return 0;
    /* The driver finds a pool by uuid: the name on the wire is the client's word only. */
    if (vstor_driver_pool_lookup_by_uuid(DRV(c), (const guint8 *)pool->uuid, &real, NULL) == 0)
        have = vstor_access_client_level(c, real.name);
    if (have >= need)
        return 0;
    if (have == VSTOR_ACCESS_NONE) {
        char uuid[VSTOR_UUID_STRING_LEN];

        /* Missing and hidden alike, in the driver's words for a pool not found by uuid. */
        vstor_uuid_format((const guint8 *)pool->uuid, uuid);
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL,
                        "no storage pool with matching uuid '%s' (%s)", uuid,
                        pool->name ? pool->name : "");
        return -1;
    }
    set_denied(err, "storage", api, need, real.name);
    return -1;
}

int
vstor_access_check_define(VstorClient *c, const char *xml, const char *api, GError **err)
{
    g_autoptr(VstorPoolDef) def = NULL;

    if (!vstor_access_client_restricted(c))
        return 0;
    /* Checked before the driver sees the document, so whether a hidden pool of that name
     * exists never shows: a refusal looks the same either way. */
    if (!(def = vstor_pool_def_parse(xml, 0, err)))
        return -1;
    if (vstor_access_client_level(c, def->name) >= VSTOR_ACCESS_MANAGE)
        return 0;
    set_denied(err, "storage", api, VSTOR_ACCESS_MANAGE, def->name);
    return -1;
}

gboolean
vstor_access_is_manager(VstorClient *c)
{
    g_autoptr(VstorAccessRules) rules = vstor_server_access_rules(vstor_client_server(c));

    return vstor_access_manages_any(rules, client_identity(c));
}

int
vstor_access_check_manager(VstorClient *c, const char *driver, const char *api, GError **err)
{
    if (vstor_access_is_manager(c))
        return 0;
    set_denied(err, driver, api, VSTOR_ACCESS_MANAGE, NULL);
    return -1;
}

void
vstor_access_filter_pools(VstorClient *c, GPtrArray *pools)
{
    g_autoptr(VstorAccessRules) rules = vstor_server_access_rules(vstor_client_server(c));
    const VstorIdentity *id = client_identity(c);

    if (vstor_access_unrestricted(rules, id))
        return;
    for (guint i = pools->len; i-- > 0;) {
        const VstorPoolId *pool = pools->pdata[i];

        if (vstor_access_level(rules, id, pool->name) < VSTOR_ACCESS_SEE)
            g_ptr_array_remove_index(pools, i); /* keeps the order (sorted by name) */
    }
}
