/// The clock a server's waits and expiries go by: the batch window, the retention of async jobs
/// and idempotent answers, a drain's timeout and the shutdown grace, the gateway's probes and its
/// replicas' holds and ejections. A server runs on `ContinuousClock` (the
/// default of ``MMCPOptions/clock``); a test passes a clock it moves by hand, so that it advances
/// time instead of waiting for it.
///
/// Its instants are `ContinuousClock`'s, so they can be stored, compared and reported alike
/// whichever clock made them.
public protocol MMCPClock: Clock where Instant == ContinuousClock.Instant {}

extension ContinuousClock: MMCPClock {}

extension MMCPClock {
    /// Suspends until `duration` from now has passed on this clock; throws `CancellationError`
    /// when the task is cancelled first.
    package func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration.clampedForTimers, tolerance: nil)
    }
}
