import Foundation

/// Where the tests find what they run and read.
package enum TestPaths {
    /// This package's folder (this file is two folders below it).
    package static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `mmcp-console` binary of this build, beside the test executable that runs these tests
    /// (SwiftPM builds both into one folder).
    package static var mmcpConsole: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("mmcp-console")
    }
}
