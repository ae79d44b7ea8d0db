/* cmd-pool-extra.c: the connection-wide pool commands — pool-capabilities,
 * find-storage-pool-sources[-as] and pool-event (virsh's event lines, --loop, --timeout). */
#include <glib-unix.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/json.h"

static gboolean
cmd_pool_capabilities(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(GError) lib = NULL;
    g_autofree char *caps = NULL;
    VstorConnect *conn;

    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(caps = vstor_connect_get_storage_pool_capabilities(conn, 0, &lib))) {
        cli_set_lib_error(err, lib, "failed to get storage pool capabilities");
        return FALSE;
    }
    if (cli_opt_given(cmd, "json")) {
        g_autofree char *json = cli_pool_caps_xml_to_json(caps, &lib);

        if (!json) {
            cli_set_lib_error(err, lib, NULL);
            return FALSE;
        }
        fputs(json, stdout);
        return TRUE;
    }
    printf("%s\n", caps);
    return TRUE;
}

static gboolean
find_sources(CliCtl *ctl, const char *type, const char *spec, GError **err)
{
    g_autoptr(GError) lib = NULL;
    g_autofree char *list = NULL;
    VstorConnect *conn;

    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(list = vstor_connect_find_storage_pool_sources(conn, type, spec, 0, &lib))) {
        cli_set_lib_error(err, lib, "Failed to find any %s pool sources", type);
        return FALSE;
    }
    fputs(list, stdout);
    return TRUE;
}

static gboolean
cmd_find_sources(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autofree char *spec = NULL;
    const char *type, *file;

    if (cli_opt_string(cmd, "type", &type, err) < 0 ||
        cli_opt_string(cmd, "srcSpec", &file, err) < 0)
        return FALSE;
    if (file && !(spec = cli_read_file(file, err)))
        return FALSE;
    return find_sources(ctl, type, spec, err);
}

static gboolean
cmd_find_sources_as(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(GString) spec = NULL;
    const char *type, *host, *port, *initiator;

    if (cli_opt_string(cmd, "type", &type, err) < 0 ||
        cli_opt_string(cmd, "host", &host, err) < 0 ||
        cli_opt_string(cmd, "initiator", &initiator, err) < 0)
        return FALSE;
    /* As virsh: without a host there is no hint at all (port and initiator are dropped). */
    if (host) {
        if (cli_opt_string(cmd, "port", &port, err) < 0)
            return FALSE;
        spec = g_string_new("<source>\n");
        g_string_append_printf(spec, "  <host name='%s'", host);
        if (port)
            g_string_append_printf(spec, " port='%s'", port);
        g_string_append(spec, "/>\n");
        if (initiator)
            g_string_append_printf(spec, "  <initiator>\n    <iqn name='%s'/>\n  </initiator>\n",
                                   initiator);
        g_string_append(spec, "</source>\n");
    }
    return find_sources(ctl, type, spec ? spec->str : NULL, err);
}

/* --- pool-event --- */

/* The event names of --event and --list, in libvirt's event id order. */
static const char *const event_names[] = {"lifecycle", "refresh", NULL};

/* virsh's words for the lifecycle events, by VstorStoragePoolEventType. */
static const char *const lifecycle_names[] = {"Defined", "Undefined", "Started",
                                              "Stopped", "Created",   "Deleted"};

typedef struct {
    GMutex lock;
    GMainLoop *loop;
    gboolean refresh; /* waiting for refresh events, else lifecycle ones */
    gboolean keep_going; /* --loop */
    gboolean timestamp;
    gboolean timed_out, interrupted;
    int count;
} EventWait;

/* virsh's raw timestamp: "2024-01-31 12:34:56.789+0000", always UTC. */
static char *
timestamp_now(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *base = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");

    return g_strdup_printf("%s.%03d+0000", base, g_date_time_get_microsecond(now) / 1000);
}

static gboolean
on_done(gpointer p)
{
    g_main_loop_quit(((EventWait *)p)->loop);
    return G_SOURCE_REMOVE;
}

static void
on_event(VstorConnect *conn, VstorStoragePool *pool, VstorStoragePoolEventType event, gpointer p)
{
    EventWait *w = p;
    g_autofree char *line = NULL;
    g_autofree char *stamp = NULL;

    if ((event == VSTOR_STORAGE_POOL_EVENT_REFRESH) != w->refresh)
        return;
    g_mutex_lock(&w->lock);
    if (w->keep_going || !w->count) {
        if (w->refresh)
            line = g_strdup_printf("event 'refresh' for storage pool %s",
                                   vstor_storage_pool_get_name(pool));
        else
            line = g_strdup_printf(
                "event 'lifecycle' for storage pool %s: %s", vstor_storage_pool_get_name(pool),
                (guint)event < G_N_ELEMENTS(lifecycle_names) ? lifecycle_names[event] : "unknown");
        if (w->timestamp)
            stamp = timestamp_now();
        printf("%s%s%s\n", stamp ? stamp : "", stamp ? ": " : "", line);
        fflush(stdout);
        w->count++;
        /* Through the loop's context, so that an event before the loop runs still ends it. */
        if (!w->keep_going)
            g_idle_add(on_done, w);
    }
    g_mutex_unlock(&w->lock);
}

