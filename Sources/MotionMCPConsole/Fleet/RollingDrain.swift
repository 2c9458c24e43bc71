import MotionMCPControl
import MotionMCPProtocol
import Synchronization

/// A model drained on every instance of a fleet, one after another: each drain starts once the
/// previous instance has removed the model, so at most one instance is draining it at a time
/// (its requests in flight finish; new ones get 503, then, once it is gone there, 400
/// `unknown_model`). It stops at the first failure: a refusal, an instance that does not answer,
/// or a drain that does not finish within its timeout and a margin.
enum RollingDrain {
    /// How long past a drain's own timeout the model may still be listed before the rolling
    /// drain gives up on that instance.
    static let margin = Duration.seconds(10)

    /// Drains `model` on each of `instances` in turn, showing where it is in `progress`, and
    /// returns the outcome for the message line. Instances that do not serve the model are
    /// skipped and named.
    static func run(_ model: String, on instances: [any ServerControl], progress: RollingDrainProgress) async -> ConsoleState.Message {
        guard progress.begin("rolling drain of \(model): starting") else {
            return .init(text: "a rolling drain is already under way", isError: true)
        }
        defer { progress.finish() }
        var drained = 0
        var skipped: [String] = []
        for (index, control) in instances.enumerated() {
            let name = FleetInstance(control).name
            let step = "rolling drain of \(model): \(index + 1)/\(instances.count) \(name)"
            guard control.snapshot().models.contains(where: { $0.key == model }) else {
                skipped.append(name)
                continue
            }
            progress.show("\(step): starting")
            do {
                try await control.drain(model)
            } catch {
                return .init(text: "\(step): \(error); stopped (\(drained) drained)", isError: true)
            }
            let clock = ContinuousClock()
            var deadline = clock.now + .seconds(30) + margin
            while let entry = control.snapshot().models.first(where: { $0.key == model }) {
                if let drain = entry.drain {
                    deadline = min(deadline, clock.now + drain.timeout - drain.waited + margin)
                    progress.show("\(step): \(entry.state.name), \(drain.inFlightLeft) in flight left")
                } else {
                    progress.show("\(step): \(entry.state.name)")
                }
                if case .attached(_, .unreachable(_, let reason)) = control.link {
                    return .init(text: "\(step): unreachable (\(reason)); stopped (\(drained) drained)", isError: true)
                }
                guard clock.now < deadline else {
                    return .init(text: "\(step): still listed after its drain timeout; stopped (\(drained) drained)", isError: true)
                }
                do {
                    try await Task.sleep(for: .milliseconds(100))
                } catch {
                    return .init(text: "\(step): cancelled (\(drained) drained)", isError: true)
                }
            }
            drained += 1
        }
        let note = skipped.isEmpty ? "" : " (not served on \(skipped.joined(separator: ", ")))"
        return .init(text: "\(model) drained on \(drained) of \(instances.count) instances\(note)", isError: drained == 0)
    }
}

/// Where a rolling drain is, for the status line; `nil` when none runs.
final class RollingDrainProgress: Sendable {
    private let text = Mutex<String?>(nil)

    /// What the drain is doing now.
    var status: String? { text.withLock { $0 } }

    /// Claims the progress line for a new drain; `false` while another one runs.
    func begin(_ status: String) -> Bool {
        text.withLock { current in
            guard current == nil else { return false }
            current = status
            return true
        }
    }

    func show(_ status: String) { text.withLock { $0 = status } }

    func finish() { text.withLock { $0 = nil } }
}
