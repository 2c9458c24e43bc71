import Foundation

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// What the protocol promises about every answer to POST /generate, whatever was sent
/// (docs/protocol.md §4.12, §5, §6.4). NullBackbone never fails, so an `internal_error` is our bug.
enum AnswerContract {
    /// The glTF document's top-level members, as GLTFEncoder writes them.
    static let gltfKeys: Set<String> = [
        "asset", "nodes", "scenes", "scene", "skins", "animations", "accessors", "bufferViews", "buffers",
        "extensionsUsed", "extensions",
    ]

    /// Every way `answer` to the body `sent` breaks the contract.
    static func violations(of answer: ProtocolResponse, sent: [UInt8]) -> [String] {
        if answer.status == 500 { return ["status 500: \(preview(answer.body))"] }
        guard let document = try? JSONSerialization.jsonObject(with: Data(answer.body)) else {
            return ["status \(answer.status) with a body that is not strict JSON: \(preview(answer.body))"]
        }
        if answer.status == 200, answer.contentType == ProtocolResponse.gltf {
            return gltfViolations(document)
        }
        guard answer.contentType == ProtocolResponse.json else { return ["content type \(answer.contentType)"] }
        if answer.status == 200 {
            return batchViolations(document, items: batchItemCount(sent))
        }
        guard let object = document as? [String: Any], object.count == 1, let error = object["error"] else {
            return ["status \(answer.status) without an error envelope: \(preview(answer.body))"]
        }
        return errorViolations(error, status: answer.status)
    }

    /// A glTF 2.0 document with the MMCP extension.
    static func gltfViolations(_ document: Any) -> [String] {
        guard let gltf = document as? [String: Any] else { return ["a glTF that is not an object"] }
        var problems: [String] = []
        if Set(gltf.keys) != gltfKeys { problems.append("glTF keys \(gltf.keys.sorted())") }
        if (gltf["asset"] as? [String: Any])?["version"] as? String != "2.0" { problems.append("glTF asset.version") }
        let motion = (gltf["extensions"] as? [String: Any])?["MMCP_motion"] as? [String: Any]
        if (motion?["samples"] as? [Any])?.isEmpty ?? true { problems.append("glTF without MMCP_motion samples") }
        return problems
    }

    /// `{"results": [...]}`, one `{"gltf"}` or `{"error"}` per item.
    static func batchViolations(_ document: Any, items: Int?) -> [String] {
        guard let object = document as? [String: Any], object.count == 1, let results = object["results"] as? [Any] else {
            return ["a 200 application/json answer that is not a batch result"]
        }
        var problems: [String] = []
        if let items, items != results.count { problems.append("\(results.count) results for \(items) items") }
        for (index, result) in results.enumerated() {
            guard let entry = result as? [String: Any], entry.count == 1 else {
                problems.append("result \(index) is not a one-member object")
                continue
            }
            if let gltf = entry["gltf"] {
                problems += gltfViolations(gltf).map { "result \(index): \($0)" }
            } else if let error = entry["error"] {
                problems += errorViolations(error, status: nil).map { "result \(index): \($0)" }
            } else {
                problems.append("result \(index) has neither gltf nor error")
            }
        }
        return problems
    }

    /// `{"code","message","details"}` with a code of the table, the code's status (when the
    /// status was sent), an object for details, and not `internal_error`.
    static func errorViolations(_ error: Any, status: Int?) -> [String] {
        guard let body = error as? [String: Any], Set(body.keys) == ["code", "message", "details"] else {
            return ["an error that is not {code, message, details}"]
        }
        guard let name = body["code"] as? String, let code = ErrorCode(rawValue: name) else {
            return ["error code \(String(describing: body["code"])) is not in the protocol's table"]
        }
        var problems: [String] = []
        if let status, status != code.status { problems.append("status \(status) for \(name) (\(code.status))") }
        if code == .internalError { problems.append("internal_error: \(body["message"] ?? "")") }
        if !(body["message"] is String) { problems.append("message is not a string") }
        if !(body["details"] is [String: Any]) { problems.append("details is not an object") }
        return problems
    }

    /// The number of items of a batch body, as the server parses it (only asked for a batch
    /// answer: parsing every body twice would double the run time).
    static func batchItemCount(_ body: [UInt8]) -> Int? {
        guard case .object(let object)? = try? JSONParser.parse(body), object.contains("requests"),
            case .array(let items)? = object["requests"]
        else { return nil }
        return items.count
    }

    /// The start of a body, readable.
    static func preview(_ bytes: [UInt8], limit: Int = 600) -> String {
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        return bytes.count > limit ? text + "… (\(bytes.count) bytes)" : text
    }
}
