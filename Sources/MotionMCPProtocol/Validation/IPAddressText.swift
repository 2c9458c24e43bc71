/// IP address literals read as Python's `ipaddress` reads them (strict dotted quads, RFC 4291
/// IPv6 text with an optional `%zone`).
enum IPAddressText {
    /// Whether `text` is a dotted quad: four decimal octets of 1–3 ASCII digits, no leading zeros,
    /// each ≤ 255.
    static func isIPv4(_ text: Substring) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4
            && octets.allSatisfy { octet in
                (1...3).contains(octet.utf8.count) && octet.utf8.allSatisfy { (0x30...0x39).contains($0) }
                    && (octet == "0" || octet.first != "0") && (UInt32(octet) ?? 256) <= 255
            }
    }

    /// Whether `text` is an IPv6 address: eight hextets of 1–4 hex digits, one `::` standing for
    /// at least one zero hextet, an optional dotted quad for the last 32 bits, an optional
    /// non-empty `%zone`.
    static func isIPv6(_ text: Substring) -> Bool {
        var address = text
        if let percent = text.firstIndex(of: "%") {
            let zone = text[text.index(after: percent)...]
            guard !zone.isEmpty, !zone.contains("%") else { return false }
            address = text[..<percent]
        }
        guard !address.isEmpty, !address.contains("/") else { return false }
        var parts = address.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { return false }
        if let last = parts.last, last.contains(".") {
            guard isIPv4(Substring(last)) else { return false }
            parts.removeLast()
            parts += ["0", "0"] // two hextets' worth; only their count and form matter here
        }
        guard parts.count <= 9 else { return false }
        let inner = parts.count > 2 ? Array(parts[1..<(parts.count - 1)]) : []
        let emptyInner = inner.indices.filter { inner[$0].isEmpty }
        var hextets: [String]
        if emptyInner.count > 1 { return false }
        if let skip = emptyInner.first.map({ $0 + 1 }) {
            var high = Array(parts[..<skip])
            var low = Array(parts[(skip + 1)...])
            if high.first == "" {
                guard high.count == 1 else { return false }
                high = []
            }
            if low.last == "" {
                guard low.count == 1 else { return false }
                low = []
            }
            guard high.count + low.count < 8 else { return false }
            hextets = high + low
        } else {
            guard parts.count == 8, parts.first != "", parts.last != "" else { return false }
            hextets = parts
        }
        return hextets.allSatisfy { hextet in
            (1...4).contains(hextet.utf8.count) && hextet.allSatisfy { $0.isHexDigit && $0.isASCII }
        }
    }
}
