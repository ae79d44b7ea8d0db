/* driver-fixture.h: what the driver tests share — a driver on a temporary state root, a
 * dir pool helper and an assertion for libvirt-style errors. */
#pragma once

#include <string.h>

#include "storage/driver.h"
#include "testutil.h"
#include "util/error.h"

typedef struct {
    char *tmp; /* scratch directory */
    char *root; /* state root */
    char *pooldir; /* target of the test pool */
    VstorDriver *drv;
} Fixture;

char *pool_xml(const char *name, const char *path);
void fixture_setup(Fixture *f, gconstpointer data);
void fixture_teardown(Fixture *f, gconstpointer data);
/* Closes and reopens the driver on the same root, as a restart would. */
void reopen(Fixture *f);
/* Forgets that autostart already ran, as a reboot (which empties <run>) would. */
void forget_autostart(Fixture *f);
/* Defines, builds and starts the dir pool "p1" and fills @id. */
void make_active_pool(Fixture *f, VstorPoolId *id);
/* How many of @path's pages are in the page cache, of *@total (asserts it can tell). */
gsize resident_pages(const char *path, gsize *total);
/* Downloads @length bytes of @vol from @offset (0: to its end) in sparse mode; returns the
 * bytes, holes as zeros, and counts the holes' bytes into *ret_holes. */
GByteArray *download_all(VstorDriver *drv, const VstorVolId *vol, guint64 offset, guint64 length,
                         guint64 *ret_holes);

/* Asserts that @call (which may use err_ as its GError **) fails with @code and a message
 * containing @fragment. */
#define ASSERT_FAILS(call, code, fragment)                                                         \
    do {                                                                                           \
        g_autoptr(GError) e_ = NULL;                                                               \
        GError **err_ = &e_;                                                                       \
        (void)err_;                                                                                \
        g_assert_cmpint((call), <, 0);                                                             \
        g_assert_error(e_, VSTOR_ERROR, (code));                                                   \
        if (!strstr(e_->message, (fragment)))                                                      \
            g_error("message '%s' lacks '%s'", e_->message, (fragment));                           \
    } while (0)
