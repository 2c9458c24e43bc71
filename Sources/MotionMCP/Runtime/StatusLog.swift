import Foundation
import Logging
public import ServiceLifecycle

/// Without a console, a one-line status per model every few seconds in the log, so a headless
/// server's traffic can still be watched.
public struct StatusLog: Service {
    private let control: any ServerControl
    private let logger: Logger
    private let interval: Duration

    /// Logs the status of `control`'s models every `interval`.
    public init(control: any ServerControl, logger: Logger, interval: Duration = .seconds(5)) {
        self.control = control
        self.logger = logger
        self.interval = interval
    }

    public func run() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            for model in control.snapshot().models {
                logger.info("\(Self.line(model))")
            }
        }
    }

    /// `walker ready 12.0 req/s p50 3.1ms p99 9.8ms in-flight 2 errors 1`, the percentiles as
    /// every screen shows them (`LatencyHistogram.text(of:)`); the id escaped
    /// (`LogText.escaped(_:)`) whatever handler the logger writes to.
    static func line(_ model: ModelSnapshot) -> String {
        "\(LogText.escaped(model.key)) \(model.readinessName) \(String(format: "%.1f", model.rate10s)) req/s "
            + "p50 \(LatencyHistogram.text(of: model.latencyP50)) p99 \(LatencyHistogram.text(of: model.latencyP99)) "
            + "in-flight \(model.inFlight) errors \(model.errors)"
    }
}
