import Testing

@testable import MotionMCPConsole

@Suite("The : command line")
struct CommandTests {
    @Test("valid lines parse into commands", arguments: [
        ("add null runner", ConsoleCommand.addNull(id: "runner", specPath: nil)),
        ("add null runner specs/runner.json", .addNull(id: "runner", specPath: "specs/runner.json")),
        ("  add   null  r  \"my specs/r.json\" ", .addNull(id: "r", specPath: "my specs/r.json")),
        ("drain walker", .drain(id: "walker")),
        ("openapi on", .openAPI(enabled: true)),
        ("openapi off", .openAPI(enabled: false)),
        ("theme light", .theme(name: "light")),
        ("quit", .quit),
    ])
    func valid(line: String, command: ConsoleCommand) throws {
        #expect(try ConsoleCommand.parse(line) == command)
    }

    @Test("invalid lines are refused with a message saying what is accepted", arguments: [
        ("", "empty command"),
        ("add", "usage: add null ID [SPEC.json] (only NullBackbones can be hot-added)"),
        ("add walker x", "usage: add null ID [SPEC.json] (only NullBackbones can be hot-added)"),
        ("add null", "usage: add null ID [SPEC.json]"),
        ("add null a b c", "usage: add null ID [SPEC.json]"),
        ("drain", "usage: drain ID"),
        ("drain a b", "usage: drain ID"),
        ("openapi maybe", "usage: openapi on|off"),
        ("theme", "usage: theme NAME"),
        ("quit now", "usage: quit"),
        ("restart", "unknown command 'restart' (add, drain, openapi, theme, quit)"),
        ("drain \"walker", "unterminated quote"),
    ])
    func invalid(line: String, message: String) {
        #expect(throws: CommandError(message)) { try ConsoleCommand.parse(line) }
    }

    @Test(": runs a typed command against the control")
    func runs() {
        var (session, control) = Fixtures.session()
        session.press(.character(":"))
        session.type("add null runner specs/r.json")
        #expect(session.screen().lines[23] == ":add null runner specs/r.json▌")
        session.press(.enter)
        session.press(.character(":"))
        session.type("drain dancer")
        session.press(.enter)
        session.press(.character(":"))
        session.type("openapi off")
        session.press(.enter)
        #expect(control.calls == [.addNull(id: "runner", specPath: "specs/r.json"), .drain("dancer"), .openAPI(false)])
    }

    @Test("a bad command line shows its error and runs nothing")
    func bad() {
        var (session, control) = Fixtures.session()
        session.press(.character(":"))
        session.type("drian walker")
        session.press(.enter)
        #expect(session.state.message == .init(text: "unknown command 'drian' (add, drain, openapi, theme, quit)", isError: true))
        #expect(control.calls.isEmpty)
    }

    @Test(":quit quits without asking; :theme switches theme")
    func quitAndTheme() {
        var (session, _) = Fixtures.session()
        session.press(.character(":"))
        session.type("theme mono")
        session.press(.enter)
        #expect(session.theme.name == "mono")
        session.press(.character(":"))
        session.type("quit")
        #expect(session.handle(.enter) == .quit)
        #expect(session.state.mode == .quitting)
    }

    @Test("Esc, or Backspace on an empty line, closes the command line")
    func closes() {
        var (session, _) = Fixtures.session()
        session.press(.character(":"), .character("x"), .escape)
        #expect(session.state.mode == .normal)
        session.press(.character(":"), .backspace)
        #expect(session.state.mode == .normal)
    }

    @Test("--read-only refuses the commands that change the server but still allows theme and quit")
    func readOnly() {
        var (session, control) = Fixtures.session(readOnly: true)
        for line in ["add null x", "drain walker", "openapi off"] {
            session.press(.character(":"))
            session.type(line)
            session.press(.enter)
            #expect(session.state.message == .init(text: "read-only: commands that change the server are disabled", isError: true))
        }
        #expect(control.calls.isEmpty)
        session.press(.character(":"))
        session.type("theme mono")
        session.press(.enter)
        #expect(session.theme.name == "mono")
    }
}
