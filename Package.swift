// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "motionmcp-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MotionMCP", targets: ["MotionMCP"]),
        .executable(name: "mmcp-console", targets: ["mmcp-console"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // The wire protocol: JSON, request validation, the error envelope, glTF encoding and the
        // travel trajectory. Knows nothing of HTTP.
        .target(name: "MotionMCPProtocol"),
        // The server SDK: Backbone, NullBackbone, the model registry, buildApp()/serve(), OpenAPI.
        .target(
            name: "MotionMCP",
            dependencies: [
                "MotionMCPProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The command line: flags, assembling the services, running them.
        .executableTarget(
            name: "mmcp-console",
            dependencies: [
                "MotionMCP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MotionMCPProtocolTests",
            dependencies: ["MotionMCPProtocol"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MotionMCPTests",
            dependencies: [
                "MotionMCP",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
