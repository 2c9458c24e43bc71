// swift-tools-version:6.2
// The travel-trajectory micro-benchmark: times computeTravelTrajectories (ours) on the motions that
// reference.py timed motionmcp.trajectory.compute_trajectories (the reference) on. Run it with
// ./run (it builds this package in release, runs reference.py, then the benchmark).
//
// It depends on the main package by path and uses only its MotionMCPProtocol library, so only that
// target is compiled (the main package's other dependencies are resolved but not built).
import Foundation
import PackageDescription

// A path dependency's identity is the name of its directory, whatever the clone is called.
let mainPackage = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "trajectory-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: mainPackage.path)],
    targets: [
        .executableTarget(
            name: "TrajectoryBench",
            dependencies: [.product(name: "MotionMCPProtocol", package: mainPackage.lastPathComponent.lowercased())]
        )
    ],
    swiftLanguageModes: [.v6]
)
