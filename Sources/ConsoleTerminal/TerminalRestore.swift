import CNCurses

/// Giving the terminal back: the normal way, and the fallbacks for `exit()` and crashes.
///
/// Swift emits a C header's static inline functions into each object file that calls them, each
/// copy with its own statics, and the shim's restore functions share state (the saved stdout and
/// stderr, the previous crash handlers). So this is the only code that calls them, and
/// `@inline(never)` keeps those calls from being inlined into other files' object code (release
/// builds compile one module into several object files): the process gets exactly one copy.
enum TerminalRestore {
    /// Registers the `atexit` and crash-signal fallbacks (once per process).
    @inline(never)
    static func installFallbacks() {
        mmcp_install_terminal_restore()
    }

    /// Remembers the terminal's stdout and stderr, now that fds 1 and 2 point into the capture
    /// pipe read through `capture`; the fallbacks copy what is left in it to the terminal.
    @inline(never)
    static func remember(output: Int32, error: Int32, capture: Int32) {
        mmcp_remember_output(output, error, capture)
    }

    /// Leaves curses mode (if on) and points stdout and stderr back at the terminal; output
    /// still in the capture pipe stays there for the console to collect.
    @inline(never)
    static func restore() {
        mmcp_flush_output()
        mmcp_restore_terminal(0)
    }
}
