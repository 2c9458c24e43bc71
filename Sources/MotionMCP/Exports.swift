// A model author imports MotionMCP alone: the wire protocol's types (requests, results, specs,
// errors) and the control vocabulary (snapshots, ServerControl) come with it.
@_exported import MotionMCPControl
@_exported import MotionMCPProtocol
