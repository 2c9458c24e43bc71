import CNCurses
import Glibc
import MotionMCPConsole

/// The terminal in curses mode: starting and ending it, reading keys, and copying a ``Screen`` to
/// it. Used only from the console's own thread.
struct CursesTerminal {
    /// What a read from the keyboard gave.
    enum Input: Equatable {
        case key(Key)
        /// The terminal changed size (curses has already resized its screen).
        case resize
        /// Ctrl-L: repaint everything.
        case repaint
    }

    private var palette: CursesPalette
    private let hasDefaultColors: Bool
    /// What is on the terminal now, to redraw only the rows that changed; `nil` forces a full redraw.
    private var shown: Screen?

    /// Enters curses mode on `output` (the terminal), reading keys from stdin, with `theme`'s
    /// colours. Sets the locale first so wide characters work. `nil` when curses cannot start
    /// (no terminfo entry for `TERM`, for instance).
    init?(output: UnsafeMutablePointer<FILE>, theme: Theme) {
        // Only the character-type category: that is what ncursesw needs for UTF-8, while LC_ALL
        // would also switch LC_NUMERIC for the whole process (C libraries' printf and strtod
        // would start writing and reading "1,5" under a German locale, say).
        // Containers often run with no LANG at all (the "C" locale, ASCII only): fall back to
        // C.UTF-8, which glibc always has, so box drawing and sparklines still show.
        if setlocale(LC_CTYPE, "") == nil || mmcp_locale_is_utf8() == 0 {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        TerminalRestore.installFallbacks()
        guard newterm(nil, output, mmcp_stdin()) != nil else { return nil }
        cbreak() // not raw: Ctrl-C and Ctrl-Z keep working through the tty driver
        noecho()
        keypad(mmcp_stdscr(), true)
        nodelay(mmcp_stdscr(), true) // the loop polls; get_wch never blocks
        set_escdelay(25) // Esc closes dialogs without a noticeable wait
        curs_set(0)
        var defaults = false
        if has_colors() {
            start_color()
            defaults = use_default_colors() == mmcp_ok()
        }
        hasDefaultColors = defaults
        palette = CursesPalette(theme: theme, hasDefaultColors: defaults)
    }

    /// The terminal's size now.
    var size: Size {
        var rows: Int32 = 0
        var columns: Int32 = 0
        mmcp_screen_size(&rows, &columns)
        return Size(width: Int(columns), height: Int(rows))
    }

    /// Whether something else ended curses mode: the `exit()` or crash fallback, running on
    /// another thread. The console must not draw again, which would re-enter curses mode.
    var wasEndedElsewhere: Bool { isendwin() }

    /// Switches to `theme`'s colours; the next draw repaints everything.
    mutating func apply(_ theme: Theme) {
        palette = CursesPalette(theme: theme, hasDefaultColors: hasDefaultColors)
        shown = nil
    }

    /// Makes the next draw repaint the whole terminal (after a resize or Ctrl-L).
    mutating func invalidate() {
        shown = nil
        clearok(mmcp_stdscr(), true)
    }

    /// The next key press, if one is waiting.
    func read() -> Input? {
        var character: wint_t = 0
        let result = get_wch(&character)
        if result == mmcp_key_code_yes() { return decode(function: Int32(character)) }
        guard result == mmcp_ok() else { return nil }
        switch character {
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 9: return .key(.tab)
        case 12: return .repaint
        case 0..<32: return nil
        default: return Unicode.Scalar(character).map { .key(.character(Character($0))) }
        }
    }

    private func decode(function code: Int32) -> Input? {
        switch code {
        case mmcp_key_resize(): .resize
        case mmcp_key_up(): .key(.up)
        case mmcp_key_down(): .key(.down)
        case mmcp_key_left(): .key(.left)
        case mmcp_key_right(): .key(.right)
        case mmcp_key_home(): .key(.home)
        case mmcp_key_end(): .key(.end)
        case mmcp_key_page_up(): .key(.pageUp)
        case mmcp_key_page_down(): .key(.pageDown)
        case mmcp_key_enter(): .key(.enter)
        case mmcp_key_backspace(): .key(.backspace)
        case mmcp_key_delete(): .key(.delete)
        default: nil
        }
    }

    /// Copies `screen` to the terminal: only the rows that differ from what is shown, each as
    /// runs of one style, then one refresh. Draws nothing when nothing changed.
    mutating func draw(_ screen: Screen) {
        let previous = shown?.size == screen.size ? shown : nil
        if previous == nil { erase() }
        var changed = false
        for y in 0..<screen.size.height where previous?.rows[y] != screen.rows[y] {
            drawRow(screen.rows[y], at: y)
            changed = true
        }
        shown = screen
        if changed { refresh() }
    }

    private func drawRow(_ cells: [Cell], at y: Int) {
        var run: [wchar_t] = []
        var runStart = 0
        var runStyle = cells.first?.style ?? .normal
        func flush() {
            guard !run.isEmpty else { return }
            let look = palette.look(runStyle)
            run.withUnsafeBufferPointer {
                mmcp_draw_run(Int32(y), Int32(runStart), $0.baseAddress, Int32($0.count), look.attributes, look.pair)
            }
            run.removeAll(keepingCapacity: true)
        }
        var x = 0
        for cell in cells {
            defer { x += 1 }
            // The right half of a wide character: the terminal filled it when drawing the left half.
            if cell.isContinuation { continue }
            if cell.style != runStyle || run.isEmpty {
                flush()
                runStart = x
                runStyle = cell.style
            }
            run.append(contentsOf: cell.character.unicodeScalars.map { wchar_t(bitPattern: $0.value) })
        }
        flush()
    }

    /// Leaves curses mode and gives the terminal back as it was (also points stdout and stderr
    /// back at it when they were captured).
    func end() {
        TerminalRestore.restore()
    }
}
