/* json.h: a small indented JSON writer for the CLI, and the --json forms of pool and volume
 * definitions and of the pool capabilities (the shapes are documented in docs/man). */
#pragma once

#include <glib.h>

#define CLI_JSON_MAX_DEPTH 16

typedef struct CliJson CliJson;

CliJson *cli_json_new(void);
void cli_json_free(CliJson *j); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliJson, cli_json_free)

/* Members: @key is the member name inside an object, NULL for an array element or the top
 * value. Strings are escaped; a NULL string is written as null. */
void cli_json_object(CliJson *j, const char *key);
void cli_json_object_end(CliJson *j);
void cli_json_array(CliJson *j, const char *key);
void cli_json_array_end(CliJson *j);
void cli_json_str(CliJson *j, const char *key, const char *value);
void cli_json_uint(CliJson *j, const char *key, guint64 value);
void cli_json_int(CliJson *j, const char *key, gint64 value);
void cli_json_bool(CliJson *j, const char *key, gboolean value);
void cli_json_null(CliJson *j, const char *key);

/* The document, ending in a newline; NULL (a programmer error) while a level is open. The
 * writer is spent afterwards: free it. */
char *cli_json_finish(CliJson *j);

/* dump-json.c: definitions (the XML the library returns, parsed by conf/) as JSON. Each
 * fails with the parser's error when the XML does not parse. */
char *cli_pool_xml_to_json(const char *xml, GError **err);
/* @pool_type_xml is the XML of the volume's pool, whose type names the volume's format. */
char *cli_vol_xml_to_json(const char *xml, const char *pool_xml, GError **err);
char *cli_pool_caps_xml_to_json(const char *xml, GError **err);
