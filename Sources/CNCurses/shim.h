// The parts of wide-character ncurses that Swift cannot import on its own: macros (COLOR_PAIR,
// getmaxyx, attr_set), globals (stdscr, LINES, COLS, COLORS) and the attribute masks, wrapped in
// small static inline functions. Also the last-resort terminal restore for exits and crashes that
// happen behind the console loop's back.
#ifndef MMCP_CNCURSES_SHIM_H
#define MMCP_CNCURSES_SHIM_H

// The wide-character API (get_wch, mvaddnwstr) is declared only when this is set.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

// MARK: - Globals and macros

static inline WINDOW *mmcp_stdscr(void) { return stdscr; }
/// The C streams, which Swift 6 refuses to touch as shared mutable globals.
static inline FILE *mmcp_stdin(void) { return stdin; }
static inline FILE *mmcp_stdout(void) { return stdout; }
/// Pushes out whatever stdio still buffers for stdout and stderr.
static inline void mmcp_flush_output(void) {
    fflush(stdout);
    fflush(stderr);
}
static inline int mmcp_colors(void) { return COLORS; }
static inline int mmcp_color_pairs(void) { return COLOR_PAIRS; }

/// Whether the current LC_CTYPE encodes characters as UTF-8 (what the console draws needs).
static inline int mmcp_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && strcmp(codeset, "UTF-8") == 0;
}

/// The size of the standard screen, as `getmaxyx` gives it.
static inline void mmcp_screen_size(int *rows, int *cols) {
    int r = 0, c = 0;
    getmaxyx(stdscr, r, c);
    *rows = r;
    *cols = c;
}

static inline attr_t mmcp_attr_normal(void) { return A_NORMAL; }
static inline attr_t mmcp_attr_bold(void) { return A_BOLD; }
static inline attr_t mmcp_attr_dim(void) { return A_DIM; }
static inline attr_t mmcp_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t mmcp_attr_reverse(void) { return A_REVERSE; }
static inline attr_t mmcp_attr_italic(void) { return A_ITALIC; }

/// `get_wch`'s answers: a character, a function key, or nothing.
static inline int mmcp_ok(void) { return OK; }
static inline int mmcp_err(void) { return ERR; }
static inline int mmcp_key_code_yes(void) { return KEY_CODE_YES; }

static inline int mmcp_key_up(void) { return KEY_UP; }
static inline int mmcp_key_down(void) { return KEY_DOWN; }
static inline int mmcp_key_left(void) { return KEY_LEFT; }
static inline int mmcp_key_right(void) { return KEY_RIGHT; }
static inline int mmcp_key_home(void) { return KEY_HOME; }
static inline int mmcp_key_end(void) { return KEY_END; }
static inline int mmcp_key_page_up(void) { return KEY_PPAGE; }
static inline int mmcp_key_page_down(void) { return KEY_NPAGE; }
static inline int mmcp_key_enter(void) { return KEY_ENTER; }
static inline int mmcp_key_backspace(void) { return KEY_BACKSPACE; }
static inline int mmcp_key_delete(void) { return KEY_DC; }
static inline int mmcp_key_resize(void) { return KEY_RESIZE; }

/// Draws `count` wide characters from `text` at (`row`, `col`) in one style. Writing into the
/// bottom-right cell reports ERR because the cursor cannot advance; the character is drawn anyway.
static inline void mmcp_draw_run(int row, int col, const wchar_t *text, int count, attr_t attrs, short pair) {
    attr_set(attrs, pair, NULL);
    mvaddnwstr(row, col, text, count);
}

// MARK: - The last-resort restore
//
// Swift emits a header's static inline functions into every object file that calls them, each
// copy with its own statics. The state below therefore lives in function-local statics, and
// ConsoleTerminal calls these functions only from non-inlinable wrappers in one Swift file
// (TerminalRestore.swift), so the process has exactly one copy of it.

/// The terminal's own stdout and stderr while the console has sent fds 1 and 2 into its log
/// pipe, and that pipe's read end; -1 when output is not captured.
static inline int *mmcp_saved_output(void) {
    static int saved[3] = {-1, -1, -1};
    return saved;
}

/// The dispositions the crash signals had before ours, so a crash still reaches the Swift
/// runtime's backtracer (or the default action) after the terminal is restored.
#define MMCP_CRASH_SIGNAL_LIMIT 32
static inline struct sigaction *mmcp_previous_crash_actions(void) {
    static struct sigaction previous[MMCP_CRASH_SIGNAL_LIMIT];
    return previous;
}

/// Remembers the terminal's stdout and stderr, and the capture pipe's (non-blocking) read end,
/// so `mmcp_restore_terminal` can put things back.
static inline void mmcp_remember_output(int out, int err, int capture) {
    int *saved = mmcp_saved_output();
    saved[0] = out;
    saved[1] = err;
    saved[2] = capture;
}

/// Leaves curses mode if it is on and points fds 1 and 2 back at the terminal. With
/// `forward_captured`, output still waiting in the capture pipe (a fatal error's message, say)
/// is copied to the terminal's stderr; otherwise the console collects it. Safe to call twice;
/// used by the console's normal exit, the atexit fallback and the crash handler.
static inline void mmcp_restore_terminal(int forward_captured) {
    if (stdscr != NULL && !isendwin()) {
        endwin();
    }
    // Only async-signal-safe calls from here on: this also runs in the crash handler.
    int *saved = mmcp_saved_output();
    for (int target = 0; target < 2; target++) {
        if (saved[target] >= 0) {
            dup2(saved[target], target == 0 ? STDOUT_FILENO : STDERR_FILENO);
            close(saved[target]);
            saved[target] = -1;
        }
    }
    if (saved[2] >= 0) {
        if (forward_captured) {
            char buffer[4096];
            ssize_t count;
            while ((count = read(saved[2], buffer, sizeof buffer)) > 0) {
                if (write(STDERR_FILENO, buffer, (size_t)count) < 0) break;
            }
        }
        saved[2] = -1;  // the console owns the pipe and closes it
    }
}

static inline void mmcp_restore_at_exit(void) { mmcp_restore_terminal(1); }

static inline void mmcp_crash_handler(int signal_number) {
    mmcp_restore_terminal(1);
    // Hand the signal on: restore the previous disposition and raise it again; it is delivered
    // as soon as this handler returns (a faulting instruction also re-runs into it).
    sigaction(signal_number, &mmcp_previous_crash_actions()[signal_number], NULL);
    raise(signal_number);
}

/// Restores the terminal on `exit()` and on fatal signals (a trap, a segfault, an abort),
/// whoever causes them. Installs once; call before curses starts.
static inline void mmcp_install_terminal_restore(void) {
    static int installed = 0;
    if (installed) return;
    installed = 1;
    atexit(mmcp_restore_at_exit);
    const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
        struct sigaction action;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_ONSTACK;  // a stack overflow still finds a stack to run on
        action.sa_handler = mmcp_crash_handler;
        sigaction(crash_signals[i], &action, &mmcp_previous_crash_actions()[crash_signals[i]]);
    }
}

#endif
