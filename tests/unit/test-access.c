/* test-access.c: per-pool access rules — [pool:NAME] sections read through vstord's config
 * loader (errors naming file, line, section and key) and the levels they grant to identities. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "daemon/config.h"

/* Ids no system account has, so rules name them numerically. */
#define ALICE 60001
#define BOB 60002
#define CAROL 60003
#define ADMINS 60010
#define USERS 60011

/* Loads @text as a config file; returns the config or NULL with @err set. */
static VstorDaemonConfig *
load_text(const char *text, char **ret_path, GError **err)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("vstord-XXXXXX.conf", &path, NULL);
    VstorDaemonConfig *cfg;

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    cfg = vstor_daemon_config_load(path, FALSE, NULL, err);
    g_unlink(path);
    if (ret_path)
        *ret_path = g_steal_pointer(&path);
    return cfg;
}

static VstorDaemonConfig *
load_ok(const char *text)
{
    g_autoptr(GError) err = NULL;
    VstorDaemonConfig *cfg = load_text(text, NULL, &err);

    g_assert_no_error(err);
    g_assert_nonnull(cfg);
    return cfg;
}

static void
who(VstorIdentity *id, uid_t uid, gid_t gid, gid_t extra)
{
    vstor_identity_set(id, uid, gid, extra ? &extra : NULL, extra ? 1 : 0);
}

static void
test_no_rules(void)
{
    g_autoptr(VstorDaemonConfig) cfg = load_ok("[vstord]\nmax_clients = 10\n");
    VstorIdentity alice = {0};

    who(&alice, ALICE, ALICE, 0);
    g_assert_cmpuint(vstor_access_rules_count(cfg->access), ==, 0);
    /* Without rules everyone may do what the socket allows. */
    g_assert_true(vstor_access_unrestricted(cfg->access, &alice));
    g_assert_cmpint(vstor_access_level(cfg->access, &alice, "any"), ==, VSTOR_ACCESS_MANAGE);
    g_assert_true(vstor_access_manages_any(cfg->access, &alice));
    vstor_identity_clear(&alice);
}

static const char RULES[] =
    "[vstord]\n"
    "log_level = 2\n"
    "\n"
    "[pool:p1]\n"
    "manage = user:" G_STRINGIFY(
        ALICE) "\n"
               "use = user:" G_STRINGIFY(
                   BOB) "\n"
                        "\n"
                        "[pool:p2]\n"
                        "see = \"user:" G_STRINGIFY(
                            BOB) "\"\n"
                                 "\n"
                                 "[pool:vm-*]\n"
                                 "see = *\n"
                                 "use = group:" G_STRINGIFY(USERS) ", user:" G_STRINGIFY(
                                     CAROL) "\n"
                                            "manage = group:" G_STRINGIFY(
                                                ADMINS) "\n"
                                                        "\n"
                                                        "[pool:vm-secret]\n"
                                                        "manage = user:" G_STRINGIFY(BOB) "\n";

