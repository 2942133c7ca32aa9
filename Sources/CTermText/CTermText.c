#define _XOPEN_SOURCE 700
#include <wchar.h>
#include <langinfo.h>
#include <string.h>
#include <strings.h>
#include "CTermText.h"

int popsa_wcwidth(uint32_t codepoint) {
    return wcwidth((wchar_t)codepoint);
}

int popsa_codeset_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    if (codeset == NULL) return 0;
    return strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "UTF8") == 0;
}
