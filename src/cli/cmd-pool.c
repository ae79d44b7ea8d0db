/* cmd-pool.c: defining and creating pools — pool-define, pool-create and their -as forms,
 * whose --print-xml works without a connection; option tables are virsh 9.0.0's. */
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
#define POOL_BUILD_OPTS \
    {"build", CLI_OPT_BOOL, 0, "build the pool as normal"}, \
    {"no-overwrite", CLI_OPT_BOOL, 0, "do not overwrite any existing data"}, \
    {"overwrite", CLI_OPT_BOOL, 0, "overwrite any existing data"}
/* clang-format on */

static const CliOptDef pool_define_as_opts[] = {
    POOL_X_AS_OPTS,
    {NULL},
};

static const CliOptDef pool_create_as_opts[] = {
    POOL_X_AS_OPTS,
    POOL_BUILD_OPTS,
    {NULL},
};

static const CliOptDef pool_define_opts[] = {
    {"file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML pool description"},
    {"validate", CLI_OPT_BOOL, 0, "validate the XML against the schema"},
    {NULL},
};

static const CliOptDef pool_create_opts[] = {
    {"file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML pool description"},
    POOL_BUILD_OPTS,
    {NULL},
};

/* virsh's --build, --overwrite, --no-overwrite as pool creation flags. */
static int
create_flags(const CliCmd *cmd, unsigned int *ret_flags, GError **err)
{
    unsigned int flags = 0;

    if (cli_opts_exclusive(cmd, "overwrite", "no-overwrite", err) < 0)
        return -1;
    if (cli_opt_given(cmd, "build"))
        flags |= VSTOR_STORAGE_POOL_CREATE_WITH_BUILD;
    if (cli_opt_given(cmd, "overwrite"))
        flags |= VSTOR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE;
    if (cli_opt_given(cmd, "no-overwrite"))
        flags |= VSTOR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE;
    *ret_flags = flags;
    return 0;
}

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
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    VstorConnect *conn;
    const char *name;

    if (!(xml = build_pool_xml(cmd, &name, err)))
        return FALSE;
    if (cli_opt_given(cmd, "print-xml")) {
        fputs(xml, stdout);
        return TRUE;
    }
    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(pool = vstor_storage_pool_define_xml(conn, xml, 0, &lib))) {
        cli_set_lib_error(err, lib, "Failed to define pool %s", name);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Pool %s defined\n", name);
    return TRUE;
}

static gboolean
cmd_pool_create_as(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    unsigned int flags;
    VstorConnect *conn;
    const char *name;

    if (create_flags(cmd, &flags, err) < 0)
        return FALSE;
    if (!(xml = build_pool_xml(cmd, &name, err)))
        return FALSE;
    if (cli_opt_given(cmd, "print-xml")) {
        fputs(xml, stdout);
        return TRUE;
    }
    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(pool = vstor_storage_pool_create_xml(conn, xml, flags, &lib))) {
        cli_set_lib_error(err, lib, "Failed to create pool %s", name);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Pool %s created\n", name);
    return TRUE;
}

static gboolean
cmd_pool_define(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    VstorConnect *conn;
    const char *file;

    if (cli_opt_string(cmd, "file", &file, err) < 0 || !(conn = cli_conn(ctl, err)))
        return FALSE;
    /* --validate: the driver validates every definition against the schema's rules anyway. */
    if (!(xml = cli_read_file(file, err)))
        return FALSE;
    if (!(pool = vstor_storage_pool_define_xml(conn, xml, 0, &lib))) {
        cli_set_lib_error(err, lib, "Failed to define pool from %s", file);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Pool %s defined from %s\n", vstor_storage_pool_get_name(pool), file);
    return TRUE;
}

static gboolean
cmd_pool_create(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    unsigned int flags;
    VstorConnect *conn;
    const char *file;

    if (cli_opt_string(cmd, "file", &file, err) < 0 || !(conn = cli_conn(ctl, err)) ||
        create_flags(cmd, &flags, err) < 0 || !(xml = cli_read_file(file, err)))
        return FALSE;
    if (!(pool = vstor_storage_pool_create_xml(conn, xml, flags, &lib))) {
        cli_set_lib_error(err, lib, "Failed to create pool from %s", file);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Pool %s created from %s\n", vstor_storage_pool_get_name(pool), file);
    return TRUE;
}

const CliCmdDef cli_cmd_pool_create_as = {"pool-create-as", "create a pool from a set of args",
                                          "Create a pool.", pool_create_as_opts,
                                          cmd_pool_create_as};
const CliCmdDef cli_cmd_pool_create = {"pool-create", "create a pool from an XML file",
                                       "Create a pool.", pool_create_opts, cmd_pool_create};
const CliCmdDef cli_cmd_pool_define_as = {"pool-define-as", "define a pool from a set of args",
                                          "Define a pool.", pool_define_as_opts,
                                          cmd_pool_define_as};
const CliCmdDef cli_cmd_pool_define = {
    "pool-define",
    "define an inactive persistent storage pool or modify an existing persistent one from an "
    "XML file",
    "Define or modify a persistent storage pool.", pool_define_opts, cmd_pool_define};
