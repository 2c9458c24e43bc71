import Dispatch
import MotionMCPProtocol
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

@Suite("Large responses are encoded off the serving threads")
struct HeavyWorkTests {
    @Test("the benchmark's large result is encoded on the heavy-work executor, its small one where the request runs")
    func routing() throws {
        func rest(samples: Int, frames: Int, joints: Int) throws -> MotionResult {
            var rotations = [Float](repeating: 0, count: samples * frames * joints * 4)
            for w in stride(from: 3, to: rotations.count, by: 4) { rotations[w] = 1 }
            return try MotionResult(
                sampleCount: samples, frameCount: frames, jointCount: joints, rotations: rotations,
                rootTranslations: [Float](repeating: 0, count: samples * frames * 3))
        }
        #expect(HeavyWork.executor(forEncoding: try rest(samples: 1, frames: 30, joints: 5)) == nil)
        let large = try #require(HeavyWork.executor(forEncoding: try rest(samples: 4, frames: 300, joints: 53)))
        #expect(large === HeavyWork.shared)
    }

    /// Work that prefers ``HeavyWork`` must leave the executor it was started from: in
    /// `mmcp-console` that is an event loop, here a serial queue standing in for one. Swift's
    /// cooperative pool cannot serve as the starting point on Linux: it runs on the same
    /// Dispatch threads as HeavyWork, so the two look alike from inside.
    @Test(
        "work that prefers the heavy-work executor leaves the executor it was started from, and the caller resumes there with its result",
        .timeLimit(.minutes(1)))
    func runsOnHeavyWork() async {
        let loop = StandInLoop()
        let (startedThere, work, resumedThere) = await withTaskExecutorPreference(loop) {
            let startedThere = loop.isCurrent
            let work = await withTaskExecutorPreference(HeavyWork.shared) {
                (onLoop: loop.isCurrent, executor: withUnsafeCurrentTask { $0?.unownedTaskExecutor })
            }
            return (startedThere, work, loop.isCurrent)
        }
        #expect(startedThere, "the task did not start on the stand-in loop")
        #expect(!work.onLoop, "the heavy work ran on the loop")
        #expect(work.executor == HeavyWork.shared.asUnownedTaskExecutor())
        #expect(resumedThere, "the caller did not resume on the loop")
    }
}

/// A task executor on one serial queue of its own, standing in for an event loop: a job can tell
/// whether it runs there.
private final class StandInLoop: TaskExecutor {
    private let queue = DispatchQueue(label: "stand-in event loop")
    private let key = DispatchSpecificKey<Bool>()

    init() { queue.setSpecific(key: key, value: true) }

    /// Whether the caller runs on this executor's queue.
    var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == true }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
