/* cmd-vol.c: the Storage Volume commands — for now vol-create-as, whose --print-xml works
 * without a storage driver as long as a backing volume is given by its absolute path. */
#include <stdio.h>

#include "cli/cli.h"
#include "conf/define_args.h"
#include "util/error.h"

static const CliOptDef vol_create_as_opts[] = {
    {"pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name"},
    {"name", CLI_OPT_DATA, CLI_OPT_REQUIRED, "name of the volume"},
    {"capacity", CLI_OPT_DATA, CLI_OPT_REQUIRED,
     "size of the vol, as scaled integer (default bytes)"},
    {"allocation", CLI_OPT_STRING, 0, "initial allocation size, as scaled integer (default bytes)"},
    {"format", CLI_OPT_STRING, 0, "file format type raw,bochs,qcow,qcow2,qed,vmdk"},
    {"backing-vol", CLI_OPT_STRING, 0,
     "the backing volume if taking a snapshot (until vstor has its storage driver: "
     "an absolute path only, used as given)"},
    {"backing-vol-format", CLI_OPT_STRING, 0, "format of backing volume if taking a snapshot"},
    {"prealloc-metadata", CLI_OPT_BOOL, 0,
     "preallocate metadata (for qcow2 instead of full allocation)"},
    {"print-xml", CLI_OPT_BOOL, 0, "print XML document, but don't define/create"},
    {NULL},
};

/* Finds the backing volume's path. virsh tries the value as a volume name in the pool, then
 * as a key, then as a path; all three ask the driver, so without one only a path that is
 * already absolute can be taken, as it is. */
static int
resolve_backing(VstorVolArgs *args, GError **err)
{
    g_autofree char *context = NULL;
    g_autofree char *detail = NULL;

    if (g_path_is_absolute(args->backing_vol)) {
        args->backing_path = args->backing_vol;
        return 0;
    }
    context = g_strdup_printf("failed to get vol '%s'", args->backing_vol);
    detail = vstor_error_message(VSTOR_ERR_NO_SUPPORT,
                                 "looking a backing volume up by name or key needs the "
                                 "storage driver, which vstor does not have yet; give the "
                                 "backing volume's absolute path instead");
    g_set_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SUPPORT, "%s\nerror: %s", context, detail);
    return -1;
}

static gboolean
cmd_vol_create_as(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    VstorVolArgs args = {0};
    g_autofree char *xml = NULL;
    gboolean print_xml = cli_opt_given(cmd, "print-xml");
    const char *capacity, *allocation;

    args.prealloc_metadata = cli_opt_given(cmd, "prealloc-metadata");

    /* In virsh's order: the pool is looked up first, then each option read and checked. */
    if (cli_opt_string(cmd, "pool", &args.pool, err) < 0)
        return FALSE;
    if (!print_xml) {
        g_autofree char *context = g_strdup_printf("failed to get pool '%s'", args.pool);

        cli_set_no_driver(err, context);
        return FALSE;
    }
    if (cli_opt_string(cmd, "name", &args.name, err) < 0 ||
        cli_opt_string(cmd, "capacity", &capacity, err) < 0 ||
        vstor_vol_args_parse_size(capacity, &args.capacity, err) < 0)
        return FALSE;
    /* An empty --allocation counts as not given, as in virsh. */
    if ((allocation = cli_opt_string_quiet(cmd, "allocation"))) {
        if (vstor_vol_args_parse_size(allocation, &args.allocation, err) < 0)
            return FALSE;
        args.has_allocation = TRUE;
    }
    if (cli_opt_string(cmd, "format", &args.format, err) < 0 ||
        cli_opt_string(cmd, "backing-vol", &args.backing_vol, err) < 0 ||
        cli_opt_string(cmd, "backing-vol-format", &args.backing_format, err) < 0)
        return FALSE;
    if (args.backing_vol && resolve_backing(&args, err) < 0)
        return FALSE;
    if (!(xml = vstor_vol_args_format(&args, 0, err)))
        return FALSE;
    fputs(xml, stdout);
    return TRUE;
}

const CliCmdDef cli_vol_cmds[] = {
    {"vol-create-as", "create a volume from a set of args", "Create a vol.", vol_create_as_opts,
     cmd_vol_create_as},
    {NULL},
};
