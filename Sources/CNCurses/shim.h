#ifndef POPSA_CNCURSES_SHIM_H
#define POPSA_CNCURSES_SHIM_H

// Wide-character ncurses: get_wch, add_wch, cchar_t.
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <stdio.h>
#include <wchar.h>

// Swift 6 rejects C globals and cannot import function-like macros: these wrappers expose what the backend needs.
static inline WINDOW *popsa_stdscr(void) { return stdscr; }
static inline int popsa_lines(void) { return LINES; }
static inline int popsa_cols(void) { return COLS; }
static inline int popsa_colors(void) { return COLORS; }
static inline int popsa_color_pairs(void) { return COLOR_PAIRS; }

static inline attr_t popsa_attr_normal(void) { return A_NORMAL; }
static inline attr_t popsa_attr_bold(void) { return A_BOLD; }
static inline attr_t popsa_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t popsa_attr_reverse(void) { return A_REVERSE; }
static inline attr_t popsa_attr_dim(void) { return A_DIM; }
static inline attr_t popsa_attr_italic(void) { return A_ITALIC; }

static inline FILE *popsa_stdout(void) { return stdout; }
static inline FILE *popsa_stdin(void) { return stdin; }

static inline int popsa_key_f(int n) { return KEY_F(n); }

/// Draws one cell: a spacing character plus up to four combining marks (NUL-terminated), with attributes and an
/// extended colour pair.
static inline int popsa_draw_cell(int y, int x, const wchar_t *text, attr_t attrs, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, 0, &pair) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}

/// The terminal has direct (24-bit) colour: terminfo's RGB flag.
static inline int popsa_has_direct_color(void) {
    return tigetflag("RGB") > 0;
}

/// The terminal can place the cursor anywhere (terminfo's cup): without it (TERM=dumb) no screen can be drawn.
static inline int popsa_has_cursor_addressing(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

/// Turns bracketed paste on or off (terminfo's BE/BD, else xterm's DECSET 2004, which terminals that lack it
/// ignore), written to `out` after what ncurses has buffered.
static inline void popsa_bracketed_paste(FILE *out, int on) {
    char *cap = tigetstr(on ? "BE" : "BD");
    const char *seq = (cap != NULL && cap != (char *)-1) ? cap : (on ? "\033[?2004h" : "\033[?2004l");
    fputs(seq, out);
    fflush(out);
}

// OSC 8 hyperlinks. ncurses has no call for them, so text it has already drawn is drawn again inside the link,
// through ncurses' own output (putp, vid_attr, mvcur) so that the bytes stay in order and ncurses keeps a true
// idea of the cursor and the current attributes.

/// Moves the cursor to (y, x) and opens a link to `url` (printable ASCII, checked by the caller).
static inline void popsa_link_begin(int y, int x, const char *url) {
    putp(tiparm(tigetstr("cup"), y, x));
    putp("\033]8;;");
    putp(url);
    putp("\033\\");
}

/// Writes `utf8` (one cell's text, as ncurses drew it) in the cell's attributes and colour pair.
static inline void popsa_link_text(const char *utf8, attr_t attrs, int pair) {
    vid_attr(attrs, (short)(pair < 32767 ? pair : 0), &pair);
    putp(utf8);
}

/// Closes the link; the cursor, now at (y, x), goes home through mvcur, which tells ncurses where it is. These
/// calls write to the stream ncurses was started on: the caller flushes it.
static inline void popsa_link_end(int y, int x) {
    putp("\033]8;;\033\\");
    vid_attr(A_NORMAL, 0, NULL);
    mvcur(y, x, 0, 0);
}

#endif
