/* uuid.h: UUIDs as 16 raw bytes, parsed as liberally as libvirt does and formatted
 * canonically (lower-case, 8-4-4-4-12). */
#pragma once

#include <glib.h>

#define VSTOR_UUID_LEN 16
#define VSTOR_UUID_STRING_LEN 37

/* Parses 32 hex digits, with '-' or ' ' allowed between digit pairs and blanks around
 * them. Returns FALSE (ret_uuid untouched) when @str is not such a UUID. */
gboolean vstor_uuid_parse(const char *str, guint8 ret_uuid[VSTOR_UUID_LEN]);

/* Writes the canonical text form of @uuid into @ret_str. */
void vstor_uuid_format(const guint8 uuid[VSTOR_UUID_LEN], char ret_str[VSTOR_UUID_STRING_LEN]);

/* Fills @ret_uuid with a new random (version 4) UUID. */
void vstor_uuid_generate(guint8 ret_uuid[VSTOR_UUID_LEN]);
