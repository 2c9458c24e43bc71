import NIOCore

/// The small requests the server tests send.
package enum TestRequests {
    /// A `POST /generate` body for the model `null`: five joints, one text segment of 10 frames.
    package static let base =
        #"{"protocol_version":"1.4","model":"null","skeleton":{"joints":[{"name":"Hips","rest_translation":[0,0.95,0],"rest_rotation":[0,0,0,1]},{"name":"Spine","parent":"Hips","rest_translation":[0,0.5,0],"rest_rotation":[0,0,0,1]},{"name":"Head","parent":"Spine","rest_translation":[0,0.3,0],"rest_rotation":[0,0,0,1]},{"name":"LeftFoot","parent":"Hips","rest_translation":[0.1,-0.95,0],"rest_rotation":[0,0,0,1]},{"name":"RightFoot","parent":"Hips","rest_translation":[-0.1,-0.95,0],"rest_rotation":[0,0,0,1]}]},"segments":[{"type":"text","prompt":"walk","duration_frames":10}]}"#

    /// ``base`` for `model`.
    package static func base(model: String) -> String {
        base.replacingOccurrences(of: #""model":"null""#, with: #""model":"\#(model)""#)
    }

    /// ``base`` with another prompt: test backbones refuse some prompts by name.
    package static func body(prompt: String = "walk") -> ByteBuffer {
        ByteBuffer(string: base.replacingOccurrences(of: #""prompt":"walk""#, with: #""prompt":"\#(prompt)""#))
    }

    /// ``base`` at `fps` for `frames` frames and `samples` samples.
    package static func sized(fps: Int, frames: Int, samples: Int) -> String {
        base
            .replacingOccurrences(of: #""duration_frames":10"#, with: #""duration_frames":\#(frames)"#)
            .replacingOccurrences(
                of: #""segments":"#, with: #""timing":{"fps":\#(fps)},"options":{"num_samples":\#(samples)},"segments":"#)
    }

    /// `POST /generate` with the JSON `body`, as the bytes of an HTTP/1.1 request.
    package static func rawGenerate(_ body: String) -> [UInt8] {
        Array("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }
}
