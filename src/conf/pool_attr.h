/* pool_attr.h: low-level readers for pool XML — typed attributes that accept, reject and word
 * errors exactly as libvirt's property helpers do, and libvirt's clean-up of paths. */
#pragma once

#include <glib.h>

#include "util/xml.h"

/* An optional yes/no (or on/off) attribute; ABSENT when not given. */
typedef enum {
    VSTOR_POOL_TRISTATE_ABSENT,
    VSTOR_POOL_TRISTATE_YES,
    VSTOR_POOL_TRISTATE_NO,
} VstorPoolTristate;

/* "yes"/"no" names indexed by VstorPoolTristate (index 0 is never accepted). */
extern const char *const vstor_pool_yes_no_names[];
/* "on"/"off" names, same indexing. */
extern const char *const vstor_pool_on_off_names[];

/* Attribute @name of @node in any namespace, "" when present but empty, NULL when absent. */
char *vstor_pool_attr(xmlNode *node, const char *name);

/* Reads attribute @name of @node as an entry of the NULL-terminated @table. Returns 1 and
 * sets *ret_value when present, 0 when absent (or @node is NULL) and -1 with
 * VSTOR_ERR_XML_ERROR when it is missing but @required, not in @table, or is entry 0 while
 * @nonzero. */
int vstor_pool_attr_enum(xmlNode *node, const char *name, const char *const *table,
                         gboolean required, gboolean nonzero, int *ret_value, GError **err);

/* An optional tristate attribute named by @names (vstor_pool_yes_no_names ...). *ret_value
 * is ABSENT when the attribute is; fails like vstor_pool_attr_enum. */
int vstor_pool_attr_tristate(xmlNode *node, const char *name, const char *const *names,
                             VstorPoolTristate *ret_value, GError **err);

/* An optional int attribute in @base (0: C prefixes). *ret_value is 0 when absent; returns
 * 1/0/-1 like vstor_pool_attr_enum, failing with VSTOR_ERR_XML_ERROR on a malformed value. */
int vstor_pool_attr_int(xmlNode *node, const char *name, int base, int *ret_value, GError **err);

/* An optional unsigned int attribute in @base, refusing any minus sign; as above. */
int vstor_pool_attr_uint(xmlNode *node, const char *name, int base, unsigned int *ret_value,
                         GError **err);

/* Parses all of @str as an int in @base as strtol does (blanks and a sign allowed in front).
 * FALSE, leaving *ret_value alone, when it is not one or does not fit. */
gboolean vstor_pool_str_to_int(const char *str, int base, int *ret_value);

/* @path with runs of '/' collapsed and a trailing '/' dropped, keeping a leading "//" and
 * leaving URIs ("gluster://h/v") alone: how libvirt normalises pool paths. */
char *vstor_pool_sanitize_path(const char *path);
