import Testing

@testable import MotionMCP

@Suite("Large responses are encoded off the serving threads")
struct HeavyWorkTests {
    @Test("the benchmark's large response counts as heavy work, its small one does not")
    func threshold() {
        #expect(!HeavyWork.isHeavy(rotations: 1 * 30 * 5))
        #expect(HeavyWork.isHeavy(rotations: 4 * 300 * 53))
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
