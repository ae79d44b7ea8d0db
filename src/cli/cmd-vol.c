/* cmd-vol.c: making volumes — vol-create-as (whose --print-xml also works without a
 * connection), vol-create, vol-create-from and vol-clone, with virsh's options and messages. */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "cli/cli.h"
#include "conf/define_args.h"
#include "util/error.h"

#define PREALLOC_OPT                                                                               \
    {                                                                                              \
        "prealloc-metadata", CLI_OPT_BOOL, 0,                                                      \
            "preallocate metadata (for qcow2 instead of full allocation)"                          \
    }

static const CliOptDef vol_create_as_opts[] = {
    {"pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name"},
    {"name", CLI_OPT_DATA, CLI_OPT_REQUIRED, "name of the volume"},
    {"capacity", CLI_OPT_DATA, CLI_OPT_REQUIRED,
     "size of the vol, as scaled integer (default bytes; 10G, 512MiB, 1.5T)"},
    {"allocation", CLI_OPT_STRING, 0,
     "initial allocation size, as scaled integer (default bytes; 10G, 512MiB, 1.5T)"},
    {"format", CLI_OPT_STRING, 0, "file format type raw,bochs,qcow,qcow2,qed,vmdk"},
    {"backing-vol", CLI_OPT_STRING, 0, "the backing volume if taking a snapshot"},
    {"backing-vol-format", CLI_OPT_STRING, 0, "format of backing volume if taking a snapshot"},
    PREALLOC_OPT,
    {"print-xml", CLI_OPT_BOOL, 0, "print XML document, but don't define/create"},
    {NULL},
};

static const CliOptDef vol_create_opts[] = {
    {"pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name"},
    {"file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML vol description"},
    PREALLOC_OPT,
    {"validate", CLI_OPT_BOOL, 0, "validate the XML against the schema"},
    {NULL},
};

static const CliOptDef vol_create_from_opts[] = {
    {"pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name or uuid"},
    {"file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML vol description"},
    {"vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path"},
    {"inputpool", CLI_OPT_STRING, 0, "pool name or uuid of the input volume's pool"},
    PREALLOC_OPT,
    {"reflink", CLI_OPT_BOOL, 0, "use btrfs COW lightweight copy"},
    {"validate", CLI_OPT_BOOL, 0, "validate the XML against the schema"},
    {NULL},
};

static const CliOptDef vol_clone_opts[] = {
    {"vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path"},
    {"newname", CLI_OPT_DATA, CLI_OPT_REQUIRED, "clone name"},
    {"pool", CLI_OPT_STRING, 0, "pool name or uuid"},
    PREALLOC_OPT,
    {"reflink", CLI_OPT_BOOL, 0, "use btrfs COW lightweight copy"},
    {"print-xml", CLI_OPT_BOOL, 0, "print XML document rather than clone the volume"},
    {NULL},
};

static unsigned int
create_flags(const CliCmd *cmd, gboolean has_reflink)
{
    unsigned int flags = 0;

    if (cli_opt_given(cmd, "prealloc-metadata"))
        flags |= VSTOR_STORAGE_VOL_CREATE_PREALLOC_METADATA;
    if (has_reflink && cli_opt_given(cmd, "reflink"))
        flags |= VSTOR_STORAGE_VOL_CREATE_REFLINK;
    return flags;
}

/* The backing volume's path: the word as a volume name in @pool, then as a key, then as a
 * path, as virsh tries it. Without a connection (--print-xml only) an absolute path is
 * taken as it is. */
static char *
resolve_backing(VstorConnect *conn, VstorStoragePool *pool, const char *word, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    char *path;

    if (!conn) {
        g_autofree char *detail = NULL;

        if (g_path_is_absolute(word))
            return g_strdup(word);
        detail = vstor_error_message(VSTOR_ERR_NO_SUPPORT,
                                     "looking a backing volume up by name or key needs a "
                                     "connection to the storage driver; give the backing "
                                     "volume's absolute path instead");
        g_set_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SUPPORT, "failed to get vol '%s'\nerror: %s",
                    word, detail);
        return NULL;
    }
    if (!(vol = vstor_storage_vol_lookup_by_name(pool, word, NULL)) &&
        !(vol = vstor_storage_vol_lookup_by_key(conn, word, NULL)) &&
        !(vol = vstor_storage_vol_lookup_by_path(conn, word, &lib))) {
        cli_set_lib_error(err, lib, "failed to get vol '%s'", word);
        return NULL;
    }
    if (!(path = vstor_storage_vol_get_path(vol, &lib)))
        cli_set_lib_error(err, lib, NULL);
    return path;
}

