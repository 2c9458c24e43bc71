import MotionMCPProtocol
import Testing

@testable import MotionMCP

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

    @Test("work that prefers the heavy-work executor runs there and hands back its result",
          .timeLimit(.minutes(1)))
    func runsOnHeavyWork() async {
        let (executor, sum) = await withTaskExecutorPreference(HeavyWork.shared) {
            (withUnsafeCurrentTask { $0?.unownedTaskExecutor }, (1...1000).reduce(0, +))
        }
        #expect(executor == HeavyWork.shared.asUnownedTaskExecutor())
        #expect(sum == 500_500)
    }
}
