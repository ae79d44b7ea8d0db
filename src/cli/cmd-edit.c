/* cmd-edit.c: pool-edit as virsh does it (XML in a temporary file, $VISUAL/$EDITOR, "not
 * changed", re-check, redefine, "Try again?" on a terminal) and vol-edit, vstor's addition. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/units.h"

/* Characters an editor command or file name may hold to be run without a shell (virsh's). */
#define EDIT_PLAIN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/_.:@"

/* What one edit command does with its object. */
typedef struct {
    /* The current XML, or NULL with *lib set. */
    char *(*get_xml)(gpointer obj, GError **lib);
    /* Applies the edited XML; FALSE with *lib set when it is refused. */
    gboolean (*apply)(CliCtl *ctl, gpointer obj, const char *xml, GError **lib);
    const char *what; /* "Pool", "Volume" */
    const char *name;
} EditOps;

static char *
write_temp(const char *doc, GError **err)
{
    const char *dir = g_getenv("TMPDIR");
    g_autofree char *path = g_strdup_printf("%s/vstorXXXXXX.xml", dir ? dir : "/tmp");
    gsize len = strlen(doc), off = 0;
    int fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);

    if (fd < 0) {
        cli_set_error(err, "g_mkstemp_full: failed to create temporary file: %s",
                      g_strerror(errno));
        return NULL;
    }
    while (off < len) {
        ssize_t n = write(fd, doc + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_set_error(err, "write: %s: failed to write to temporary file: %s", path,
                          g_strerror(errno));
            close(fd);
            unlink(path);
            return NULL;
        }
        off += (gsize)n;
    }
    if (close(fd) < 0) {
        cli_set_error(err, "close: %s: failed to write or close temporary file: %s", path,
                      g_strerror(errno));
        unlink(path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

/* Runs $VISUAL, $EDITOR or vi on @file, on this terminal. An editor word with options or
 * shell syntax goes through sh -c, as virsh does (the user chose it). */
static int
run_editor(const char *file, GError **err)
{
    const char *editor = g_getenv("VISUAL");
    g_autoptr(GError) spawn = NULL;
    g_autofree char *line = NULL;
    int status = 0;

    if (!editor || !*editor)
        editor = g_getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    line = g_strdup_printf("%s %s", editor, file);
    fflush(stdout);
    if (strspn(editor, EDIT_PLAIN_CHARS) == strlen(editor)) {
        const char *argv[] = {editor, file, NULL};

        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &spawn);
    } else if (strspn(file, EDIT_PLAIN_CHARS) != strlen(file)) {
        cli_set_error(err,
                      "%s: temporary filename contains shell meta or other unacceptable "
                      "characters (is $TMPDIR wrong?)",
                      file);
        return -1;
    } else {
        const char *argv[] = {"sh", "-c", line, NULL};

        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &spawn);
    }
    if (spawn) {
        cli_set_error(err, "Cannot run editor '%s': %s", editor, spawn->message);
        return -1;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        cli_set_error(err, "Child process (%s) unexpected exit status %d", line,
                      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return -1;
    }
    return 0;
}

/* virsh's question after a failed redefine: 'y' edit again, 'n' give up, 'f' redefine again;
 * -1 when stdin is no terminal (nobody to ask). */
static int
ask_reedit(const char *msg, const GError *lib)
{
    struct termios saved, raw;
    int c = -1;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
        return -1;
    if (lib)
        cli_print_error(lib->message);
    raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
        return -1;
    for (;;) {
        printf("\r%s Try again? [y,n,f,?]: ", msg);
        fflush(stdout);
        c = g_ascii_tolower(getchar());
        if (c == '?') {
            printf("\r\ny - yes, start editor again\r\nn - no, throw away my changes\r\n"
                   "f - force, try to redefine again\r\n? - print this help\r\n");
            continue;
        }
        if (c == 'y' || c == 'n' || c == 'f' || c == EOF)
            break;
    }
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    printf("\r\n");
    return c == EOF ? 'n' : c;
}

static gboolean
edit_loop(CliCtl *ctl, const EditOps *ops, gpointer obj, GError **err)
{
    g_autoptr(GError) lib = NULL;
    g_autofree char *doc = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *edited = NULL;
    gboolean ok = FALSE;

    if (!(doc = ops->get_xml(obj, &lib))) {
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    if (!(tmp = write_temp(doc, err)))
        return FALSE;
    for (gboolean reedit = TRUE;;) {
        g_autofree char *reread = NULL;
        const char *msg = NULL;
        int answer;

        if (reedit) {
            if (run_editor(tmp, err) < 0)
                goto out;
            g_free(edited);
            if (!(edited = cli_read_file(tmp, err)))
                goto out;
            if (g_str_equal(doc, edited)) {
                if (!ctl->quiet)
                    printf("%s %s XML configuration not changed.\n", ops->what, ops->name);
                ok = TRUE;
                goto out;
            }
        }
        g_clear_error(&lib);
        /* Did someone else change it meanwhile (or is it gone)? */
        if (!(reread = ops->get_xml(obj, &lib))) {
            cli_set_lib_error(err, lib, NULL);
            goto out;
        }
        if (!g_str_equal(doc, reread)) {
            msg = "The XML configuration was changed by another user.";
            g_free(doc);
            doc = g_steal_pointer(&reread);
        } else if (!ops->apply(ctl, obj, edited, &lib)) {
            msg = "Failed.";
        }
        if (!msg)
            break;
        answer = ask_reedit(msg, lib);
        if (answer == 'n') {
            cli_set_error(err, "%s %s XML configuration not changed", ops->what, ops->name);
            goto out;
        }
        if (answer < 0) {
            /* No terminal to ask on: fail with the reason (virsh would go on and report
             * success). */
            cli_set_lib_error(err, lib, "%s", msg);
            goto out;
        }
        reedit = answer == 'y';
    }
    if (!ctl->quiet)
        printf("%s %s XML configuration edited.\n", ops->what, ops->name);
    ok = TRUE;
out:
    unlink(tmp);
    return ok;
}

/* --- pool-edit --- */

static char *
pool_get_xml(gpointer obj, GError **lib)
{
    return vstor_storage_pool_get_xml_desc(obj, VSTOR_STORAGE_XML_INACTIVE, lib);
}

static gboolean
pool_apply(CliCtl *ctl, gpointer obj, const char *xml, GError **lib)
{
    g_autoptr(VstorStoragePool) pool = vstor_storage_pool_define_xml(ctl->conn, xml, 0, lib);

    return pool != NULL;
}

static gboolean
cmd_pool_edit(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    EditOps ops = {pool_get_xml, pool_apply, "Pool", NULL};

    if (!(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    ops.name = vstor_storage_pool_get_name(pool);
    return edit_loop(ctl, &ops, pool, err);
}

/* --- vol-edit: volumes cannot be redefined, so only <capacity> may change (a resize) --- */

static char *
vol_get_xml(gpointer obj, GError **lib)
{
    return vstor_storage_vol_get_xml_desc(obj, 0, lib);
}

/* @xml without its <capacity> element, and that element's size in bytes. */
static char *
split_capacity(const char *xml, guint64 *ret_bytes, GError **lib)
{
    g_autoptr(GRegex) re = g_regex_new("<capacity(?:\\s+unit=['\"]([^'\"]*)['\"])?\\s*>\\s*"
                                       "([0-9]+)\\s*</capacity>",
                                       0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    g_autofree char *unit = NULL;
    g_autofree char *num = NULL;
    unsigned long long v;

    if (!g_regex_match(re, xml, 0, &m)) {
        g_set_error(lib, VSTOR_ERROR, VSTOR_ERR_XML_ERROR,
                    "XML error: missing or malformed <capacity> in the volume XML");
        return NULL;
    }
    unit = g_match_info_fetch(m, 1);
    num = g_match_info_fetch(m, 2);
    if (!vstor_parse_ull(num, &v) || vstor_scale_integer(&v, unit, 1, G_MAXUINT64, lib) < 0) {
        if (lib && !*lib)
            g_set_error(lib, VSTOR_ERROR, VSTOR_ERR_XML_ERROR, "XML error: bad capacity '%s'", num);
        return NULL;
    }
    *ret_bytes = v;
    return g_regex_replace_literal(re, xml, -1, 0, "<capacity/>", 0, NULL);
}

static gboolean
vol_apply(CliCtl *ctl, gpointer obj, const char *xml, GError **lib)
{
    g_autofree char *cur = vstor_storage_vol_get_xml_desc(obj, 0, lib);
    g_autofree char *cur_rest = NULL;
    g_autofree char *new_rest = NULL;
    guint64 cur_cap = 0, new_cap = 0;

    if (!cur || !(cur_rest = split_capacity(cur, &cur_cap, lib)) ||
        !(new_rest = split_capacity(xml, &new_cap, lib)))
        return FALSE;
    if (!g_str_equal(cur_rest, new_rest)) {
        g_set_error(lib, VSTOR_ERROR, VSTOR_ERR_OPERATION_INVALID,
                    "Requested operation is not valid: only <capacity> of a volume can be "
                    "edited (a resize); other changes need a new volume (vol-create, "
                    "vol-clone)");
        return FALSE;
    }
    if (new_cap == cur_cap)
        return TRUE;
    return vstor_storage_vol_resize(
               obj, new_cap, new_cap < cur_cap ? VSTOR_STORAGE_VOL_RESIZE_SHRINK : 0, lib) == 0;
}

static gboolean
cmd_vol_edit(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStorageVol) vol = NULL;
    EditOps ops = {vol_get_xml, vol_apply, "Volume", NULL};

    if (!(vol = cli_vol_arg(ctl, cmd, "vol", "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    ops.name = vstor_storage_vol_get_name(vol);
    return edit_loop(ctl, &ops, vol, err);
}

static const CliOptDef pool_edit_opts[] = {
    {"pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name or uuid"},
    {NULL},
};

static const CliOptDef vol_edit_opts[] = {
    {"vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path"},
    {"pool", CLI_OPT_STRING, 0, "pool name or uuid"},
    {NULL},
};

const CliCmdDef cli_cmd_pool_edit = {"pool-edit", "edit XML configuration for a storage pool",
                                     "Edit the XML configuration for a storage pool.",
                                     pool_edit_opts, cmd_pool_edit};

const CliCmdDef cli_cmd_vol_edit = {
    "vol-edit", "edit the capacity of a volume in its XML (vstor)",
    "Edit the XML of a volume in $VISUAL or $EDITOR; a changed <capacity> resizes it\n"
    "    (other elements cannot change).",
    vol_edit_opts, cmd_vol_edit};
