import Foundation

/// Runs blocking work (socket reads, waiting for a process) on a thread of its own, so it never
/// occupies one of the few threads of Swift's cooperative pool that the server under test needs.
package func offPool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
