import ArgumentParser
import Foundation
import Logging
import MotionMCP

/// The flags every mode of `mmcp-console` shares: where to listen and what to serve.
struct ServeOptions: ParsableArguments {
    @Option(help: "The address to listen on.")
    var host = "0.0.0.0"

    @Option(help: "The port to listen on.")
    var port = 8000

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevel = .info

    @Option(
        name: .customLong("null"),
        help: ArgumentHelp(
            "Serve a NullBackbone under ID; with =SPEC.json, its capabilities are the default NullBackbone's with the fields of that file (one /capabilities model entry) laid over them. Repeatable; default: one NullBackbone 'null'.",
            valueName: "ID[=SPEC.json]"))
    var nullModels: [NullModelArgument] = []

    @Flag(name: .customLong("no-openapi"), help: "Do not serve /openapi.json, /docs and /redoc.")
    var noOpenAPI = false

    /// The backbones the flags ask for, in order; the default is one NullBackbone `null`.
    func backbones() throws -> [NullBackbone] {
        guard !nullModels.isEmpty else { return [NullBackbone()] }
        return try nullModels.map { try $0.backbone() }
    }
}

/// `ID` or `ID=SPEC.json`.
struct NullModelArgument: ExpressibleByArgument {
    var id: String
    var specPath: String?

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let id = parts.first, !id.isEmpty else { return nil }
        self.id = String(id)
        self.specPath = parts.count == 2 ? String(parts[1]) : nil
        if specPath?.isEmpty == true { return nil }
    }

    /// The NullBackbone this argument describes; a bad spec file is a `ValidationError` naming it.
    func backbone() throws -> NullBackbone {
        guard let specPath else { return NullBackbone(modelID: id) }
        do {
            return try NullBackbone(modelID: id, specFile: specPath)
        } catch {
            throw ValidationError("--null \(id): \(error)")
        }
    }
}

/// swift-log's levels as a command-line value.
enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}
