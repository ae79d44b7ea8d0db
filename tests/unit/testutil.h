/* testutil.h: what the unit tests share — files, the libvirt corpus location, RELAX NG
 * validation against libvirt's schemas, and golden-file comparison. */
#pragma once

#include <glib.h>

/* The libvirt 9.0.0 source tree (VSTOR_LIBVIRT_SRC), or NULL after marking the test
 * skipped when it is not set. `make check` always sets it. */
const char *test_libvirt_src(void);

/* The project's source root (VSTOR_SOURCE_ROOT, set by meson). */
const char *test_source_root(void);

/* Reads a whole file; aborts the test when it cannot. */
char *test_read_file(const char *path);

/* Names (without ".xml") of the *.xml files in @dir, sorted. */
GPtrArray *test_list_xml(const char *dir);

/* Validates @xml against libvirt's schema @rng_name (e.g. "storagepool.rng") from the
 * corpus tree. Returns TRUE when valid; otherwise FALSE and *ret_msg says why. */
gboolean test_validate_schema(const char *xml, const char *rng_name, char **ret_msg);

/* Compares @actual with the file @expected_path; with VSTOR_TEST_REGENERATE=1 in the
 * environment, rewrites the file instead (for the project's own golden pairs only).
 * On mismatch prints a diff-like message and fails the test. */
void test_compare_to_file(const char *actual, const char *expected_path);

/* Removes @path and everything below it; links are removed, never followed. */
void test_rm_rf(const char *path);
