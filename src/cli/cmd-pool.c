/* cmd-pool.c: the Storage Pool commands — for now pool-define-as and pool-create-as, whose
 * --print-xml works without a storage driver; their option tables are virsh 9.0.0's. */
#include <stdio.h>

#include "cli/cli.h"
#include "conf/define_args.h"

/* virsh's option table of pool-define-as, in its order (which is also the order bare words
 * fill the options in); pool-create-as has the same ones and three more. Kept by hand
 * because clang-format staggers the lines of a macro of initializers. */
/* clang-format off */
#define POOL_X_AS_OPTS \
    {"name", CLI_OPT_DATA, CLI_OPT_REQUIRED, "name of the pool"}, \
    {"type", CLI_OPT_DATA, CLI_OPT_REQUIRED, "type of the pool"}, \
    {"print-xml", CLI_OPT_BOOL, 0, "print XML document, but don't define/create"}, \
    {"source-host", CLI_OPT_STRING, 0, "source-host for underlying storage"}, \
    {"source-path", CLI_OPT_STRING, 0, "source path for underlying storage"}, \
    {"source-dev", CLI_OPT_STRING, 0, "source device for underlying storage"}, \
    {"source-name", CLI_OPT_STRING, 0, "source name for underlying storage"}, \
    {"target", CLI_OPT_STRING, 0, "target for underlying storage"}, \
    {"source-format", CLI_OPT_STRING, 0, "format for underlying storage"}, \
    {"auth-type", CLI_OPT_STRING, 0, "auth type to be used for underlying storage"}, \
    {"auth-username", CLI_OPT_STRING, 0, "auth username to be used for underlying storage"}, \
    {"secret-usage", CLI_OPT_STRING, 0, "auth secret usage to be used for underlying storage"}, \
    {"secret-uuid", CLI_OPT_STRING, 0, "auth secret UUID to be used for underlying storage"}, \
    {"adapter-name", CLI_OPT_STRING, 0, "adapter name to be used for underlying storage"}, \
    {"adapter-wwnn", CLI_OPT_STRING, 0, "adapter wwnn to be used for underlying storage"}, \
    {"adapter-wwpn", CLI_OPT_STRING, 0, "adapter wwpn to be used for underlying storage"}, \
    {"adapter-parent", CLI_OPT_STRING, 0, \
     "adapter parent scsi_hostN to be used for underlying vHBA storage"}, \
    {"adapter-parent-wwnn", CLI_OPT_STRING, 0, \
     "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage"}, \
    {"adapter-parent-wwpn", CLI_OPT_STRING, 0, \
     "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage"}, \
    {"adapter-parent-fabric-wwn", CLI_OPT_STRING, 0, \
     "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage"}, \
    {"source-protocol-ver", CLI_OPT_STRING, 0, "nfsvers value for NFS pool mount option"}, \
    {"source-initiator", CLI_OPT_STRING, 0, "initiator iqn for underlying storage"}
/* clang-format on */

static const CliOptDef pool_define_as_opts[] = {
    POOL_X_AS_OPTS,
    {NULL},
};

static const CliOptDef pool_create_as_opts[] = {
    POOL_X_AS_OPTS,
    {"build", CLI_OPT_BOOL, 0, "build the pool as normal"},
    {"no-overwrite", CLI_OPT_BOOL, 0, "do not overwrite any existing data"},
    {"overwrite", CLI_OPT_BOOL, 0, "overwrite any existing data"},
    {NULL},
};

/* The pool XML from the options, checked in the order virsh checks them. */
static char *
build_pool_xml(const CliCmd *cmd, const char **ret_name, GError **err)
{
    VstorPoolArgs args = {0};
    char *xml;

    if (cli_opts_exclusive(cmd, "secret-usage", "secret-uuid", err) < 0)
        return NULL;
    for (const char *const *opt = vstor_pool_args_options; *opt; opt++) {
        const char *value;

        if (cli_opt_string(cmd, *opt, &value, err) < 0 ||
            vstor_pool_args_set(&args, *opt, value, err) < 0)
            return NULL;
    }
    if (!(xml = vstor_pool_args_format(&args, 0, err)))
        return NULL;
    *ret_name = args.name;
    return xml;
}

static gboolean
cmd_pool_define_as(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autofree char *xml = NULL;
    g_autofree char *context = NULL;
    const char *name;

    if (!(xml = build_pool_xml(cmd, &name, err)))
        return FALSE;
    if (cli_opt_given(cmd, "print-xml")) {
        fputs(xml, stdout);
        return TRUE;
    }
    context = g_strdup_printf("Failed to define pool %s", name);
    cli_set_no_driver(err, context);
    return FALSE;
}

static gboolean
cmd_pool_create_as(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autofree char *xml = NULL;
    g_autofree char *context = NULL;
    const char *name;

    /* --build and its two refinements only matter once a driver creates the pool. */
    if (cli_opts_exclusive(cmd, "overwrite", "no-overwrite", err) < 0)
        return FALSE;
    if (!(xml = build_pool_xml(cmd, &name, err)))
        return FALSE;
    if (cli_opt_given(cmd, "print-xml")) {
        fputs(xml, stdout);
        return TRUE;
    }
    context = g_strdup_printf("Failed to create pool %s", name);
    cli_set_no_driver(err, context);
    return FALSE;
}

/* Listed in virsh's order, so `vstor help pool` reads like `virsh help pool`. */
const CliCmdDef cli_pool_cmds[] = {
    {"pool-create-as", "create a pool from a set of args", "Create a pool.", pool_create_as_opts,
     cmd_pool_create_as},
    {"pool-define-as", "define a pool from a set of args", "Define a pool.", pool_define_as_opts,
     cmd_pool_define_as},
    {NULL},
};
