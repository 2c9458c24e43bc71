import ServiceLifecycle

extension AsyncStream where Element: Sendable {
    /// Calls `body` with each element until the stream ends or the service group shuts down
    /// gracefully, which finishes the stream through `continuation` (its own); the elements
    /// yielded before then are still taken.
    ///
    /// Not `cancelOnGracefulShutdown()`: its `merge` holds a lock across a continuation's
    /// registration and can deadlock with Swift 6.0–6.3 (swift-async-algorithms #430, #444); a
    /// server that never ended at SIGTERM was caught in it here.
    package func forEachUntilGracefulShutdown(
        finishing continuation: AsyncStream<Element>.Continuation, _ body: (Element) async -> Void
    ) async {
        await withGracefulShutdownHandler {
            for await element in self { await body(element) }
        } onGracefulShutdown: {
            continuation.finish()
        }
    }
}
