/* test-api-fixture.h: the public API tests' fixture — a connection that is embedded or remote
 * (a real vstord started on a temporary --root), with restart and read-only variants. */
#pragma once

#include "vstor/vstor.h"

typedef struct {
    char *tmp; /* removed at teardown */
    char *root; /* the state root */
    char *pooldir; /* a directory for a dir pool */
    char *uri; /* what conn was opened with */
    gboolean remote;
    GPid daemon; /* remote: the vstord process */
    VstorConnect *conn;
} ApiFixture;

/* The modes the tests run in, passed as the test data. */
#define API_EMBEDDED "embedded"
#define API_REMOTE "remote"

/* @data is API_EMBEDDED or API_REMOTE. Remote starts $VSTOR_VSTORD (meson sets it). */
void api_fixture_setup(ApiFixture *f, gconstpointer data);
void api_fixture_teardown(ApiFixture *f, gconstpointer data);
/* Closes the connection and opens it again; remote also restarts vstord. */
void api_fixture_restart(ApiFixture *f);
/* A second connection to the same place, read-only. Embedded roots have one owner, so there
 * it replaces f->conn, which is NULL afterwards. */
VstorConnect *api_fixture_open_readonly(ApiFixture *f);
/* Remote: stops vstord (SIGTERM) and waits for it. */
void api_fixture_stop_daemon(ApiFixture *f);
/* Registers "/api/<mode>/@name" for both modes. */
void api_test_add(const char *name, void (*func)(ApiFixture *, gconstpointer));
