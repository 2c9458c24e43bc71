import Dispatch
import MotionMCPProtocol

/// Where the server encodes large responses: threads of Dispatch's global queue, outside both
/// the event loops and Swift's cooperative pool.
///
/// `mmcp-console` runs Swift concurrency's jobs on the event loops (see docs/serving.md). A job
/// that computes for tens of milliseconds there holds up every connection of its loop, and under
/// sustained large requests some connections waited seconds. Encoding a response costs roughly
/// its joint rotations, which are known before encoding starts, so the server moves only the big
/// encodings here and keeps small ones (the common case) on the thread they are already on.
final class HeavyWork: TaskExecutor, Sendable {
    /// The one instance; it holds nothing, Dispatch owns the threads.
    static let shared = HeavyWork()

    private init() {}

    /// Joint rotations (samples × frames × joints) from which an encoding counts as heavy: about
    /// a millisecond of encoding.
    static let rotationThreshold = 10_000

    /// Where to encode `result`: here when it holds `rotationThreshold` joint rotations or more,
    /// else `nil` (no preference: the thread the request is on).
    static func executor(forEncoding result: MotionResult) -> (any TaskExecutor)? {
        result.sampleCount * result.frameCount * result.jointCount >= rotationThreshold ? shared : nil
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        DispatchQueue.global().async { job.runSynchronously(on: executor) }
    }
}
