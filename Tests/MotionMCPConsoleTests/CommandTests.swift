import Foundation
import Testing

@testable import MotionMCPConsole

@Suite("The : command line")
struct CommandTests {
    @Test(
        "valid lines parse into commands",
        arguments: [
            ("add null runner", ConsoleCommand.addNull(id: "runner", specPath: nil)),
            ("add upstream http://gpu-1:8000", .addUpstream(address: "http://gpu-1:8000")),
            ("add upstream walker=http://gpu-1:8000", .addUpstream(address: "walker=http://gpu-1:8000")),
            ("add null runner specs/runner.json", .addNull(id: "runner", specPath: "specs/runner.json")),
            ("  add   null  r  \"my specs/r.json\" ", .addNull(id: "r", specPath: "my specs/r.json")),
            ("drain walker", .drain(id: "walker")),
            ("openapi on", .openAPI(enabled: true)),
            ("openapi off", .openAPI(enabled: false)),
            ("theme light", .theme(name: "light")),
            ("quit", .quit),
            ("q", .quit),
        ])
    func valid(line: String, command: ConsoleCommand) throws {
        #expect(try ConsoleCommand.parse(line) == command)
    }

    @Test(
        "invalid lines are refused with a message saying what is accepted",
        arguments: [
            ("", "empty command"),
            ("add", "usage: add null|upstream … (add null ID [SPEC.json], or add upstream [ID=]URL)"),
            ("add walker x", "usage: add null|upstream … (add null ID [SPEC.json], or add upstream [ID=]URL)"),
            ("add null", "usage: add null|upstream … (add null ID [SPEC.json])"),
            ("add null a b c", "usage: add null|upstream … (add null ID [SPEC.json])"),
            ("add upstream", "usage: add null|upstream … (add upstream [ID=]URL)"),
            ("drain", "usage: drain ID"),
            ("drain a b", "usage: drain ID"),
            ("openapi maybe", "usage: openapi on|off"),
            ("theme", "usage: theme NAME"),
            ("quit now", "usage: quit"),
            ("q now", "usage: quit"),
            ("restart", "unknown command 'restart' (add, drain, openapi, theme, quit, shutdown)"),
            ("drain \"walker", "unterminated quote"),
        ])
    func invalid(line: String, message: String) {
        #expect(throws: CommandError(message)) { try ConsoleCommand.parse(line) }
    }

    /// Arguments that make a valid line of each command, by name: a command added to the table
    /// without one here fails the tests that walk the table.
    static let sampleArguments = ["add": "null runner", "drain": "walker", "openapi": "off", "theme": "mono", "quit": "", "shutdown": ""]

    @Test("every verb of the table, aliases included, parses into its command, which changes the server exactly when the table says so")
    func everyVerbParses() throws {
        for spec in CommandTable.standard.commands {
            let arguments = try #require(Self.sampleArguments[spec.name], "no sample arguments for '\(spec.name)'")
            for verb in spec.verbs {
                let command = try ConsoleCommand.parse(verb + " " + arguments)
                #expect(command.verb == spec.name, "'\(verb)' parses into the command of '\(command.verb)'")
                #expect(command.changesServer == spec.changesServer, "'\(verb)'")
            }
        }
        let verbs = CommandTable.standard.commands.flatMap(\.verbs)
        #expect(Set(verbs).count == verbs.count, "no two commands share a verb")
    }