/* What a worker thread needs to create a volume, and what it made. */
typedef struct {
    VstorStoragePool *pool;
    const char *xml;
    VstorStorageVol *input; /* NULL: plain create */
    unsigned int flags;
    VstorStorageVol *result;
} CreateJob;

static int
create_job(gpointer data, GError **error)
{
    CreateJob *job = data;

    if (job->input)
        job->result =
            vstor_storage_vol_create_xml_from(job->pool, job->xml, job->input, job->flags, error);
    else
        job->result = vstor_storage_vol_create_xml(job->pool, job->xml, job->flags, error);
    return job->result ? 0 : -1;
}

/* Creates the volume on a worker thread, with progress and Ctrl-C (see cli_run_job). */
static VstorStorageVol *
create_vol(CliCtl *ctl, VstorStoragePool *pool, const char *xml, VstorStorageVol *input,
           unsigned int flags, const char *name, GError **error)
{
    CreateJob job = {pool, xml, input, flags, NULL};

    if (cli_run_job(ctl, input ? "vol-clone" : "vol-build", name, 0, create_job, &job, error) < 0)
        return NULL;
    return job.result;
}

static gboolean
cmd_vol_create_as(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    g_autoptr(GError) conn_err = NULL;
    g_autofree char *backing_path = NULL;
    g_autofree char *xml = NULL;
    VstorVolArgs args = {0};
    gboolean print_xml = cli_opt_given(cmd, "print-xml");
    VstorConnect *conn = NULL;
    const char *capacity, *allocation;

    args.prealloc_metadata = cli_opt_given(cmd, "prealloc-metadata");
    /* In virsh's order: the pool is looked up first, then each option read and checked. */
    if (cli_opt_string(cmd, "pool", &args.pool, err) < 0)
        return FALSE;
    if (print_xml && !ctl->conn) {
        /* --print-xml needs the driver only for a backing volume given by name or key: no
         * connection is no error until then (the session's own connection, honouring -r). */
        cli_conn(ctl, &conn_err);
    }
    if (!print_xml || ctl->conn) {
        if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
            return FALSE;
        conn = ctl->conn;
    }
    if (cli_opt_string(cmd, "name", &args.name, err) < 0 ||
        cli_opt_string(cmd, "capacity", &capacity, err) < 0 ||
        cli_parse_size(ctl, "capacity", capacity, CLI_SIZE_MALFORMED, &args.capacity, err) < 0)
        return FALSE;
    /* An empty --allocation counts as not given, as in virsh. */
    if ((allocation = cli_opt_string_quiet(cmd, "allocation"))) {
        if (cli_parse_size(ctl, "allocation", allocation, CLI_SIZE_MALFORMED, &args.allocation,
                           err) < 0)
            return FALSE;
        args.has_allocation = TRUE;
    }
    if (cli_opt_string(cmd, "format", &args.format, err) < 0 ||
        cli_opt_string(cmd, "backing-vol", &args.backing_vol, err) < 0 ||
        cli_opt_string(cmd, "backing-vol-format", &args.backing_format, err) < 0)
        return FALSE;
    if (args.backing_vol) {
        if (!conn && conn_err && !g_path_is_absolute(args.backing_vol)) {
            g_propagate_prefixed_error(err, g_steal_pointer(&conn_err),
                                       "failed to get vol '%s'\nerror: looking a backing volume "
                                       "up by name or key needs a connection to the storage "
                                       "driver (or give the backing volume's absolute path): ",
                                       args.backing_vol);
            return FALSE;
        }
        if (!(backing_path = resolve_backing(conn, pool, args.backing_vol, err)))
            return FALSE;
        args.backing_path = backing_path;
    }
    if (!(xml = vstor_vol_args_format(&args, 0, err)))
        return FALSE;
    if (print_xml) {
        fputs(xml, stdout);
        return TRUE;
    }
    if (!(vol = create_vol(ctl, pool, xml, NULL, create_flags(cmd, FALSE), args.name, &lib))) {
        cli_set_lib_error(err, lib, "Failed to create vol %s", args.name);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Vol %s created\n", args.name);
    return TRUE;
}

static gboolean
cmd_vol_create(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    const char *file;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)) ||
        cli_opt_string(cmd, "file", &file, err) < 0 || !(xml = cli_read_file(file, err)))
        return FALSE;
    if (!(vol = create_vol(ctl, pool, xml, NULL, create_flags(cmd, FALSE), NULL, &lib))) {
        cli_set_lib_error(err, lib, "Failed to create vol from %s", file);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Vol %s created from %s\n", vstor_storage_vol_get_name(vol), file);
    return TRUE;
}

