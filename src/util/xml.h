/* xml.h: safe libxml2 parsing, XPath look-ups that return GLib strings, and an XML writer
 * that indents and escapes text the way libvirt's formatted XML does. */
#pragma once

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)

/* Largest document vstor parses: definitions are small; anything bigger is an attack. */
#define VSTOR_XML_MAX_SIZE (1024 * 1024)

/* Parses @text into a document whose root element is @root_name (NULL: any root).
 * @docname names the document in error messages, e.g. "(storage_pool_definition)".
 * Refuses DOCTYPE declarations (so no entity is ever expanded or fetched), never uses
 * the network, and fails with VSTOR_ERR_XML_DETAIL (syntax, with line and a pointer) or
 * VSTOR_ERR_XML_ERROR (wrong root, DTD, size). */
xmlDoc *vstor_xml_parse(const char *text, const char *docname, const char *root_name, GError **err);

/* Returns an XPath context positioned at @node (the root element when NULL). */
xmlXPathContext *vstor_xml_context_new(xmlDoc *doc, xmlNode *node);

/* The string value of @xpath evaluated at ctxt->node, or NULL when it is empty. */
char *vstor_xml_string(xmlXPathContext *ctxt, const char *xpath);

/* The nodes @xpath selects; *ret_nodes (may be NULL) gets a g_new array the caller frees.
 * Returns their number (0 when none). */
guint vstor_xml_nodes(xmlXPathContext *ctxt, const char *xpath, xmlNode ***ret_nodes);

/* The first node @xpath selects, or NULL. */
xmlNode *vstor_xml_node(xmlXPathContext *ctxt, const char *xpath);

/* A copy of attribute @name of @node, or NULL when absent. */
char *vstor_xml_prop(xmlNode *node, const char *name);

/* A copy of the text content of @node, or NULL when @node is NULL. */
char *vstor_xml_content(xmlNode *node);

/* True when the element @node is called @name (and is an element). */
gboolean vstor_xml_is(const xmlNode *node, const char *name);

/* Formatted XML output: two spaces of indentation per level, like libvirt. */
typedef struct {
    GString *str;
    int indent;
} VstorXmlWriter;

void vstor_xml_writer_init(VstorXmlWriter *w);
/* Returns the text written so far and resets the writer. */
char *vstor_xml_writer_finish(VstorXmlWriter *w);
void vstor_xml_writer_clear(VstorXmlWriter *w);
/* Appends indentation, then the printf-formatted text (no escaping: use for markup). */
void vstor_xml_writer_addf(VstorXmlWriter *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Appends @str with the five XML specials escaped and control characters dropped,
 * without indentation. */
void vstor_xml_writer_escape(VstorXmlWriter *w, const char *str);
/* Appends indentation, then @fmt where its single %s is @str escaped. Nothing if !str. */
void vstor_xml_writer_escapef(VstorXmlWriter *w, const char *fmt, const char *str);
void vstor_xml_writer_push(VstorXmlWriter *w);
void vstor_xml_writer_pop(VstorXmlWriter *w);

/* Escapes @str as vstor_xml_writer_escape does, into a new string. */
char *vstor_xml_escape(const char *str);
