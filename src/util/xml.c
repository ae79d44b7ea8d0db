/* xml.c: hardened libxml2 parsing with libvirt-style syntax error messages, XPath helpers
 * and the indenting writer used by every formatter in conf/. */
#include "util/xml.h"

#include <string.h>
#include <libxml/xpathInternals.h>

#include "util/error.h"

typedef struct {
    GError *error;
} ParseState;

/* Reports the first fatal syntax error with the offending line and a pointer under it. */
static void
parse_error_cb(void *ctx, const char *msg G_GNUC_UNUSED, ...)
{
    xmlParserCtxt *pctxt = ctx;
    ParseState *state;
    const xmlChar *cur, *base;
    g_autoptr(GString) line = g_string_new(NULL);
    g_autoptr(GString) pointer = g_string_new(NULL);
    const xmlError *e;

    if (!pctxt || !pctxt->_private || !pctxt->input)
        return;
    state = pctxt->_private;
    e = &pctxt->lastError;
    if (state->error || e->level != XML_ERR_FATAL || !e->message)
        return;

    cur = pctxt->input->cur;
    base = pctxt->input->base;
    while (cur > base && (*cur == '\n' || *cur == '\r'))
        cur--;
    while (cur > base && *cur != '\n' && *cur != '\r')
        cur--;
    if (*cur == '\n' || *cur == '\r')
        cur++;
    size_t col = pctxt->input->cur - cur;
    while (*cur && *cur != '\n' && *cur != '\r')
        g_string_append_c(line, *cur++);
    for (size_t n = 0; n < col && n < line->len; n++)
        g_string_append_c(pointer, line->str[n] == '\t' ? '\t' : '-');
    g_string_append_c(pointer, '^');

    vstor_error_set(&state->error, VSTOR_ERR_XML_DETAIL, "%s:%d: %s%s\n%s",
                    e->file ? e->file : "(document)", e->line, e->message, line->str, pointer->str);
}

static void
parse_warning_cb(void *ctx G_GNUC_UNUSED, const char *msg G_GNUC_UNUSED, ...)
{
}

xmlDoc *
vstor_xml_parse(const char *text, const char *docname, const char *root_name, GError **err)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlParserCtxt *pctxt;
    ParseState state = {NULL};
    xmlNode *root;
    size_t len;

    g_return_val_if_fail(text != NULL, NULL);
    if (!docname)
        docname = "(document)";

    len = strlen(text);
    if (len > VSTOR_XML_MAX_SIZE) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "document %s is larger than %d bytes", docname,
                        VSTOR_XML_MAX_SIZE);
        return NULL;
    }
    /* A DOCTYPE is the only way in for entity declarations and external subsets: refuse it
     * before libxml2 sees it, so nothing is expanded and nothing is fetched. */
    if (strstr(text, "<!DOCTYPE") || strstr(text, "<!ENTITY")) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "document %s has a DOCTYPE or ENTITY declaration; vstor does not "
                        "accept DTDs or entities, remove them",
                        docname);
        return NULL;
    }

    pctxt = xmlNewParserCtxt();
    if (!pctxt || !pctxt->sax) {
        if (pctxt)
            xmlFreeParserCtxt(pctxt);
        vstor_error_set(err, VSTOR_ERR_NO_MEMORY, "cannot allocate an XML parser");
        return NULL;
    }
    pctxt->_private = &state;
    pctxt->sax->error = parse_error_cb;
    pctxt->sax->warning = parse_warning_cb;
    pctxt->sax->serror = NULL;

    doc = xmlCtxtReadMemory(pctxt, text, (int)len, docname, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    xmlFreeParserCtxt(pctxt);

    if (!doc || state.error) {
        if (state.error)
            g_propagate_error(err, state.error);
        else
            vstor_error_set(err, VSTOR_ERR_XML_ERROR, "failed to parse xml document '%s'", docname);
        return NULL;
    }
    if (doc->intSubset || doc->extSubset) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "document %s has a DTD; remove it", docname);
        return NULL;
    }
    root = xmlDocGetRootElement(doc);
    if (!root) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing root element");
        return NULL;
    }
    if (root_name && !vstor_xml_is(root, root_name)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "expecting root element of '%s', not '%s'",
                        root_name, (const char *)root->name);
        return NULL;
    }
    return g_steal_pointer(&doc);
}

xmlXPathContext *
vstor_xml_context_new(xmlDoc *doc, xmlNode *node)
{
    xmlXPathContext *ctxt = xmlXPathNewContext(doc);

    if (!ctxt)
        g_error("out of memory creating an XPath context");
    ctxt->node = node ? node : xmlDocGetRootElement(doc);
    return ctxt;
}

char *
vstor_xml_string(xmlXPathContext *ctxt, const char *xpath)
{
    g_autoptr(xmlXPathObject) obj = NULL;
    xmlNode *saved = ctxt->node;

    obj = xmlXPathEval(BAD_CAST xpath, ctxt);
    ctxt->node = saved;
    if (!obj || obj->type != XPATH_STRING || !obj->stringval || !obj->stringval[0])
        return NULL;
    return g_strdup((const char *)obj->stringval);
}

