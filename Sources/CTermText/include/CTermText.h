#ifndef CTERMTEXT_H
#define CTERMTEXT_H
#include <stdint.h>

/// wcwidth(3) for one code point: columns a terminal gives it under the current LC_CTYPE
/// (-1 not printable, 0 combining). Wrapped because Swift's Glibc module does not export wcwidth.
int popsa_wcwidth(uint32_t codepoint);

/// 1 when the current LC_CTYPE's codeset is UTF-8.
int popsa_codeset_is_utf8(void);

#endif
