import Testing

@testable import MotionMCP
@testable import MotionMCPConsole
@testable import MotionMCPControl

@Suite("Key presses")
struct KeyTests {
    @Test("j and the down arrow select the next model, k and the up arrow the previous")
    func selection() async {
        var (session, _) = Fixtures.session()
        #expect(session.state.selectedKey == "walker")
        await session.press(.character("j"))
        #expect(session.state.selectedKey == "dancer")
        await session.press(.down, .down)
        #expect(session.state.selectedKey == "broken")
        await session.press(.character("k"))
        #expect(session.state.selectedKey == "dancer")
        await session.press(.up, .up)
        #expect(session.state.selectedKey == "walker")
        let screen = session.screen()
        #expect(screen.lines.contains { $0.hasPrefix("▸walker") })
    }

    @Test("d opens a confirm dialog whose default is No")
    func drainDialog() async {
        var (session, control) = Fixtures.session()
        await session.press(.character("j"), .character("d"))
        #expect(session.state.mode == .confirm(.drain("dancer")))
        let screen = session.screen()
        #expect(screen.text.contains("Drain dancer?"))
        #expect(screen.style(of: "[ No ]") == .dialogDefault)
        #expect(screen.style(of: "Drain dancer?") == .dialogDanger)
        #expect(control.calls.isEmpty)
    }

    @Test("n, Enter and Esc cancel the drain dialog without draining", arguments: [Key.character("n"), .enter, .escape])
    func drainCancelled(key: Key) async {
        var (session, control) = Fixtures.session()
        await session.press(.character("d"), key)
        #expect(session.state.mode == .normal)
        #expect(session.state.message?.text == "cancelled")
        #expect(control.calls.isEmpty)
    }

    @Test("y in the drain dialog calls drain on the control for the selected model")
    func drainConfirmed() async {
        var (session, control) = Fixtures.session()
        await session.press(.character("d"), .character("y"))
        #expect(control.calls == [.drain("walker")])
        #expect(session.state.message == .init(text: "draining 'walker'", isError: false))
    }

    @Test("a drain the server refuses shows its error on the message line")
    func drainRefused() async {
        var (session, _) = Fixtures.session(failing: "model 'walker' is already draining")
        await session.press(.character("d"), .character("y"))
        #expect(session.state.message == .init(text: "drain failed: model 'walker' is already draining", isError: true))
        #expect(session.screen().style(of: "drain failed") == .messageError)
    }

    @Test("? lists exactly the key table, then the commands")
    func help() async {
        var (session, _) = Fixtures.session()
        await session.press(.character("?"))
        #expect(session.state.mode == .help)
        let screen = session.screen(80, 24)
        let helpRows = screen.lines.filter { $0.contains("│") }
        for binding in KeyTable.standard.bindings {
            #expect(helpRows.contains { $0.contains(binding.label) && $0.contains(binding.help) }, "missing \(binding.label)")
        }
        let listed = OverlayView.helpLines(keyTable: .standard, readOnly: false)
        let keys = listed.prefix { !$0.key.isEmpty }
        #expect(keys.map(\.key) == KeyTable.standard.bindings.map(\.label))
        #expect(keys.map(\.text) == KeyTable.standard.bindings.map(\.help))
        #expect(listed.suffix(CommandTable.standard.commands.count).map(\.key) == CommandTable.standard.commands.map(\.label))
        await session.press(.character("x"))
        #expect(session.state.mode == .normal)
    }

