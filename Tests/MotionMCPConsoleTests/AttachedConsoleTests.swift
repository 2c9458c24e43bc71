import Testing

@testable import MotionMCP
@testable import MotionMCPConsole
@testable import MotionMCPControl

@Suite("The console attached to a server in another process")
struct AttachedConsoleTests {
    static let live = ControlLink.attached(target: "/run/mmcp/control.sock", reachability: .live)

    @Test("q leaves at once without asking, and quitting asks the server for nothing")
    func quitLeaves() {
        var (session, control) = Fixtures.session(link: Self.live)
        #expect(session.screen(120, 24).lines[23].contains("q leaves the server running"))
        #expect(session.handle(.character("q")) == .quit)
        #expect(session.state.message?.text == "leaving; the server keeps running")
        #expect(session.work(for: .quit) == nil)
        #expect(control.calls.isEmpty)
    }

    @Test("in process, quitting shuts the server down before the console ends")
    func quitInProcess() async throws {
        var (session, control) = Fixtures.session()
        session.handle(.character("q"))
        #expect(session.handle(.character("y")) == .quit)
        let work = try #require(session.work(for: .quit))
        _ = await work()
        #expect(control.calls == [.shutDown])
    }

    @Test(":shutdown asks first; y asks the attached server to shut down; n does nothing")
    func shutdown() async {
        var (session, control) = Fixtures.session(link: Self.live)
        await session.press(.character(":"))
        session.type("shutdown")
        await session.press(.enter)
        #expect(session.state.mode == .confirm(.shutdown))
        #expect(session.screen().text.contains("Shut the server down?"))
        await session.press(.character("n"))
        #expect(control.calls.isEmpty)
        await session.press(.character(":"))
        session.type("shutdown")
        await session.press(.enter, .character("y"))
        #expect(control.calls == [.shutDown])
        #expect(session.state.message?.text == "the server is shutting down: its models drain, then it exits")
    }

    @Test("--read-only refuses :shutdown")
    func shutdownReadOnly() async {
        var (session, control) = Fixtures.session(link: Self.live, readOnly: true)
        await session.press(.character(":"))
        session.type("shutdown")
        await session.press(.enter)
        #expect(session.state.mode == .normal)
        #expect(session.state.message?.isError == true)
        #expect(control.calls.isEmpty)
    }

    @Test("the header names the instance, and says since when and why it stopped answering")
    func unreachableHeader() {
        var (session, control) = Fixtures.session(link: Self.live)
        #expect(session.screen(120, 24).lines[0].contains("host-a pid 4242"))
        control.connect(.attached(target: "/run/mmcp/control.sock", reachability: .unreachable(since: 0, reason: "connection refused")))
        session.refresh()
        let header = session.screen(140, 24).lines[0]
        #expect(header.contains("unreachable since \(Format.timeOfDay(0)): connection refused"))
        #expect(session.screen(140, 24).style(of: "unreachable since") == .messageError)
        control.connect(Self.live)
        session.refresh()
        #expect(!session.screen(140, 24).lines[0].contains("unreachable"))
    }

    @Test("a command the server refuses shows the refusal on the message line")
    func refusal() async {
        var (session, _) = Fixtures.session(link: Self.live, failing: "403: this needs the operate level; the caller (uid 1000 pid 7) has read")
        await session.press(.character("d"), .character("y"))
        #expect(
            session.state.message
                == .init(text: "drain failed: 403: this needs the operate level; the caller (uid 1000 pid 7) has read", isError: true))
    }
}