guint
vstor_xml_nodes(xmlXPathContext *ctxt, const char *xpath, xmlNode ***ret_nodes)
{
    g_autoptr(xmlXPathObject) obj = NULL;
    xmlNode *saved = ctxt->node;
    guint n;

    if (ret_nodes)
        *ret_nodes = NULL;
    obj = xmlXPathEval(BAD_CAST xpath, ctxt);
    ctxt->node = saved;
    if (!obj || obj->type != XPATH_NODESET || !obj->nodesetval || obj->nodesetval->nodeNr <= 0)
        return 0;
    n = (guint)obj->nodesetval->nodeNr;
    if (ret_nodes) {
        *ret_nodes = g_new(xmlNode *, n);
        memcpy(*ret_nodes, obj->nodesetval->nodeTab, n * sizeof(xmlNode *));
    }
    return n;
}

xmlNode *
vstor_xml_node(xmlXPathContext *ctxt, const char *xpath)
{
    g_autoptr(xmlXPathObject) obj = NULL;
    xmlNode *saved = ctxt->node;

    obj = xmlXPathEval(BAD_CAST xpath, ctxt);
    ctxt->node = saved;
    if (!obj || obj->type != XPATH_NODESET || !obj->nodesetval || obj->nodesetval->nodeNr <= 0)
        return NULL;
    return obj->nodesetval->nodeTab[0];
}

char *
vstor_xml_prop(xmlNode *node, const char *name)
{
    xmlChar *v;
    char *ret;

    if (!node)
        return NULL;
    v = xmlGetNoNsProp(node, BAD_CAST name);
    if (!v)
        return NULL;
    ret = g_strdup((const char *)v);
    xmlFree(v);
    return ret;
}

char *
vstor_xml_content(xmlNode *node)
{
    xmlChar *v;
    char *ret;

    if (!node)
        return NULL;
    v = xmlNodeGetContent(node);
    if (!v)
        return g_strdup("");
    ret = g_strdup((const char *)v);
    xmlFree(v);
    return ret;
}

gboolean
vstor_xml_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && xmlStrEqual(node->name, BAD_CAST name);
}

void
vstor_xml_writer_init(VstorXmlWriter *w)
{
    w->str = g_string_new(NULL);
    w->indent = 0;
}

char *
vstor_xml_writer_finish(VstorXmlWriter *w)
{
    char *ret = g_string_free(w->str, FALSE);

    w->str = NULL;
    w->indent = 0;
    return ret;
}

void
vstor_xml_writer_clear(VstorXmlWriter *w)
{
    if (w->str)
        g_string_free(w->str, TRUE);
    w->str = NULL;
    w->indent = 0;
}

static void
writer_indent(VstorXmlWriter *w)
{
    /* Indentation only at the start of a line, as libvirt's buffer does. */
    if (w->str->len == 0 || w->str->str[w->str->len - 1] == '\n')
        for (int i = 0; i < w->indent; i++)
            g_string_append_c(w->str, ' ');
}

void
vstor_xml_writer_addf(VstorXmlWriter *w, const char *fmt, ...)
{
    va_list ap;

    writer_indent(w);
    va_start(ap, fmt);
    g_string_append_vprintf(w->str, fmt, ap);
    va_end(ap);
}

static gboolean
escape_drops(unsigned char c)
{
    /* The control characters libvirt silently leaves out of formatted XML. */
    return (c >= 0x01 && c <= 0x08) || c == 0x0B || c == 0x0C || (c >= 0x0E && c <= 0x19);
}

static void
escape_into(GString *out, const char *str)
{
    for (const char *p = str; *p; p++) {
        switch (*p) {
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '&': g_string_append(out, "&amp;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        case '\'': g_string_append(out, "&apos;"); break;
        /* libvirt writes these raw, and then reads them back changed (attribute values
         * turn them into spaces, \r becomes \n): a character reference keeps them intact. */
        case '\t': g_string_append(out, "&#9;"); break;
        case '\n': g_string_append(out, "&#10;"); break;
        case '\r': g_string_append(out, "&#13;"); break;
        default:
            if (!escape_drops((unsigned char)*p))
                g_string_append_c(out, *p);
        }
    }
}

char *
vstor_xml_escape(const char *str)
{
    GString *out = g_string_new(NULL);

    if (str)
        escape_into(out, str);
    return g_string_free(out, FALSE);
}

void
vstor_xml_writer_escape(VstorXmlWriter *w, const char *str)
{
    if (str)
        escape_into(w->str, str);
}

void
vstor_xml_writer_escapef(VstorXmlWriter *w, const char *fmt, const char *str)
{
    g_autofree char *esc = NULL;

    if (!str)
        return;
    esc = vstor_xml_escape(str);
    writer_indent(w);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    g_string_append_printf(w->str, fmt, esc);
#pragma GCC diagnostic pop
}

void
vstor_xml_writer_push(VstorXmlWriter *w)
{
    w->indent += 2;
}

void
vstor_xml_writer_pop(VstorXmlWriter *w)
{
    w->indent = MAX(0, w->indent - 2);
}
