import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import NIOCore
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// docs/extensions.md §2 on a server: `--glb` negotiates a GLB for a single request whose `Accept`
/// prefers it, the same document as the JSON answer with the buffer in the binary chunk.
@Suite("Binary glTF", .keepsServerLogs)
struct BinaryGLTFTests {
    static let c1Accept = "model/gltf+json, application/json"
    static let c2Accept = "model/gltf+json, application/json, model/gltf-binary;q=0.9"

    func withApp(glb: Bool, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withInProcessServer(NullBackbone(), extensions: ProtocolExtensions(binaryGLTF: glb), body)
    }

    static func generate(_ client: any TestClientProtocol, accept: String?) async throws -> (String?, [UInt8], HTTPFields) {
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: "/generate", method: .post, headers: headers, body: ByteBuffer(string: TestRequests.base)) {
            response in
            #expect(response.status == .ok)
            return (response.headers[.contentType], Array(response.body.readableBytesView), response.headers)
        }
    }

    @Test(
        "each Accept gets the format its q-values prefer; the published clients' headers get JSON",
        arguments: [
            (c1Accept, "model/gltf+json"), (c2Accept, "model/gltf+json"), ("model/gltf-binary", "model/gltf-binary"),
            ("*/*", "model/gltf+json"), (nil as String?, "model/gltf+json"), ("model/gltf+json;q=0.5, model/gltf-binary;q=0.5", "model/gltf+json"),
            ("model/gltf-binary, model/gltf+json;q=0.1", "model/gltf-binary"),
        ])
    func negotiated(_ accept: String?, _ contentType: String) async throws {
        try await withApp(glb: true) { client in
            let (type, _, headers) = try await Self.generate(client, accept: accept)
            #expect(type == contentType)
            #expect(headers[.vary] == "Accept")
        }
    }

    @Test("a GLB read back is the JSON answer's document, and /capabilities lists both formats")
    func sameDocument() async throws {
        try await withApp(glb: true) { client in
            let (_, json, _) = try await Self.generate(client, accept: nil)
            let (_, glb, _) = try await Self.generate(client, accept: "model/gltf-binary")
            #expect(Array(glb.prefix(4)) == Array("glTF".utf8))
            #expect(try GLBContainer.jsonDocument(fromBinary: glb) == json)
            try await client.execute(uri: "/capabilities", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""response_formats":["gltf_2.0_json","gltf_2.0_binary"]"#))
            }
        }
    }

    @Test("with --glb off, a GLB is never sent, no Vary is added and /capabilities lists JSON only")
    func offByDefault() async throws {
        try await withApp(glb: false) { client in
            let (type, _, headers) = try await Self.generate(client, accept: "model/gltf-binary")
            #expect(type == "model/gltf+json")
            #expect(headers[.vary] == nil)
            try await client.execute(uri: "/capabilities", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""response_formats":["gltf_2.0_json"],"#))
            }
        }
    }

    @Test("errors and batches stay JSON whatever Accept asks for")
    func errorsAndBatchesStayJSON() async throws {
        try await withApp(glb: true) { client in
            let item = TestRequests.base.replacingOccurrences(of: #""protocol_version":"1.4","#, with: "")
            let batch = #"{"protocol_version":"1.4","requests":["# + item + "]}"
            for body in ["{", batch] {
                try await client.execute(
                    uri: "/generate", method: .post, headers: [.accept: "model/gltf-binary"], body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.headers[.contentType] == "application/json", "\(body.prefix(20))")
                }
            }
        }
    }
}
