import MotionMCPCommandLine

// Only NullBackbones are served here, and their generate never blocks a thread: Swift
// concurrency may run on the event loops (docs/performance.md).
await MMCPCommand.main(runsConcurrencyOnEventLoops: true)
