/// The rule a `video_reference` URL must follow (docs/protocol.md §8.1): the request schema applies it,
/// and a fetch helper applies it again on every redirect hop. Where the host points is not
/// checked here; that needs a DNS lookup.
public enum VideoURLRule {
    /// The longest URL accepted, in code points.
    public static let maximumLength = 4096

    /// Why `url` is not acceptable, or `nil` when it is. The checks run in the protocol's order.
    public static func violation(in url: String) -> String? {
        if url.isEmpty { return "video.url must not be empty" }
        let scalars = url.unicodeScalars
        if scalars.count > maximumLength { return "video.url is longer than \(maximumLength) characters" }
        if scalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            return "video.url must not contain whitespace or control characters"
        }
        let parts = URLParts(url)
        if let reason = parts.authorityViolation { return reason }
        guard parts.scheme?.lowercased() == "https" else { return "video.url must be an https URL" }
        guard let authority = parts.authority, !authority.contains("@") else {
            return parts.authority == nil ? "video.url must have a host" : "video.url must not carry user info"
        }
        let (host, port) = hostAndPort(of: authority)
        if host.isEmpty { return "video.url must have a host" }
        if let port, !isValidPort(port) { return "video.url has an invalid port" }
        return nil
    }

    /// The host and the port text of an authority (`[v6]:port` or `host:port`); an empty port
    /// counts as none.
    private static func hostAndPort(of authority: Substring) -> (host: Substring, port: Substring?) {
        let host: Substring
        var afterHost: Substring
        if let open = authority.firstIndex(of: "[") {
            let bracketed = authority[authority.index(after: open)...]
            let close = bracketed.firstIndex(of: "]") ?? bracketed.endIndex
            host = bracketed[..<close]
            afterHost = close < bracketed.endIndex ? bracketed[bracketed.index(after: close)...] : ""
            afterHost = afterHost.firstIndex(of: ":").map { afterHost[afterHost.index(after: $0)...] } ?? ""
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            afterHost = authority[authority.index(after: colon)...]
        } else {
            host = authority
            afterHost = ""
        }
        return (host, afterHost.isEmpty ? nil : afterHost)
    }

    /// ASCII digits only, 1…65535 (leading zeros allowed).
    private static func isValidPort(_ text: Substring) -> Bool {
        var value = 0
        for byte in text.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            if value > 65535 { return false }
        }
        return value > 0
    }
}

/// A URL cut the way Python's `urlsplit` cuts it: the scheme before the first `:` (when it is a
/// letter followed by letters, digits, `+`, `-` or `.`), and the authority after `//` up to the
/// next `/`, `?` or `#`.
private struct URLParts {
    var scheme: Substring?
    var authority: Substring?

    init(_ url: String) {
        var rest = url[...]
        if let colon = url.firstIndex(of: ":"), colon > url.startIndex {
            let candidate = url[..<colon]
            if let first = candidate.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
                candidate.unicodeScalars.allSatisfy(Self.isSchemeCharacter)
            {
                scheme = candidate
                rest = url[url.index(after: colon)...]
            }
        }
        if rest.hasPrefix("//") {
            let afterSlashes = rest.dropFirst(2)
            let end = afterSlashes.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterSlashes.endIndex
            authority = afterSlashes[..<end]
        }
    }

    private static func isSchemeCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "+-.".unicodeScalars.contains(scalar))
    }

    /// What Python's `urlsplit` itself refuses in an authority: unbalanced brackets, a bracketed
    /// host that is not an IPv6 address (or `v…` future form), and characters that NFKC turns into
    /// URL delimiters.
    var authorityViolation: String? {
        guard let authority else { return nil }
        let opens = authority.contains("[")
        let closes = authority.contains("]")
        if opens != closes { return "video.url is an invalid IPv6 URL" }
        if opens, let open = authority.firstIndex(of: "[") {
            let bracketed = authority[authority.index(after: open)...]
            let host = bracketed[..<(bracketed.firstIndex(of: "]") ?? bracketed.endIndex)]
            if let reason = Self.bracketedHostViolation(host) { return reason }
        }
        if authority.unicodeScalars.contains(where: { Self.delimiterLookalikes.contains($0.value) }) {
            return "video.url's host contains characters that normalise to URL delimiters"
        }
        return nil
    }

    private static func bracketedHostViolation(_ host: Substring) -> String? {
        if host.hasPrefix("v") {
            // RFC 3986 IPvFuture: "v", hex digits, ".", then anything.
            let afterV = host.dropFirst()
            let hex = afterV.prefix { $0.isHexDigit && $0.isASCII }
            let rest = afterV.dropFirst(hex.count)
            return !hex.isEmpty && rest.first == "." && rest.count > 1 ? nil : "video.url has an invalid IPvFuture host"
        }
        if IPAddressText.isIPv4(host) { return "video.url has an IPv4 address in brackets" }
        return IPAddressText.isIPv6(host) ? nil : "video.url has an invalid IPv6 host '\(host)'"
    }

    /// Code points whose NFKC form holds `/`, `?`, `#`, `@` or `:` (e.g. U+FF20 FULLWIDTH
    /// COMMERCIAL AT): a host containing one is refused, as Python's `urlsplit` refuses it.
    private static let delimiterLookalikes: Set<UInt32> = [
        0x2047, 0x2048, 0x2049, 0x2100, 0x2101, 0x2105, 0x2106, 0x2A74, 0xFE13, 0xFE16, 0xFE55, 0xFE56,
        0xFE5F, 0xFE6B, 0xFF03, 0xFF0F, 0xFF1A, 0xFF1F, 0xFF20,
    ]
}
