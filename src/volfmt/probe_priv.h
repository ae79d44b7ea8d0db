/* probe_priv.h: the prober's internals shared between its two files (header reading and
 * file handling); not for use outside src/volfmt. */
#pragma once

#include "volfmt/probe.h"

/* vstor_volfmt_probe_header with a format to read the header as: @forced is a VstorVolFormat
 * a parent image declared for this one, or -1 to recognise the format from the magic. A
 * declared raw (or magic-less) format takes the content as data; another declared format
 * must match the magic, or VSTOR_ERR_INTERNAL_ERROR. */
int vstor_volfmt_probe_header_as(const guint8 *buf, gsize len, const guint8 *tail, gsize tail_len,
                                 unsigned long long file_size, const char *path_for_messages,
                                 int forced, VstorImageInfo *ret_info, GError **err);
