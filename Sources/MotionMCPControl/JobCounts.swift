/// How many async jobs of one model the server keeps, by state (the snapshot and the console
/// show them).
public struct JobCounts: Sendable, Equatable {
    /// Submitted, not started.
    public var queued = 0
    /// Their work runs.
    public var running = 0
    /// Finished and not expired.
    public var finished = 0

    /// Counts with these values.
    public init(queued: Int = 0, running: Int = 0, finished: Int = 0) {
        self.queued = queued
        self.running = running
        self.finished = finished
    }
}