static gboolean
cmd_vol_create_from(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(VstorStorageVol) input = NULL;
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    const char *file;

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)) ||
        cli_opt_string(cmd, "file", &file, err) < 0 ||
        !(input =
              cli_vol_arg(ctl, cmd, "vol", "inputpool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)) ||
        !(xml = cli_read_file(file, err)))
        return FALSE;
    vol = create_vol(ctl, pool, xml, input, create_flags(cmd, TRUE), NULL, &lib);
    if (!vol) {
        cli_set_lib_error(err, lib, "Failed to create vol from %s", file);
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Vol %s created from input vol %s\n", vstor_storage_vol_get_name(vol),
               vstor_storage_vol_get_name(input));
    return TRUE;
}

/* @xml with its /volume/name set to @name, serialized as it was read (no trailing newline,
 * as virsh prints it). */
static char *
clone_xml(const char *xml, const char *name)
{
    g_autoptr(GString) out = NULL;
    xmlBufferPtr buf;
    xmlDocPtr doc;
    xmlNodePtr root, node;

    doc = xmlReadMemory(xml, (int)strlen(xml), "volume.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    for (node = root ? root->children : NULL; node; node = node->next)
        if (node->type == XML_ELEMENT_NODE && xmlStrEqual(node->name, BAD_CAST "name"))
            break;
    if (!node || !(buf = xmlBufferCreate())) {
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlNodeSetContent(node, BAD_CAST name);
    xmlNodeDump(buf, doc, root, 0, 0);
    out = g_string_new((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static gboolean
cmd_vol_clone(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(VstorStorageVol) orig = NULL;
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GError) lib = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *newxml = NULL;
    const char *name;

    if (!(orig = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!(pool = vstor_storage_pool_lookup_by_volume(orig, &lib))) {
        cli_set_lib_error(err, lib, "failed to get parent pool");
        return FALSE;
    }
    if (cli_opt_string(cmd, "newname", &name, err) < 0)
        return FALSE;
    if (!(xml = vstor_storage_vol_get_xml_desc(orig, 0, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    if (!(newxml = clone_xml(xml, name))) {
        cli_set_error(err, "Failed to allocate XML buffer");
        return FALSE;
    }
    if (cli_opt_given(cmd, "print-xml")) {
        fputs(newxml, stdout);
        return TRUE;
    }
    vol = create_vol(ctl, pool, newxml, orig, create_flags(cmd, TRUE), name, &lib);
    if (!vol) {
        cli_set_lib_error(err, lib, "Failed to clone vol from %s",
                          vstor_storage_vol_get_name(orig));
        return FALSE;
    }
    if (!ctl->quiet)
        printf("Vol %s cloned from %s\n", vstor_storage_vol_get_name(vol),
               vstor_storage_vol_get_name(orig));
    return TRUE;
}

const CliCmdDef cli_cmd_vol_clone = {"vol-clone", "clone a volume.",
                                     "Clone an existing volume within the parent pool.",
                                     vol_clone_opts, cmd_vol_clone};
const CliCmdDef cli_cmd_vol_create_as = {"vol-create-as", "create a volume from a set of args",
                                         "Create a vol.", vol_create_as_opts, cmd_vol_create_as};
const CliCmdDef cli_cmd_vol_create = {"vol-create", "create a vol from an XML file",
                                      "Create a vol.", vol_create_opts, cmd_vol_create};
const CliCmdDef cli_cmd_vol_create_from = {
    "vol-create-from", "create a vol, using another volume as input",
    "Create a vol from an existing volume.", vol_create_from_opts, cmd_vol_create_from};