static void
test_levels(void)
{
    g_autoptr(VstorDaemonConfig) cfg = load_ok(RULES);
    VstorIdentity alice = {0}, bob = {0}, carol = {0}, admin = {0}, user = {0}, root = {0},
                  nobody = {0};
    const VstorAccessRules *r = cfg->access;

    g_assert_cmpuint(vstor_access_rules_count(r), ==, 4);
    who(&alice, ALICE, ALICE, 0);
    who(&bob, BOB, BOB, 0);
    who(&carol, CAROL, CAROL, 0);
    who(&admin, 60020, 60020, ADMINS); /* a supplementary group */
    who(&user, 60021, USERS, 0); /* the primary group */
    who(&root, 0, 0, 0);

    g_assert_false(vstor_access_unrestricted(r, &alice));
    g_assert_true(vstor_access_unrestricted(r, &root));
    g_assert_cmpint(vstor_access_level(r, &root, "anything"), ==, VSTOR_ACCESS_MANAGE);

    g_assert_cmpint(vstor_access_level(r, &alice, "p1"), ==, VSTOR_ACCESS_MANAGE);
    g_assert_cmpint(vstor_access_level(r, &alice, "p2"), ==, VSTOR_ACCESS_NONE);
    g_assert_cmpint(vstor_access_level(r, &bob, "p1"), ==, VSTOR_ACCESS_USE);
    g_assert_cmpint(vstor_access_level(r, &bob, "p2"), ==, VSTOR_ACCESS_SEE);
    /* Names are matched whole: p1 is not p10. */
    g_assert_cmpint(vstor_access_level(r, &alice, "p10"), ==, VSTOR_ACCESS_NONE);
    /* A pool no section matches is invisible. */
    g_assert_cmpint(vstor_access_level(r, &bob, "other"), ==, VSTOR_ACCESS_NONE);

    /* Globs, '*' and groups (primary and supplementary). */
    g_assert_cmpint(vstor_access_level(r, &alice, "vm-a"), ==, VSTOR_ACCESS_SEE);
    g_assert_cmpint(vstor_access_level(r, &carol, "vm-a"), ==, VSTOR_ACCESS_USE);
    g_assert_cmpint(vstor_access_level(r, &user, "vm-a"), ==, VSTOR_ACCESS_USE);
    g_assert_cmpint(vstor_access_level(r, &admin, "vm-a"), ==, VSTOR_ACCESS_MANAGE);
    g_assert_cmpint(vstor_access_level(r, &admin, "vm"), ==, VSTOR_ACCESS_NONE);

    /* Every matching section counts (union): vm-* grants see, vm-secret manage. */
    g_assert_cmpint(vstor_access_level(r, &bob, "vm-secret"), ==, VSTOR_ACCESS_MANAGE);
    g_assert_cmpint(vstor_access_level(r, &admin, "vm-secret"), ==, VSTOR_ACCESS_MANAGE);
    g_assert_cmpint(vstor_access_level(r, &carol, "vm-secret"), ==, VSTOR_ACCESS_USE);

    /* Managing some pool is the bar for what belongs to none. */
    g_assert_true(vstor_access_manages_any(r, &alice));
    g_assert_true(vstor_access_manages_any(r, &admin));
    g_assert_true(vstor_access_manages_any(r, &bob));
    g_assert_false(vstor_access_manages_any(r, &carol));
    g_assert_false(vstor_access_manages_any(r, &user));

    /* Credentials that could not be read grant nothing, not even what '*' grants. */
    g_assert_cmpint(vstor_access_level(r, &nobody, "vm-a"), ==, VSTOR_ACCESS_NONE);
    g_assert_false(vstor_access_manages_any(r, &nobody));
    g_assert_false(vstor_access_unrestricted(r, &nobody));

    VstorIdentity *all[] = {&alice, &bob, &carol, &admin, &user, &root, &nobody};
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++)
        vstor_identity_clear(all[i]);
    vstor_identity_clear(NULL);
}

static void
test_names_and_separators(void)
{
    /* Names of this system, numeric ids, and commas, spaces or semicolons between them. */
    g_autoptr(VstorDaemonConfig) cfg =
        load_ok("[pool:*]\nsee = user:root;group:root  user:" G_STRINGIFY(ALICE) ",,\n"
                                                                                 "use =\n");
    VstorIdentity alice = {0}, bob = {0};

    who(&alice, ALICE, ALICE, 0);
    who(&bob, BOB, BOB, 0);
    g_assert_cmpint(vstor_access_level(cfg->access, &alice, "x"), ==, VSTOR_ACCESS_SEE);
    g_assert_cmpint(vstor_access_level(cfg->access, &bob, "x"), ==, VSTOR_ACCESS_NONE);
    vstor_identity_clear(&alice);
    vstor_identity_clear(&bob);
}

static void
test_section_without_keys_hides_everything(void)
{
    g_autoptr(VstorDaemonConfig) cfg = load_ok("[pool:nothing]\n");
    VstorIdentity alice = {0};

    who(&alice, ALICE, ALICE, 0);
    g_assert_cmpuint(vstor_access_rules_count(cfg->access), ==, 1);
    g_assert_false(vstor_access_unrestricted(cfg->access, &alice));
    g_assert_cmpint(vstor_access_level(cfg->access, &alice, "nothing"), ==, VSTOR_ACCESS_NONE);
    vstor_identity_clear(&alice);
}

static void
test_equal(void)
{
    g_autoptr(VstorDaemonConfig) a = load_ok(RULES);
    g_autoptr(VstorDaemonConfig) b = load_ok(RULES);
    g_autoptr(VstorDaemonConfig) c = load_ok("[pool:p1]\nmanage = user:" G_STRINGIFY(BOB) "\n");
    g_autoptr(VstorDaemonConfig) d = load_ok("[pool:p1]\nuse = user:" G_STRINGIFY(BOB) "\n");
    g_autoptr(VstorDaemonConfig) none = load_ok("[vstord]\n");

    g_assert_true(vstor_access_rules_equal(a->access, b->access));
    g_assert_false(vstor_access_rules_equal(a->access, none->access));
    g_assert_false(vstor_access_rules_equal(c->access, d->access));
    g_assert_true(vstor_access_rules_equal(none->access, none->access));
}

