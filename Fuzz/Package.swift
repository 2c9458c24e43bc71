// swift-tools-version:6.2
import PackageDescription

// A libFuzzer target for the request decoder, kept out of the main package so that `swift build`
// and `swift test` there never see sanitizer flags. See docs/fuzzing.md for the commands.
let package = Package(
    name: "motionmcp-fuzz",
    dependencies: [
        .package(name: "motionmcp-swift", path: "..")
    ],
    targets: [
        // The declaration of libFuzzer's driver, which the fuzzing build calls from `main`.
        .systemLibrary(name: "CLibFuzzer"),
        // Built with `-D FUZZING -sanitize=fuzzer,address` it runs libFuzzer; built plainly it
        // replays the files it is given, so a crash input can be rerun without the sanitizers.
        .executableTarget(
            name: "RequestFuzzer",
            dependencies: ["CLibFuzzer", .product(name: "MotionMCPProtocol", package: "motionmcp-swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