    @Test("the ? help lists every command of the table with its usage and every alias, in the table's order")
    func helpListsEveryVerb() {
        let listed = OverlayView.helpLines(keyTable: .standard, readOnly: false)
        let commands = Array(listed.drop { !$0.key.isEmpty }.dropFirst())
        #expect(commands.count == CommandTable.standard.commands.count)
        for (line, spec) in zip(commands, CommandTable.standard.commands) {
            let words = line.key.split(separator: " ")
            #expect(line.key.hasPrefix(":" + spec.usage), "\(line.key)")
            for verb in spec.verbs { #expect(words.contains(Substring(":" + verb)), "\(line.key) does not list :\(verb)") }
            #expect(line.text == spec.help)
        }
    }

    @Test("an alias the command line accepts is listed in the ? help: :q")
    func aliasIsListed() throws {
        #expect(try ConsoleCommand.parse("q") == .quit)
        let labels = OverlayView.helpLines(keyTable: .standard, readOnly: false).map(\.key)
        #expect(labels.contains { $0.split(separator: " ").contains(":q") }, "\(labels)")
    }

    @Test("the unknown-command message names every command of the table")
    func unknownNamesEveryCommand() {
        let names = CommandTable.standard.commands.map(\.name)
        #expect(throws: CommandError("unknown command 'restart' (\(names.joined(separator: ", ")))")) { try ConsoleCommand.parse("restart") }
        #expect(names == ["add", "drain", "openapi", "theme", "quit", "shutdown"])
    }

    @Test("docs/console.md lists exactly the table's commands and aliases")
    func documented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/console.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Commands\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        // The first cell of each row, e.g. `openapi on` / `openapi off`: every word that opens a code span.
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| `") }
        let documented = rows.flatMap { row in
            row.split(separator: "|")[0].split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.compactMap {
                $0.element.split(separator: " ").first.map(String.init)
            }
        }
        #expect(Set(documented) == Set(CommandTable.standard.commands.flatMap(\.verbs)), "\(documented)")
    }

    @Test(": runs a typed command against the control")
    func runs() async throws {
        let spec = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString).json")
        try Data(#"{"fps": 60}"#.utf8).write(to: spec)
        defer { try? FileManager.default.removeItem(at: spec) }
        var (session, control) = Fixtures.session()
        await session.press(.character(":"))
        session.type("add null runner \(spec.path)")
        #expect(session.screen(200, 24).lines[23] == ":add null runner \(spec.path)▌")
        await session.press(.enter)
        await session.press(.character(":"))
        session.type("drain dancer")
        await session.press(.enter)
        await session.press(.character(":"))
        session.type("openapi off")
        await session.press(.enter)
        #expect(control.calls == [.addNull(id: "runner", overlay: ["fps": 60]), .drain("dancer"), .openAPI(false)])
    }

    @Test("a bad command line shows its error and runs nothing")
    func bad() async {
        var (session, control) = Fixtures.session()
        await session.press(.character(":"))
        session.type("drian walker")
        await session.press(.enter)
        #expect(session.state.message == .init(text: "unknown command 'drian' (add, drain, openapi, theme, quit, shutdown)", isError: true))
        #expect(control.calls.isEmpty)
    }

    @Test(":quit quits without asking; :theme switches theme")
    func quitAndTheme() async {
        var (session, _) = Fixtures.session()
        await session.press(.character(":"))
        session.type("theme mono")
        await session.press(.enter)
        #expect(session.theme.name == "mono")
        await session.press(.character(":"))
        session.type("quit")
        #expect(session.handle(.enter) == .quit)
        #expect(session.state.mode == .quitting)
    }

    @Test("Esc, or Backspace on an empty line, closes the command line")
    func closes() async {
        var (session, _) = Fixtures.session()
        await session.press(.character(":"), .character("x"), .escape)
        #expect(session.state.mode == .normal)
        await session.press(.character(":"), .backspace)
        #expect(session.state.mode == .normal)
    }

    @Test("--read-only refuses the commands that change the server but still allows theme and quit")
    func readOnly() async {
        var (session, control) = Fixtures.session(readOnly: true)
        for line in ["add null x", "drain walker", "openapi off"] {
            await session.press(.character(":"))
            session.type(line)
            await session.press(.enter)
            #expect(session.state.message == .init(text: "read-only: commands that change the server are disabled", isError: true))
        }
        #expect(control.calls.isEmpty)
        await session.press(.character(":"))
        session.type("theme mono")
        await session.press(.enter)
        #expect(session.theme.name == "mono")
    }
}