static gboolean
on_timeout(gpointer p)
{
    EventWait *w = p;

    w->timed_out = TRUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

static gboolean
on_interrupt(gpointer p)
{
    EventWait *w = p;

    w->interrupted = TRUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

/* The --timeout value in seconds (0: none), with virsh's range check. */
static int
event_timeout(const CliCmd *cmd, guint *ret_seconds, GError **err)
{
    guint64 v = 0;

    if (!cli_opt_given(cmd, "timeout"))
        return 0;
    if (cli_opt_ull(cmd, "timeout", FALSE, &v, err) < 0)
        return -1;
    if (v == 0 || v > INT_MAX / 1000) {
        cli_set_error(err,
                      "Numeric value '%" G_GUINT64_FORMAT
                      "' for <timeout> option is malformed or out of range",
                      v);
        return -1;
    }
    *ret_seconds = (guint)v;
    return 0;
}

static gboolean
cmd_pool_event(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    EventWait w = {0};
    const char *name;
    guint timeout = 0;
    VstorConnect *conn;
    int id, which;

    if (cli_opt_given(cmd, "list")) {
        for (const char *const *n = event_names; *n; n++)
            printf("%s\n", *n);
        return TRUE;
    }
    if (cli_opt_string(cmd, "event", &name, err) < 0)
        return FALSE;
    if (!name) {
        cli_set_error(err, "either --list or --event <type> is required");
        return FALSE;
    }
    for (which = 0; event_names[which] && !g_str_equal(event_names[which], name); which++)
        ;
    if (!event_names[which]) {
        cli_set_error(err, "unknown event type %s", name);
        return FALSE;
    }
    if (event_timeout(cmd, &timeout, err) < 0)
        return FALSE;
    if (cli_opt_given(cmd, "pool") &&
        !(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!(conn = cli_conn(ctl, err)))
        return FALSE;

    g_mutex_init(&w.lock);
    w.loop = g_main_loop_new(NULL, FALSE);
    w.refresh = which == 1;
    w.keep_going = cli_opt_given(cmd, "loop");
    w.timestamp = cli_opt_given(cmd, "timestamp");
    if ((id = vstor_connect_storage_pool_event_register(conn, pool, on_event, &w, NULL, &lib)) <
        0) {
        cli_set_lib_error(err, lib, NULL);
        g_main_loop_unref(w.loop);
        g_mutex_clear(&w.lock);
        return FALSE;
    }
    if (timeout)
        g_timeout_add_seconds(timeout, on_timeout, &w);
    g_unix_signal_add(SIGINT, on_interrupt, &w);
    g_main_loop_run(w.loop);
    vstor_connect_storage_pool_event_deregister(conn, id, NULL);
    while (g_source_remove_by_user_data(&w))
        ;
    g_main_loop_unref(w.loop);
    g_mutex_clear(&w.lock);

    if (w.interrupted)
        printf("event loop interrupted\n");
    else if (w.timed_out)
        printf("event loop timed out\n");
    printf("events received: %d\n", w.count);
    return w.count > 0;
}

static const CliOptDef caps_opts[] = {
    {"json", CLI_OPT_BOOL, 0,
     "print a JSON array with one object per pool type: type, supported (boolean), "
     "pool_options and vol_options ({default_format, formats} or null)"},
    {NULL},
};

static const CliOptDef find_sources_opts[] = {
    {"type", CLI_OPT_DATA, CLI_OPT_REQUIRED, "type of storage pool sources to discover"},
    {"srcSpec", CLI_OPT_STRING, 0, "optional file of source xml to query for pools"},
    {NULL},
};

static const CliOptDef find_sources_as_opts[] = {
    {"type", CLI_OPT_DATA, CLI_OPT_REQUIRED, "type of storage pool sources to find"},
    {"host", CLI_OPT_STRING, 0, "optional host to query"},
    {"port", CLI_OPT_STRING, 0, "optional port to query"},
    {"initiator", CLI_OPT_STRING, 0, "optional initiator IQN to use for query"},
    {NULL},
};

static const CliOptDef pool_event_opts[] = {
    {"pool", CLI_OPT_STRING, 0, "filter by storage pool name or uuid"},
    {"event", CLI_OPT_STRING, 0, "which event type to wait for"},
    {"loop", CLI_OPT_BOOL, 0, "loop until timeout or interrupt, rather than one-shot"},
    {"timeout", CLI_OPT_INT, 0, "timeout seconds"},
    {"list", CLI_OPT_BOOL, 0, "list valid event types"},
    {"timestamp", CLI_OPT_BOOL, 0, "show timestamp for each printed event"},
    {NULL},
};

const CliCmdDef cli_cmd_pool_capabilities = {"pool-capabilities", "storage pool capabilities",
                                             "Returns capabilities of storage pool support.",
                                             caps_opts, cmd_pool_capabilities};

const CliCmdDef cli_cmd_find_sources = {
    "find-storage-pool-sources", "discover potential storage pool sources",
    "Returns XML <sources> document.", find_sources_opts, cmd_find_sources};

const CliCmdDef cli_cmd_find_sources_as = {
    "find-storage-pool-sources-as", "find potential storage pool sources",
    "Returns XML <sources> document.", find_sources_as_opts, cmd_find_sources_as};

const CliCmdDef cli_cmd_pool_event = {"pool-event", "Storage Pool Events",
                                      "List event types, or wait for storage pool events to occur",
                                      pool_event_opts, cmd_pool_event};
