import Testing

/// Waits for state that another task or process changes: tries `condition` up to `attempts` times,
/// `interval` apart (5 s in all by default), and once more at the end. Records an issue at the
/// caller when it never held, and returns whether it did, so a test that cannot go on without it
/// stops there: `guard try await waitUntil(…) else { return }`.
@discardableResult
package func waitUntil(
    attempts: Int = 1000, every interval: Duration = .milliseconds(5),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws -> Bool {
    for _ in 0..<attempts {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    let held = try await condition()
    #expect(held, "still false after \(attempts) tries \(interval) apart", sourceLocation: sourceLocation)
    return held
}
