/// The Skeleton and Joint schema (docs/protocol.md §3.2), used for the request's skeleton and for a
/// motion reference's own.
extension SchemaDecoder {
    private static let skeletonFields = ["joints", "coordinate_system", "units"]
    private static let jointFields = ["name", "parent", "rest_translation", "rest_rotation", "display_name"]

    /// A skeleton. Its topology is checked only once every joint read cleanly, and a failure is an
    /// `invalid_skeleton` issue at the skeleton's own location.
    mutating func skeleton(_ value: JSONValue) -> Skeleton? {
        object(value, className: "Skeleton", fields: Self.skeletonFields) { decoder, fields in
            let joints = decoder.required(fields, "joints") { decoder, value in
                decoder.list(value, minLength: 1) { $0.joint($1) }
            }
            _ = decoder.defaulted(fields, "coordinate_system", "right_handed_y_up") {
                $0.literal($1, ["right_handed_y_up"])
            }
            _ = decoder.defaulted(fields, "units", "meters") { $0.literal($1, ["meters"]) }
            return joints.map(Skeleton.init(joints:))
        } check: { decoder, skeleton in
            if let reason = skeleton.topologyProblem { decoder.record(.topology(reason)) }
        }
    }

    private mutating func joint(_ value: JSONValue) -> Joint? {
        object(value, className: "Joint", fields: Self.jointFields) { decoder, fields in
            let name = decoder.required(fields, "name") { $0.string($1, minLength: 1, maxLength: 128) }
            let parent = decoder.nullable(fields, "parent") { $0.string($1) }
            let translation = decoder.required(fields, "rest_translation") { $0.vector($1, as: SIMD3<Double>.self) }
            let rotation = decoder.required(fields, "rest_rotation") { $0.vector($1, as: SIMD4<Double>.self) }
            let displayName = decoder.nullable(fields, "display_name") { $0.string($1, maxLength: 256) }
            guard let name, let translation, let rotation else { return nil }
            return Joint(
                name: name, parent: parent, restTranslation: translation, restRotation: rotation,
                displayName: displayName)
        }
    }
}
