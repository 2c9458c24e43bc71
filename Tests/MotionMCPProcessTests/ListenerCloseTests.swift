import Foundation
import MotionMCPTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// How one fresh connection carrying one request ended, as a client sees it.
enum ConnectionOutcome: Hashable, Sendable {
    /// A whole response; `closes` when it said `Connection: close`.
    case answered(status: Int, closes: Bool)
    /// No connection: refused, or the attempt got no answer within the client's wait. Nothing was
    /// sent, so the client can go elsewhere; this is the clean refusal.
    case notConnected
    /// The connection was reset (ECONNRESET, or EPIPE after a reset) while writing or reading.
    case reset
    /// The connection closed before any byte of a response.
    case empty
    /// Anything else (a partial response, a read that timed out).
    case failed(String)

    var isLoss: Bool {
        switch self {
        case .answered, .notConnected: false
        case .reset, .empty, .failed: true
        }
    }
}

/// One request on a fresh loopback connection, told apart the way this test needs (which
/// `RawHTTPClient` does not: it reports every failure alike).
func exchangeOnFreshConnection(port: Int, request: [UInt8], connectWait: Int32 = 250) -> ConnectionOutcome {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return .failed("socket() failed") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    // Connect without blocking, so an attempt the server leaves unanswered (its listener no longer
    // completes handshakes) costs `connectWait` milliseconds rather than the kernel's SYN retries.
    let flags = fcntl(socket, F_GETFL)
    _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
    let started = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if started != 0 {
        guard errno == EINPROGRESS else { return errno == ECONNREFUSED ? .notConnected : .failed("connect: errno \(errno)") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        guard poll(&descriptor, 1, connectWait) > 0 else { return .notConnected }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
        if error == ECONNREFUSED || error == ETIMEDOUT { return .notConnected }
        guard error == 0 else { return .failed("connect: errno \(error)") }
    }
    _ = fcntl(socket, F_SETFL, flags)
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

    var offset = 0
    while offset < request.count {
        let written = request[offset...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written < 0 {
            return errno == ECONNRESET || errno == EPIPE ? .reset : .failed("send: errno \(errno)")
        }
        offset += written
    }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = recv(socket, &chunk, chunk.count, 0)
        if count < 0 { return errno == ECONNRESET ? .reset : .failed("recv: errno \(errno) after \(received.count) bytes") }
        if count == 0 { return received.isEmpty ? .empty : .failed("closed after \(received.count) bytes of a response") }
        received.append(contentsOf: chunk[0..<count])
        if let outcome = completeResponse(received) { return outcome }
    }
}

/// The outcome of `bytes` when they hold a whole response (head and `Content-Length` bytes of body).
private func completeResponse(_ bytes: [UInt8]) -> ConnectionOutcome? {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let end = text.range(of: "\r\n\r\n") else { return nil }
    let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
    guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return .failed("bad status line") }
    var length = 0
    var closes = false
    for line in lines.dropFirst() {
        let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.count == 2 else { continue }
        if parts[0] == "content-length" { length = Int(parts[1]) ?? 0 }
        if parts[0] == "connection" { closes = parts[1] == "close" }
    }
    return text.utf8.count - text[..<end.upperBound].utf8.count >= length ? .answered(status: status, closes: closes) : nil
}

/// What the clients saw in one start-to-exit cycle of a server.
final class CycleTally: Sendable {
    private let outcomes = Mutex<[ConnectionOutcome: Int]>([:])
    private let afterSignal = Mutex(0)
    func record(_ outcome: ConnectionOutcome, afterSignal signalled: Bool) {
        outcomes.withLock { $0[outcome, default: 0] += 1 }
        if signalled, case .answered = outcome { afterSignal.withLock { $0 += 1 } }
    }
    var counts: [ConnectionOutcome: Int] { outcomes.withLock { $0 } }
    /// Requests answered 200 so far.
    var served: Int { outcomes.withLock { $0.filter { if case .answered(200, _) = $0.key { true } else { false } }.values.reduce(0, +) } }
    /// Answers to requests sent after SIGTERM.
    var answeredAfterSignal: Int { afterSignal.withLock { $0 } }
}

/// SIGTERM while connections keep arriving: closing the listener loses none of them.
@Suite("Closing the listener at shutdown", .keepsServerLogs)
struct ListenerCloseTests {
    @Test("twenty SIGTERMs under a stream of new connections: none is reset or closed unanswered, and the shutdown's answers say Connection: close")
    func noConnectionIsResetAtClose() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let body = TestRequests.base
        let request = Array("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        var losses: [Int: [ConnectionOutcome: Int]] = [:]
        var answeredAfterSignal = 0
        var refusalsWithoutClose = 0
        for cycle in 0..<20 {
            let server = try ServerProcess(
                port: try freePort(), arguments: ["--shutdown-grace", "0"], log: directory.appendingPathComponent("\(cycle).log"))
            defer { server.kill() }
            try #require(try await server.waitUntilReady(), "cycle \(cycle): the server never became ready")
            let tally = CycleTally()
            let signalled = StopFlag()
            let stop = StopFlag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { stop.raise() }
                for _ in 0..<8 {
                    group.addTask {
                        try await offPool {
                            // Bounded in count and time, whatever the server does.
                            let deadline = Date().addingTimeInterval(10)
                            for _ in 0..<20_000 where !stop.isRaised && Date() < deadline {
                                let signalledBefore = signalled.isRaised
                                tally.record(exchangeOnFreshConnection(port: server.port, request: request), afterSignal: signalledBefore)
                            }
                        }
                    }
                }
                // The stream of connections under way (on a loaded machine the workers take a while
                // to start), then a different moment in it each time.
                let clock = ContinuousClock()
                let started = clock.now
                while tally.served < 16, clock.now - started < .seconds(5) { try await Task.sleep(for: .milliseconds(5)) }
                try await Task.sleep(for: .milliseconds(10 * (cycle % 10)))
                signalled.raise()
                server.terminate()
                try #require(try await server.waitForExit(), "cycle \(cycle): the server did not exit after SIGTERM")
                stop.raise()
                try await group.waitForAll()
            }
            #expect(server.terminationStatus == 0, "cycle \(cycle)")
            let counts = tally.counts
            let lost = counts.filter { $0.key.isLoss }
            if !lost.isEmpty { losses[cycle] = lost }
            answeredAfterSignal += tally.answeredAfterSignal
            refusalsWithoutClose += counts[.answered(status: 503, closes: false)] ?? 0
            #expect((counts[.answered(status: 200, closes: false)] ?? 0) > 0, "cycle \(cycle): no request was answered before SIGTERM: \(counts)")
        }
        #expect(losses.isEmpty, "connections lost, by cycle: \(losses.sorted { $0.key < $1.key })")
        // The shutdown was under load: requests sent after SIGTERM were answered (the drain's 503s).
        #expect(answeredAfterSignal > 0)
        #expect(refusalsWithoutClose == 0, "503s during the shutdown without Connection: close")
    }
}
