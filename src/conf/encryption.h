/* encryption.h: the <encryption> element of volume targets (format, engine, secrets and the
 * LUKS cipher/ivgen choice), parsed and formatted as libvirt 9.0.0 does. */
#pragma once

#include <glib.h>

#include "util/uuid.h"
#include "util/xml.h"

/* Ordered as libvirt's virStorageEncryptionFormatType. */
typedef enum {
    VSTOR_ENCRYPTION_FORMAT_DEFAULT, /* only meaningful when creating a volume */
    VSTOR_ENCRYPTION_FORMAT_QCOW, /* qcow and qcow2 built-in AES */
    VSTOR_ENCRYPTION_FORMAT_LUKS,
    VSTOR_ENCRYPTION_FORMAT_LUKS2,
    VSTOR_ENCRYPTION_FORMAT_LAST
} VstorEncryptionFormat;

/* Ordered as libvirt's virStorageEncryptionEngine; DEFAULT is never written out. */
typedef enum {
    VSTOR_ENCRYPTION_ENGINE_DEFAULT,
    VSTOR_ENCRYPTION_ENGINE_QEMU,
    VSTOR_ENCRYPTION_ENGINE_LIBRBD,
    VSTOR_ENCRYPTION_ENGINE_LAST
} VstorEncryptionEngine;

/* Secret types: libvirt knows only the passphrase. */
typedef enum {
    VSTOR_ENCRYPTION_SECRET_PASSPHRASE,
    VSTOR_ENCRYPTION_SECRET_LAST
} VstorEncryptionSecretType;

/* How a secret is looked up; NONE only in a hand-built definition. */
typedef enum {
    VSTOR_SECRET_LOOKUP_NONE,
    VSTOR_SECRET_LOOKUP_UUID,
    VSTOR_SECRET_LOOKUP_USAGE,
} VstorSecretLookup;

typedef struct {
    VstorEncryptionSecretType type;
    VstorSecretLookup lookup;
    guint8 uuid[VSTOR_UUID_LEN]; /* when lookup is UUID */
    char *usage; /* when lookup is USAGE */
} VstorEncryptionSecret;

typedef struct {
    VstorEncryptionFormat format;
    VstorEncryptionEngine engine;
    GPtrArray *secrets; /* of VstorEncryptionSecret, never NULL */
    /* LUKS only; cipher_name is NULL when no <cipher> was given. */
    char *cipher_name;
    unsigned int cipher_size;
    char *cipher_mode;
    char *cipher_hash;
    char *ivgen_name;
    char *ivgen_hash;
} VstorEncryption;

extern const char *const vstor_encryption_format_names[];
extern const char *const vstor_encryption_engine_names[];

/* A new, empty definition (format default, engine default, no secrets). */
VstorEncryption *vstor_encryption_new(void);
void vstor_encryption_free(VstorEncryption *enc); /* accepts NULL */
VstorEncryption *vstor_encryption_copy(const VstorEncryption *enc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorEncryption, vstor_encryption_free)

/* Parses the <encryption> element @node (ctxt is any context of its document; its position
 * is restored). Fails with libvirt's code and text: VSTOR_ERR_XML_ERROR for a missing
 * format, secret type, uuid/usage, cipher name/size or ivgen name, a bad uuid or number, an
 * ivgen without cipher or a bad engine; VSTOR_ERR_CONFIG_UNSUPPORTED for an unknown format
 * or secret type. */
VstorEncryption *vstor_encryption_parse(xmlXPathContext *ctxt, xmlNode *node, GError **err);

/* Writes <encryption>…</encryption>; the cipher and ivgen appear only for LUKS with a
 * cipher name, as libvirt writes them. Returns -1 (nothing written) when a field holds a
 * value outside its enum, which only a hand-built definition can. */
int vstor_encryption_format(VstorXmlWriter *w, const VstorEncryption *enc);
