import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP

@Suite("Waiters: one continuation per waiter, resumed once, cancellation included")
struct WaitersTests {
    /// The owner's record of who waits: whoever takes an id out of it resumes that waiter.
    final class Record: Sendable {
        private let ids = Mutex<Set<UInt64>>([])
        private let taken = Mutex(0)

        func add(_ id: UInt64) { ids.withLock { _ = $0.insert(id) } }

        /// Takes `id` out; true for the one caller that found it.
        func take(_ id: UInt64) -> Bool {
            let found = ids.withLock { $0.remove(id) != nil }
            if found { taken.withLock { $0 += 1 } }
            return found
        }

        /// How many times an id was taken out.
        var takenCount: Int { taken.withLock { $0 } }
    }

    @Test("a waiter cancelled before it suspends returns its cancelled value at once")
    func cancelledBeforeWaiting() async {
        let waiters = Waiters<String>()
        let record = Record()
        let id = waiters.makeID()
        record.add(id)
        let value = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await waiters.wait(id, cancelled: "cancelled") { record.take(id) }
        }.value
        #expect(value == "cancelled")
        #expect(record.takenCount == 1)
        #expect(waiters.pendingCount == 0)
    }

    @Test("a waiter cancelled while it is suspended returns its cancelled value")
    func cancelledWhileWaiting() async throws {
        let waiters = Waiters<String>()
        let record = Record()
        let id = waiters.makeID()
        record.add(id)
        let waiter = Task { await waiters.wait(id, cancelled: "cancelled") { record.take(id) } }
        #expect(try await waitUntil { waiters.pendingCount == 1 })
        waiter.cancel()
        #expect(await waiter.value == "cancelled")
        #expect(waiters.pendingCount == 0)
    }

    @Test("a value handed over before the waiter suspends is kept for it")
    func resumedBeforeWaiting() async {
        let waiters = Waiters<String>()
        let record = Record()
        let id = waiters.makeID()
        record.add(id)
        #expect(record.take(id))
        waiters.resume(id, returning: "granted")
        #expect(waiters.pendingCount == 1)
        #expect(await waiters.wait(id, cancelled: "cancelled") { record.take(id) } == "granted")
        #expect(waiters.pendingCount == 0)
    }

    @Test("a waiter its owner took out keeps the owner's value when it is cancelled after")
    func cancelledAfterResume() async {
        let waiters = Waiters<String>()
        let record = Record()
        let id = waiters.makeID()
        record.add(id)
        #expect(record.take(id))
        waiters.resume(id, returning: "granted")
        let value = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await waiters.wait(id, cancelled: "cancelled") { record.take(id) }
        }.value
        #expect(value == "granted")
        #expect(waiters.pendingCount == 0)
    }

    @Test("a resume racing a cancellation resumes the waiter once, with the winner's value")
    func resumeRacingCancel() async {
        let waiters = Waiters<String>()
        for _ in 0..<500 {
            let record = Record()
            let id = waiters.makeID()
            record.add(id)
            let waiter = Task { await waiters.wait(id, cancelled: "cancelled") { record.take(id) } }
            let ownerTookIt = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    guard record.take(id) else { return false }
                    waiters.resume(id, returning: "granted")
                    return true
                }
                group.addTask {
                    waiter.cancel()
                    return false
                }
                return await group.reduce(false) { $0 || $1 }
            }
            let value = await waiter.value
            #expect(value == (ownerTookIt ? "granted" : "cancelled"))
            #expect(record.takenCount == 1)
        }
        #expect(waiters.pendingCount == 0)
    }
}
