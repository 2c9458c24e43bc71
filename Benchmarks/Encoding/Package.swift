// swift-tools-version:6.2
// The in-process encoding benchmark: parse, validate and encode (glTF with the travel trajectory)
// of the benchmark's small /generate request, without HTTP. Run it with ./run.
//
// It depends on the main package by path and uses only its MotionMCPProtocol library, so only that
// target is compiled (the main package's other dependencies are resolved but not built).
import Foundation
import PackageDescription

// A path dependency's identity is the name of its directory, whatever the clone is called.
let mainPackage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "encoding-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: mainPackage.path)],
    targets: [
        .executableTarget(
            name: "EncodingBench",
            dependencies: [.product(name: "MotionMCPProtocol", package: mainPackage.lastPathComponent.lowercased())]
        )
    ],
    swiftLanguageModes: [.v6]
)