    @Test("every key the help lists is dispatched, and no binding shares a key")
    func tableIsConsistent() {
        let keys = KeyTable.standard.bindings.flatMap(\.keys)
        #expect(Set(keys).count == keys.count)
        for binding in KeyTable.standard.bindings {
            for key in binding.keys { #expect(KeyTable.standard.binding(for: key) == binding) }
        }
    }

    @Test("--read-only refuses a, d and o with a message and calls nothing", arguments: ["a", "d", "o"])
    func readOnly(key: Character) async {
        var (session, control) = Fixtures.session(readOnly: true)
        await session.press(.character(key))
        #expect(session.state.mode == .normal)
        #expect(session.state.message?.isError == true)
        #expect(session.state.message?.text.hasPrefix("read-only: \(key)") == true)
        #expect(control.calls.isEmpty)
    }

    @Test("--read-only marks the changing keys in the help overlay")
    func readOnlyHelp() async {
        var (session, _) = Fixtures.session(readOnly: true)
        await session.press(.character("?"))
        let screen = session.screen(100, 30)
        #expect(screen.text.contains("drain the selected model (asks first) (read-only)"))
        #expect(screen.style(of: "drain the selected model") == .helpDisabled)
        #expect(!screen.text.contains("select the next model (read-only)"))
    }

    @Test("a asks for an id and adds a NullBackbone under it")
    func addModel() async {
        var (session, control) = Fixtures.session()
        await session.press(.character("a"))
        session.type("runner2")
        await session.press(.backspace)
        #expect(session.screen().text.contains("id: runner▌"))
        await session.press(.enter)
        #expect(control.calls == [.addNull(id: "runner", overlay: nil)])
        #expect(session.state.message?.text == "adding NullBackbone 'runner'")
    }

    @Test("an empty id or Esc adds nothing")
    func addCancelled() async {
        var (session, control) = Fixtures.session()
        await session.press(.character("a"), .enter)
        await session.press(.character("a"))
        session.type("x")
        await session.press(.escape)
        #expect(control.calls.isEmpty)
        #expect(session.state.mode == .normal)
    }

    @Test("o toggles OpenAPI")
    func openAPI() async {
        var (session, control) = Fixtures.session()
        await session.press(.character("o"))
        #expect(control.calls == [.openAPI(false)])
        #expect(session.screen().lines[0].contains("OpenAPI off"))
        await session.press(.character("o"))
        #expect(control.calls == [.openAPI(false), .openAPI(true)])
    }

    @Test("/ filters the models by id as you type, and Esc restores the previous filter")
    func filter() async {
        var (session, _) = Fixtures.session()
        await session.press(.character("/"))
        session.type("AN")
        #expect(session.rows.map(\.key) == ["dancer"])
        #expect(session.state.selectedKey == "dancer")
        #expect(session.screen().lines[23].hasPrefix("filter: AN▌"))
        await session.press(.enter)
        #expect(session.state.filter == "AN")
        await session.press(.character("/"), .backspace, .backspace, .character("z"), .escape)
        #expect(session.state.filter == "AN")
        await session.press(.character("/"), .character("z"), .enter)
        #expect(session.screen().text.contains("no model id contains 'ANz'"))
    }

    @Test("s cycles the sort column and marks it in the table header")
    func sort() async {
        var (session, _) = Fixtures.session()
        await session.press(.character("s"))
        #expect(session.state.sort == .id)
        #expect(session.rows.map(\.key) == ["broken", "dancer", "walker"])
        await session.press(.character("s"))
        #expect(session.rows.map(\.key) == ["broken", "dancer", "walker"]) // failed, draining, ready
        await session.press(.character("s"))
        #expect(session.state.sort == .rate)
        #expect(session.rows.first?.key == "walker")
        #expect(session.screen().lines[1].contains("REQ/S▾"))
        #expect(session.state.selectedKey == "walker")
        for _ in 0..<3 { await session.press(.character("s")) }
        #expect(session.state.sort == .registration)
    }

    @Test("t switches to the next theme and wraps round")
    func themes() async {
        var (session, _) = Fixtures.session()
        #expect(session.theme.name == "default")
        await session.press(.character("t"))
        #expect(session.theme.name == "mono")
        #expect(session.screen().lines[23].hasPrefix(" theme mono"))
        await session.press(.character("t"))
        #expect(session.theme.name == "default")
    }

    @Test("q asks, and y starts quitting: the session asks the terminal layer to shut down and ignores keys")
    func quit() async {
        var (session, _) = Fixtures.session()
        await session.press(.character("q"))
        #expect(session.state.mode == .confirm(.quit))
        #expect(session.screen().text.contains("Every model is drained first"))
        #expect(session.handle(.character("y")) == .quit)
        #expect(session.state.mode == .quitting)
        #expect(session.handle(.character("d")) == nil)
        #expect(session.state.mode == .quitting)
    }

    @Test("q then n keeps the console running")
    func quitCancelled() async {
        var (session, _) = Fixtures.session()
        await session.press(.character("q"))
        #expect(session.handle(.character("n")) == nil)
        #expect(session.state.mode == .normal)
    }

    @Test("the selection stays in its row when the selected model goes away")
    func selectionSurvivesRemoval() async {
        var (session, control) = Fixtures.session()
        await session.press(.character("j"))
        control.serve(Fixtures.snapshot("x", uptime: .zero, openAPIEnabled: true, models: [Fixtures.walker, Fixtures.broken]))
        session.refresh()
        #expect(session.state.selectedKey == "broken")
        control.serve(Fixtures.snapshot("x", uptime: .zero, openAPIEnabled: true, models: []))
        session.refresh()
        #expect(session.state.selectedKey == nil)
        await session.press(.character("d"))
        #expect(session.state.message?.text == "no model selected")
    }
}
