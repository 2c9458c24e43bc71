import Foundation
import Testing

@testable import MotionMCPConsole

@Suite("Themes")
struct ThemeTests {
    /// The repository's `themes/` folder.
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

    /// A fresh folder holding `files` (name → contents).
    func folder(_ files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url.path
    }

    @Test("a good file parses: sections are styles, colours by name, number or default, attributes as a list")
    func good() throws {
        let theme = try ThemeFile.parse(
            """
            # comment
            name = "night"   # trailing comment

            [state.draining]
            fg = "bright-yellow"
            bg = 236
            attrs = ["bold", "underline"]

            [table.header]
            fg = "default"
            attrs = "reverse"
            """, stem: "file")
        #expect(theme.name == "night")
        #expect(theme.style(for: .state("draining")) == Style(foreground: .palette(11), background: .palette(236), attributes: [.bold, .underline]))
        #expect(theme.style(for: .tableHeader) == Style(attributes: [.reverse]))
    }

    @Test("a style the theme does not define falls back to its parent, then to normal")
    func fallback() throws {
        let theme = try ThemeFile.parse("[state]\nfg = \"red\"\n[normal]\nfg = \"white\"", stem: "t")
        #expect(theme.style(for: .state("ready")).foreground == .palette(1))
        #expect(theme.style(for: .tableHeader).foreground == .palette(7))
        #expect(theme.name == "t")
    }

    @Test(
        "bad lines are refused with the line number and what is wrong",
        arguments: [
            ("[state.redy]", "line 1: unknown style 'state.redy'"),
            (
                "[header]\nfg = \"pink\"",
                "line 2: [header] fg must be \"default\", a colour name (black, red, green, yellow, blue, magenta, cyan, white, bright-black, bright-red, bright-green, bright-yellow, bright-blue, bright-magenta, bright-cyan, bright-white) or 0-255"
            ),
            (
                "[header]\nfg = 300",
                "line 2: [header] fg must be \"default\", a colour name (black, red, green, yellow, blue, magenta, cyan, white, bright-black, bright-red, bright-green, bright-yellow, bright-blue, bright-magenta, bright-cyan, bright-white) or 0-255"
            ),
            ("[header]\nattrs = [\"blink\"]", "line 2: [header] unknown attribute 'blink' (bold, dim, underline, reverse, italic)"),
            ("[header]\ncolour = \"red\"", "line 2: [header] unknown key 'colour' (fg, bg, attrs)"),
            ("[header]\nfg = \"red", "line 2: unterminated string"),
            ("[header]\nfg red", "line 2: expected key = value"),
            ("[header]\nfg = \"red\"\nfg = \"blue\"", "line 3: 'fg' is set twice"),
            ("[header]\n[header]", "line 2: style 'header' is defined twice"),
            ("fg = \"red\"", "line 1: unknown key 'fg' (only 'name' goes before the first [style])"),
            ("[header", "line 1: expected [style.name]"),
            ("[header]\nfg = \"red\" x", "line 2: unexpected text after the value of 'fg'"),
        ])
    func bad(text: String, message: String) {
        do {
            _ = try ThemeFile.parse(text, stem: "bad")
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("a bad theme file is left out with a clear message, and asking for it gives the default theme")
    func badFile() throws {
        let directory = try folder([
            "good.toml": "[header]\nfg = \"red\"\n",
            "broken.toml": "[header]\nfg = \"pink\"\n",
        ])
        var catalog = ThemeCatalog.load(directory: directory, environment: [:])
        #expect(catalog.themes.map(\.name) == ["good"])
        #expect(catalog.problems.count == 1)
        #expect(catalog.problems[0].hasPrefix("theme \(directory)/broken.toml: line 2: [header] fg must be"))

        let start = catalog.startingIndex(requested: "broken")
        #expect(catalog.themes[start.index] == .builtInDefault)
        #expect(start.message?.hasSuffix("; using the default theme") == true)
        #expect(start.message?.contains("broken.toml: line 2") == true)

        let session = ConsoleSession(control: FakeControl(Fixtures.server), catalog: catalog, themeName: "broken")
        #expect(session.theme.name == "default")
        #expect(session.state.message?.isError == true)
        #expect(session.screen().style(of: "theme ") == .messageError)
    }

    @Test("an unknown --theme falls back to the default with a message")
    func unknownName() {
        var catalog = ThemeCatalog(themes: [.builtInMonochrome])
        let start = catalog.startingIndex(requested: "solarized")
        #expect(catalog.themes[start.index].name == "default")
        #expect(start.message == "theme 'solarized' not found; using the default theme")
    }

    @Test("NO_COLOR leaves only the monochrome theme, without any colour")
    func noColor() throws {
        let catalog = ThemeCatalog.load(directory: Self.shipped, environment: ["NO_COLOR": "1"])
        #expect(catalog.themes.map(\.name) == ["mono"])
        #expect(catalog.themes[0].styles.values.allSatisfy { $0.foreground == .terminalDefault && $0.background == .terminalDefault })
        #expect(catalog.themes[0].style(for: .tableSelected).attributes == [.reverse])
        let empty = ThemeCatalog.load(directory: Self.shipped, environment: ["NO_COLOR": ""])
        #expect(empty.themes.count == 3)
        let missing = ThemeCatalog.load(directory: "/nonexistent", environment: ["NO_COLOR": "yes"])
        #expect(missing.themes == [Theme.builtInMonochrome.withoutColor()])
    }

    @Test("the shipped dark, light and mono themes load; dark and mono match the built-in fallbacks")
    func shipped() throws {
        let catalog = ThemeCatalog.load(directory: Self.shipped, environment: [:])
        #expect(catalog.problems == [])
        #expect(catalog.themes.map(\.name) == ["dark", "light", "mono"])
        #expect(catalog.themes[0].styles == Theme.builtInDefault.styles)
        #expect(catalog.themes[2].styles == Theme.builtInMonochrome.styles)
        #expect(catalog.themes[1].style(for: .state("draining")).foreground == .palette(130))
        var mutable = catalog
        #expect(mutable.startingIndex(requested: nil).index == 0)
    }

    @Test("every style the console draws with is one a theme may name")
    func knownStyles() {
        #expect(StyleName.isKnown(.state("draining")))
        #expect(StyleName.isKnown("state"))
        #expect(StyleName.isKnown("dialog.danger"))
        #expect(!StyleName.isKnown("state.redy"))
    }
}
