import Foundation

/// The themes the operator can switch between, loaded from the `themes/` folder, and what was
/// wrong with the files that could not be loaded.
public struct ThemeCatalog: Sendable {
    /// The usable themes, by name; never empty.
    public private(set) var themes: [Theme]
    /// One message per theme file that was refused, naming the file and the line.
    public private(set) var problems: [String]
    /// Whether `NO_COLOR` turned colours off.
    public let colorDisabled: Bool

    /// A catalog of `themes` (the built-in default when empty); with `noColor`, only the
    /// monochrome theme, stripped of any colour.
    public init(themes: [Theme], problems: [String] = [], noColor: Bool = false) {
        self.problems = problems
        self.colorDisabled = noColor
        if noColor {
            let mono = themes.first { $0.name == "mono" } ?? .builtInMonochrome
            self.themes = [mono.withoutColor()]
        } else {
            self.themes = themes.isEmpty ? [.builtInDefault] : themes.sorted { $0.name < $1.name }
        }
    }

    /// Loads every `*.toml` file of `directory`. A file that does not parse is left out and
    /// noted in ``problems``; `NO_COLOR` (set and non-empty, as no-color.org says) in
    /// `environment` leaves only the monochrome theme.
    public static func load(directory: String, environment: [String: String]) -> ThemeCatalog {
        var themes: [Theme] = []
        var problems: [String] = []
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files.sorted() where file.hasSuffix(".toml") {
            let path = directory + "/" + file
            let stem = String(file.dropLast(".toml".count))
            do {
                themes.append(try ThemeFile.parse(String(contentsOfFile: path, encoding: .utf8), stem: stem))
            } catch let error as ThemeError {
                problems.append("theme \(path): \(error)")
            } catch {
                problems.append("theme \(path): cannot be read (\(error.localizedDescription))")
            }
        }
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        return ThemeCatalog(themes: themes, problems: problems, noColor: noColor)
    }

    /// The index of the theme called `name`, or `nil`.
    public func index(named name: String) -> Int? {
        themes.firstIndex { $0.name == name }
    }

    /// Where the console starts: the theme called `requested` (`--theme`), else `dark`, else the
    /// first. A requested theme that is missing or broken selects the built-in default and says why.
    public mutating func startingIndex(requested: String?) -> (index: Int, message: String?) {
        if colorDisabled {
            return (0, requested == nil ? nil : "NO_COLOR is set: using the monochrome theme")
        }
        guard let requested else { return (index(named: "dark") ?? 0, nil) }
        if let found = index(named: requested) { return (found, nil) }
        let reason = problems.first { $0.contains("/\(requested).toml:") } ?? "theme '\(requested)' not found"
        return (fallbackIndex(), "\(reason); using the default theme")
    }

    /// The built-in default's index, adding it to the catalog if it is not there yet.
    public mutating func fallbackIndex() -> Int {
        if let found = index(named: Theme.builtInDefault.name) { return found }
        themes.append(.builtInDefault)
        return themes.count - 1
    }
}