typedef struct {
    const char *text;
    const char *where; /* ":LINE: [GROUP] KEY:" after the file name */
    const char *what;
} BadCase;

static void
test_bad(void)
{
    static const BadCase cases[] = {
        {"[pool:p1]\nsee = alice\n",
         ":2: [pool:p1] see:", "'alice' is not a principal (use user:NAME, group:NAME or *)"},
        {"[pool:p1]\nsee = user:\n", ":2: [pool:p1] see:", "'user:' is not a principal"},
        {"[pool:p1]\nuse = role:admin\n", ":2: [pool:p1] use:", "'role:admin' is not a principal"},
        {"[vstord]\nlog_level = 2\n[pool:p1]\nsee = *\n[pool:p2]\nmanage = user:no-such-user-zz\n",
         ":6: [pool:p2] manage:", "no user named 'no-such-user-zz' on this system"},
        {"[pool:p1]\nsee = group:no-such-group-zz\n",
         ":2: [pool:p1] see:", "no group named 'no-such-group-zz' on this system"},
        {"[pool:p1]\nsee = *\nadmin = user:root\n",
         ":3: [pool:p1] admin:", "not an access level (use see, use or manage)"},
        {"[pool:p1]\nSee = *\n", ":2: [pool:p1] See:", "not an access level"},
        {"[vstord]\n[pool:]\nsee = *\n", ":2: [pool:]:", "a rules section names its pools"},
        {"[pool]\nsee = *\n", ":1: [pool]:", "[pool:NAME]"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *path = NULL;
        g_autofree char *where = NULL;
        g_autoptr(VstorDaemonConfig) cfg = load_text(cases[i].text, &path, &err);

        g_test_message("case %zu: %s", i, cases[i].text);
        g_assert_null(cfg);
        g_assert_error(err, G_KEY_FILE_ERROR, err->code);
        where = g_strconcat(path, cases[i].where, NULL);
        if (!strstr(err->message, where) || !strstr(err->message, cases[i].what))
            g_error("case %zu: got \"%s\", want \"%s ... %s\"", i, err->message, where,
                    cases[i].what);
    }
}

static void
test_identity_from_socket(void)
{
    int sv[2];
    VstorIdentity id = {0};
    g_autoptr(GError) err = NULL;
    gboolean has_gid = FALSE;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    g_assert_cmpint(vstor_identity_from_socket(sv[0], &id, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_true(id.known);
    g_assert_cmpuint(id.uid, ==, geteuid());
    g_assert_cmpuint(id.gid, ==, getegid());
    g_assert_cmpint(id.pid, ==, getpid());
    for (guint i = 0; i < id.n_groups; i++)
        has_gid |= id.groups[i] == getegid();
    g_assert_true(has_gid);
    vstor_identity_clear(&id);
    g_assert_false(id.known);
    close(sv[0]);
    close(sv[1]);

    /* Not a socket: the error says why, and the identity stays unknown. */
    g_assert_cmpint(vstor_identity_from_socket(-1, &id, &err), ==, -1);
    g_assert_nonnull(err);
    g_assert_true(strstr(err->message, "cannot read the peer's credentials") != NULL);
    g_assert_false(id.known);
}

static void
test_level_names(void)
{
    g_assert_cmpstr(vstor_access_level_name(VSTOR_ACCESS_NONE), ==, "none");
    g_assert_cmpstr(vstor_access_level_name(VSTOR_ACCESS_SEE), ==, "see");
    g_assert_cmpstr(vstor_access_level_name(VSTOR_ACCESS_USE), ==, "use");
    g_assert_cmpstr(vstor_access_level_name(VSTOR_ACCESS_MANAGE), ==, "manage");
    g_assert_true(vstor_access_is_rules_group("pool:x"));
    g_assert_true(vstor_access_is_rules_group("pool"));
    g_assert_false(vstor_access_is_rules_group("vstord"));
    g_assert_false(vstor_access_is_rules_group("pools:x"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/access/no-rules", test_no_rules);
    g_test_add_func("/access/levels", test_levels);
    g_test_add_func("/access/names-and-separators", test_names_and_separators);
    g_test_add_func("/access/section-without-keys", test_section_without_keys_hides_everything);
    g_test_add_func("/access/equal", test_equal);
    g_test_add_func("/access/bad", test_bad);
    g_test_add_func("/access/identity-from-socket", test_identity_from_socket);
    g_test_add_func("/access/level-names", test_level_names);
    return g_test_run();
}
