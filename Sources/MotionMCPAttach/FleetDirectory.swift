import Foundation
public import MotionMCPControl
import MotionMCPHTTPClient
import MotionMCPProtocol
import Synchronization

/// The servers a fleet console watches: one ``AttachedServer`` per socket or URL target, and one
/// per address of each `dns:` target, resolved again every ``resolveInterval`` so a Kubernetes
/// headless Service's pods come and go with the Deployment. ``run()`` keeps each member's event
/// stream open; ``members`` is the current list, in the targets' order (a name's addresses
/// sorted).
public final class FleetDirectory: Sendable {
    /// How often `dns:` targets are resolved again (Prometheus' `dns_sd_configs` default).
    public static let resolveInterval = Duration.seconds(30)

    private let targets: [AttachTarget]
    private let connect: @Sendable (AttachTarget, Bool) throws(AttachTargetError) -> AttachedServer
    private let resolve: @Sendable (String, Int, Bool) -> [AttachTarget]
    private let state = Mutex(State())

    private struct Member {
        let target: AttachTarget
        let server: AttachedServer
        /// Finished when the member leaves (its address no longer resolves), which ends its stream.
        let retirement: AsyncStream<Never>.Continuation
        let retired: AsyncStream<Never>
    }

    private struct State {
        var members: [Member] = []
        /// Members added since ``run()`` last looked, waiting for their event stream to start.
        var unstarted: [Member] = []
        /// Whether ``update()`` has run.
        var updated = false
        /// The `dns:` targets the last ``update()`` found no address for.
        var unresolved: [AttachTarget] = []
    }

    /// A directory of `targets`, connecting to each address with `connect` (which sets the token,
    /// the CA and where log lines go; its second argument says whether the address was resolved
    /// from a `dns:` name, see ``AttachedServer/init(target:token:caFile:resolvedFromName:receiveLog:)``). `resolve` turns a `dns:` target's name, port and scheme
    /// into addresses (``AttachTarget/addresses(of:port:secure:)`` unless a test gives its own).
    public init(
        targets: [AttachTarget], connect: @escaping @Sendable (AttachTarget, Bool) throws(AttachTargetError) -> AttachedServer,
        resolve: @escaping @Sendable (String, Int, Bool) -> [AttachTarget] = AttachTarget.addresses(of:port:secure:)
    ) {
        self.targets = targets
        self.connect = connect
        self.resolve = resolve
    }

    /// The servers now in the fleet.
    public var members: [any ServerControl] { servers }

    /// The servers now in the fleet, as attached servers (for one-off requests such as
    /// ``AttachedServer/fetchSnapshot()``).
    public var servers: [AttachedServer] { state.withLock { $0.members.map(\.server) } }

    /// The `dns:` targets that resolved to no address at the last ``update()``: targets with no
    /// server behind them now, which `attach --once` names as dead.
    public var unresolvedNames: [AttachTarget] { state.withLock { $0.unresolved } }

    /// Resolves the targets now: keeps members whose target is still wanted, adds new ones,
    /// retires the rest. Returns the first target that cannot be attached to, if any.
    @discardableResult
    public func update() -> AttachTargetError? {
        var fromNames = Set<AttachTarget>()
        var unresolved: [AttachTarget] = []
        let wanted = targets.flatMap { target -> [AttachTarget] in
            guard case .dns(let name, let port, let secure) = target else { return [target] }
            let addresses = resolve(name, port, secure).sorted { $0.description < $1.description }
            if addresses.isEmpty { unresolved.append(target) }
            fromNames.formUnion(addresses)
            return addresses
        }
        var failure: AttachTargetError?
        var fresh: [AttachTarget: Member] = [:]
        let current = state.withLock { Dictionary($0.members.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first }) }
        for target in wanted where current[target] == nil && fresh[target] == nil {
            do {
                let (retired, retirement) = AsyncStream.makeStream(of: Never.self)
                fresh[target] = Member(
                    target: target, server: try connect(target, fromNames.contains(target)), retirement: retirement, retired: retired)
            } catch {
                failure = failure ?? error
            }
        }
        state.withLock { state in
            let leaving = state.members.filter { !wanted.contains($0.target) }
            for member in leaving { member.retirement.finish() }
            var seen = Set<AttachTarget>()
            state.members = wanted.compactMap { target in
                guard seen.insert(target).inserted else { return nil }
                return current[target] ?? fresh[target]
            }
            state.unstarted += fresh.values
            state.updated = true
            state.unresolved = unresolved
        }
        return failure
    }

    /// Follows every member's event stream, and resolves `dns:` targets again every
    /// ``resolveInterval``, until the task is cancelled. Resolves the targets first unless
    /// ``update()`` already has.
    public func run() async {
        if !state.withLock({ $0.updated }) { update() }
        let hasNames = targets.contains { if case .dns = $0 { true } else { false } }
        await withDiscardingTaskGroup { group in
            repeat {
                let starting = state.withLock { state in
                    defer { state.unstarted = [] }
                    return state.unstarted
                }
                for member in starting {
                    group.addTask {
                        await withDiscardingTaskGroup { stream in
                            stream.addTask { await member.server.run() }
                            // Ends when the member is retired, or the directory's task is cancelled.
                            for await _ in member.retired {}
                            stream.cancelAll()
                        }
                    }
                }
                // Without names the fleet never changes: the group waits for its members until cancelled.
                guard hasNames else { break }
                try? await Task.sleep(for: Self.resolveInterval)
                if !Task.isCancelled { update() }
            } while !Task.isCancelled
        }
    }
}
