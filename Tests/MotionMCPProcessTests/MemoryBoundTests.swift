import Foundation
import MotionMCPTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 19 on a real `mmcp-console`: large answers, at once or kept under many idempotency keys,
/// stay within the memory the flags allow, read from the process's `/proc/PID/status`. The
/// answers are the release probe's shape (a 5-joint rig at 3333 fps, up to 30 s), scaled down to a
/// few megabytes so that the debug build encodes them quickly on two cores, with the caps scaled
/// down alike.
@Suite("Memory bounds of a real server", .serialized, .timeLimit(.minutes(3)))
struct MemoryBoundTests {
    /// A valid request for `frames` frames at 3333 fps with `samples` samples.
    static func largeRequest(frames: Int, samples: Int = 1) -> [UInt8] {
        Array(TestRequests.sized(fps: 3333, frames: frames, samples: samples).utf8)
    }

    /// A field of `/proc/PID/status` in bytes (`VmRSS`, `VmHWM`).
    static func memory(_ field: String, of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { throw ClientError("no \(field) in /proc/\(pid)/status") }
        return kilobytes * 1024
    }

    /// An answer read off the socket without keeping its body: the status, the headers, and how
    /// many body bytes came.
    struct CountedAnswer {
        var status: Int
        var headers: [String: String]
        var bodyBytes: Int
    }

    /// Posts `body` to `/generate` with `headers` and reads the answer, counting its body.
    static func post(port: Int, body: [UInt8], headers: [String: String] = [:]) throws -> CountedAnswer {
        let socket = try RawHTTPClient(port: port).connect(receiveTimeout: 150)
        defer { close(socket) }
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        let head = "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\(extra)\r\n"
        try sendAll(socket, Array(head.utf8) + body)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var answer = RawHTTPClient.head(of: buffer)
        while answer == nil {
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { throw ClientError("the connection closed before the answer's head") }
            buffer.append(contentsOf: chunk[0..<count])
            answer = RawHTTPClient.head(of: buffer)
        }
        guard let (status, fields, bodyStart) = answer else { throw ClientError("no status line") }
        guard let length = fields["content-length"].flatMap(Int.init) else { throw ClientError("no Content-Length") }
        var received = buffer.count - bodyStart
        while received < length {
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { throw ClientError("the answer broke off after \(received) of \(length) bytes") }
            received += count
        }
        return CountedAnswer(status: status, headers: fields, bodyBytes: received)
    }

    /// Runs `body` with the pid and port of a real `mmcp-console --headless` started with
    /// `arguments`, killed after it whatever happens.
    ///
    /// Its allocator hands every block of 128 KB or more back to the system when it is freed
    /// (`MALLOC_MMAP_THRESHOLD_`), as glibc always does for blocks past 32 MB like the probe's
    /// 220 MB answers: without it, these scaled-down answers would fall under glibc's sliding
    /// threshold and stay in its per-thread arenas after they are freed, and the resident size
    /// would measure the allocator instead of what the server holds.
    func withServer(_ arguments: [String], _ body: (_ pid: Int32, _ port: Int) async throws -> Void) async throws {
        let port = try freePort()
        let process = Process()
        process.executableURL = TestPaths.mmcpConsole
        process.environment = TestEnvironment.server().merging(["MALLOC_MMAP_THRESHOLD_": "131072"]) { $1 }
        process.arguments = ["--headless", "--host", "127.0.0.1", "--port", "\(port)"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                _ = Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let ready = try await waitUntil(attempts: 500, every: .milliseconds(20)) {
            let status = try? await offPool {
                try RawHTTPClient(port: port).send(Array("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).status
            }
            return status == 200
        }
        guard ready else { return }
        try await body(process.processIdentifier, port)
    }

    @Test("eight large answers at once stay within the answer budget: the peak grows by about one answer, not eight")
    func answerBudgetBoundsThePeak() async throws {
        // About 4.8 MB an answer (estimated 6.4 MB): a 12 MB budget lets one be built at a time.
        let request = Self.largeRequest(frames: 33_330)
        try await withServer(["--answer-budget", "12", "--answer-budget-wait", "120"]) { pid, port in
            let warm = try await offPool { try Self.post(port: port, body: request) }
            #expect(warm.status == 200)
            let answerBytes = warm.bodyBytes
            let warmPeak = try Self.memory("VmHWM", of: pid)
            let answers = try await withThrowingTaskGroup(of: CountedAnswer.self) { group in
                for _ in 0..<8 { group.addTask { try await offPool { try Self.post(port: port, body: request) } } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.map(\.status) == Array(repeating: 200, count: 8))
            #expect(answers.allSatisfy { $0.bodyBytes == answerBytes })
            let peak = try Self.memory("VmHWM", of: pid)
            // Eight answers built at once add several times what one takes (each answer's
            // result, buffer and text); built one at a time, the peak stays near the warm one.
            #expect(peak - warmPeak < 3 * answerBytes, "peak \(peak >> 20) MB after a warm peak of \(warmPeak >> 20) MB")
        }
    }

    @Test("new idempotency keys with large answers stay within the store's byte cap; past it the answers are declined")
    func idempotencyStoreBoundsTheResidentSize() async throws {
        // About 2.4 MB an answer: twenty keys would keep 48 MB; the store keeps 8.
        let request = Self.largeRequest(frames: 16_665)
        try await withServer(["--idempotency", "--idempotency-max-mb", "8", "--answer-budget-wait", "120"]) { pid, port in
            let warm = try await offPool { try Self.post(port: port, body: request, headers: ["Idempotency-Key": "warm-up"]) }
            #expect(warm.status == 200)
            let answerBytes = warm.bodyBytes
            let warmResident = try Self.memory("VmRSS", of: pid)
            var declined = 0
            for key in 0..<20 {
                let answer = try await offPool { try Self.post(port: port, body: request, headers: ["Idempotency-Key": "key-\(key)"]) }
                #expect(answer.status == 200)
                if answer.headers["idempotency-status"] == "declined" { declined += 1 }
            }
            let resident = try Self.memory("VmRSS", of: pid)
            // 8 MB holds three answers (the warm-up's among them): the others are declined.
            #expect(declined >= 16)
            #expect(resident - warmResident < 6 * answerBytes, "resident \(resident >> 20) MB after \(warmResident >> 20) MB warm")
            // A kept answer still replays.
            let replay = try await offPool { try Self.post(port: port, body: request, headers: ["Idempotency-Key": "warm-up"]) }
            #expect(replay.status == 200)
            #expect(replay.bodyBytes == answerBytes)
            #expect(replay.headers["idempotency-status"] == nil)
        }
    }
}

/// The memory flags on the command line: a bad value is one line and exit status 2.
@Suite("The memory flags of mmcp-console")
struct MemoryFlagTests {
    @Test(
        "a memory flag out of range gets one line naming it and exit status 2",
        arguments: [
            (["--headless", "--answer-budget", "0"], "--answer-budget"),
            (["--headless", "--idempotency-max-mb", "-1"], "--idempotency-max-mb"),
            (["--headless", "--job-store-max-mb", "99999999999"], "--job-store-max-mb"),
            (["--headless", "--answer-budget-wait", "-2"], "--answer-budget-wait"),
        ])
    func outOfRange(arguments: [String], mention: String) async throws {
        let result = try await CommandLineTests().run(arguments)
        #expect(result.status == 2)
        #expect(result.standardError.contains(mention), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }
}
