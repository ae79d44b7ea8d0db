/* units.h: sizes with units (b, KiB, MB, G ... EiB) and strict number parsing, with the
 * same scales, limits and error codes libvirt applies to capacity-like values. */
#pragma once

#include <glib.h>

/* Multiplies *value by the scale @unit names: b/byte/bytes = 1; a single letter k m g t p e
 * or that letter + "iB" = powers of 1024; the letter + "B" = powers of 1000 (letters in any
 * case). A NULL or empty @unit means @default_scale. Fails with VSTOR_ERR_INVALID_ARG for an
 * unknown unit and VSTOR_ERR_OVERFLOW when the product would exceed @limit; *value is
 * changed only on success. */
int vstor_scale_integer(unsigned long long *value, const char *unit,
                        unsigned long long default_scale, unsigned long long limit, GError **err);

/* Parses @str as a whole non-negative decimal number (optional surrounding blanks, no sign,
 * nothing else). Returns FALSE, leaving *ret_value alone, when it is not one or overflows. */
gboolean vstor_parse_ull(const char *str, unsigned long long *ret_value);

/* Parses a leading non-negative decimal number and returns where it ended in *ret_end
 * (like strtoull, but refusing signs and overflow). FALSE when there is no number. */
gboolean vstor_parse_ull_prefix(const char *str, unsigned long long *ret_value,
                                const char **ret_end);

/* Parses a size the way virsh reads one (blanks and one '+' before the number, then a unit
 * exactly as vstor_scale_integer() takes it, nothing else: "10G", "512MiB", "+4096"), the
 * number scaled by @default_scale when no unit is given. With @allow_fraction, a decimal
 * fraction is accepted too ("1.5T", "0.5GiB"), rounded to the nearest byte (halves up).
 * Fails with VSTOR_ERR_INVALID_ARG for a negative or missing number, a malformed fraction
 * ("1.5.3G") or an unknown unit, and VSTOR_ERR_OVERFLOW past 2^64 - 1 bytes (virsh's text:
 * "value too large: 20E"); *ret_bytes is set only on success. */
int vstor_parse_size(const char *str, unsigned long long default_scale, gboolean allow_fraction,
                     unsigned long long *ret_bytes, GError **err);
