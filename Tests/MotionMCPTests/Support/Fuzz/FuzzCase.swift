/// One fuzz case: the bytes sent and how they were made from a valid request.
struct FuzzCase {
    /// The body sent.
    var body: [UInt8]
    /// The mutations applied, in order (for the failure report).
    var steps: [String]
    /// Whether no mutation was applied, so the request must succeed.
    var isValid: Bool { steps.isEmpty }
}
