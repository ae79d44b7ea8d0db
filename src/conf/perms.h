/* perms.h: the <permissions> element (mode, owner, group, label) shared by pool targets,
 * volume targets and backing stores. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "util/xml.h"

/* Unset fields are (mode_t)-1, (uid_t)-1, (gid_t)-1 and NULL, as in libvirt. */
typedef struct {
    mode_t mode;
    uid_t uid;
    gid_t gid;
    char *label;
} VstorPerms;

#define VSTOR_PERMS_UNSET_MODE ((mode_t)-1)
#define VSTOR_PERMS_UNSET_ID ((uid_t)-1)

void vstor_perms_init(VstorPerms *perms);
void vstor_perms_clear(VstorPerms *perms);
void vstor_perms_copy(VstorPerms *dst, const VstorPerms *src);
/* True when any field is set (so the element is worth formatting). */
gboolean vstor_perms_is_set(const VstorPerms *perms);

/* Fills @perms from the element @xpath selects under ctxt->node (all unset if absent).
 * Fails with VSTOR_ERR_XML_ERROR on a mode that is not octal within 0777 or an owner/group
 * that is not a number in uid_t range (or -1). @perms is left unset on failure. */
int vstor_perms_parse(xmlXPathContext *ctxt, const char *xpath, VstorPerms *perms, GError **err);

/* Writes <permissions>…</permissions> when anything is set. */
void vstor_perms_format(VstorXmlWriter *w, const VstorPerms *perms);
