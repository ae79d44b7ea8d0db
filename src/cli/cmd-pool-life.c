/* cmd-pool-life.c: a pool's life after definition — build, start, destroy (and its plain
 * alias pool-stop), delete, undefine, refresh, autostart — with virsh's messages. */
#include <stdio.h>

#include "cli/cli.h"

#define POOL_OPT                                                                                   \
    {                                                                                              \
        "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name or uuid"                                \
    }

static const CliOptDef pool_only_opts[] = {
    POOL_OPT,
    {NULL},
};

static const CliOptDef pool_build_opts[] = {
    POOL_OPT,
    {"no-overwrite", CLI_OPT_BOOL, 0, "do not overwrite any existing data"},
    {"overwrite", CLI_OPT_BOOL, 0, "overwrite any existing data"},
    {NULL},
};

static const CliOptDef pool_start_opts[] = {
    POOL_OPT,
    {"build", CLI_OPT_BOOL, 0, "build the pool as normal"},
    {"no-overwrite", CLI_OPT_BOOL, 0, "do not overwrite any existing data"},
    {"overwrite", CLI_OPT_BOOL, 0, "overwrite any existing data"},
    {NULL},
};

static const CliOptDef pool_autostart_opts[] = {
    POOL_OPT,
    {"disable", CLI_OPT_BOOL, 0, "disable autostarting"},
    {NULL},
};

/* Prints an informational line unless -q asked for quiet. */
static void
say(const CliCtl *ctl, const char *fmt, const char *name)
{
    if (!ctl->quiet)
        printf(fmt, name);
}

typedef struct {
    VstorStoragePool *pool;
    unsigned int flags;
} PoolBuildJob;

static int
pool_build_job(gpointer data, GError **error)
{
    PoolBuildJob *job = data;

    return vstor_storage_pool_build(job->pool, job->flags, error);
}

static gboolean
cmd_pool_build(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    PoolBuildJob job;
    g_autoptr(GError) lib = NULL;
    unsigned int flags = 0;
    const char *name;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    /* virsh passes both flags on and lets the driver refuse the pair. */
    if (cli_opt_given(cmd, "no-overwrite"))
        flags |= VSTOR_STORAGE_POOL_BUILD_NO_OVERWRITE;
    if (cli_opt_given(cmd, "overwrite"))
        flags |= VSTOR_STORAGE_POOL_BUILD_OVERWRITE;
    job = (PoolBuildJob){pool, flags};
    if (cli_run_job(ctl, "pool-build", NULL, 0, pool_build_job, &job, &lib) < 0) {
        cli_set_lib_error(err, lib, "Failed to build pool %s", name);
        return FALSE;
    }
    say(ctl, "Pool %s built\n", name);
    return TRUE;
}

static gboolean
cmd_pool_start(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    unsigned int flags = 0;
    const char *name;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    if (cli_opts_exclusive(cmd, "overwrite", "no-overwrite", err) < 0)
        return FALSE;
    if (cli_opt_given(cmd, "build"))
        flags |= VSTOR_STORAGE_POOL_CREATE_WITH_BUILD;
    if (cli_opt_given(cmd, "overwrite"))
        flags |= VSTOR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE;
    if (cli_opt_given(cmd, "no-overwrite"))
        flags |= VSTOR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE;
    if (vstor_storage_pool_create(pool, flags, &lib) < 0) {
        cli_set_lib_error(err, lib, "Failed to start pool %s", name);
        return FALSE;
    }
    say(ctl, "Pool %s started\n", name);
    return TRUE;
}

static gboolean
cmd_pool_destroy(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    gboolean stop = g_str_equal(cmd->def->name, "pool-stop");
    const char *name;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    if (vstor_storage_pool_destroy(pool, &lib) < 0) {
        cli_set_lib_error(err, lib, stop ? "Failed to stop pool %s" : "Failed to destroy pool %s",
                          name);
        return FALSE;
    }
    /* pool-stop says what happened: the pool stopped, nothing in it was destroyed. */
    say(ctl, stop ? "Pool %s stopped\n" : "Pool %s destroyed\n", name);
    return TRUE;
}

static gboolean
cmd_pool_delete(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    const char *name;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    if (vstor_storage_pool_delete(pool, 0, &lib) < 0) {
        cli_set_lib_error(err, lib, "Failed to delete pool %s", name);
        return FALSE;
    }
    say(ctl, "Pool %s deleted\n", name);
    return TRUE;
}

static gboolean
cmd_pool_undefine(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    const char *name;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    if (vstor_storage_pool_undefine(pool, &lib) < 0) {
        cli_set_lib_error(err, lib, "Failed to undefine pool %s", name);
        return FALSE;
    }
    say(ctl, "Pool %s has been undefined\n", name);
    return TRUE;
}

static gboolean
cmd_pool_refresh(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    const char *name;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    if (vstor_storage_pool_refresh(pool, 0, &lib) < 0) {
        cli_set_lib_error(err, lib, "Failed to refresh pool %s", name);
        return FALSE;
    }
    say(ctl, "Pool %s refreshed\n", name);
    return TRUE;
}

static gboolean
cmd_pool_autostart(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    gboolean autostart = !cli_opt_given(cmd, "disable");
    const char *name;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, &name, err)))
        return FALSE;
    if (vstor_storage_pool_set_autostart(pool, autostart, &lib) < 0) {
        cli_set_lib_error(err, lib,
                          autostart ? "failed to mark pool %s as autostarted"
                                    : "failed to unmark pool %s as autostarted",
                          name);
        return FALSE;
    }
    say(ctl, autostart ? "Pool %s marked as autostarted\n" : "Pool %s unmarked as autostarted\n",
        name);
    return TRUE;
}

const CliCmdDef cli_cmd_pool_autostart = {"pool-autostart", "autostart a pool",
                                          "Configure a pool to be automatically started at boot.",
                                          pool_autostart_opts, cmd_pool_autostart};
const CliCmdDef cli_cmd_pool_build = {"pool-build", "build a pool", "Build a given pool.",
                                      pool_build_opts, cmd_pool_build};
const CliCmdDef cli_cmd_pool_delete = {"pool-delete", "delete a pool", "Delete a given pool.",
                                       pool_only_opts, cmd_pool_delete};
const CliCmdDef cli_cmd_pool_destroy = {
    "pool-destroy", "destroy (stop) a pool",
    "Forcefully stop a given pool. Raw data in the pool is untouched", pool_only_opts,
    cmd_pool_destroy};
const CliCmdDef cli_cmd_pool_stop = {
    "pool-stop", "stop a pool (pool-destroy by a plainer name)",
    "Stop a given pool. Nothing in it is destroyed: its volumes stay as they are and the pool "
    "can be started again.",
    pool_only_opts, cmd_pool_destroy};
const CliCmdDef cli_cmd_pool_refresh = {"pool-refresh", "refresh a pool", "Refresh a given pool.",
                                        pool_only_opts, cmd_pool_refresh};
const CliCmdDef cli_cmd_pool_start = {"pool-start", "start a (previously defined) inactive pool",
                                      "Start a pool.", pool_start_opts, cmd_pool_start};
const CliCmdDef cli_cmd_pool_undefine = {"pool-undefine", "undefine an inactive pool",
                                         "Undefine the configuration for an inactive pool.",
                                         pool_only_opts, cmd_pool_undefine};
