import Hummingbird

/// How the server describes itself: the OpenAPI document at `/openapi.json` and the Swagger UI
/// (`/docs`) and ReDoc (`/redoc`) pages that render it.
public struct APIDocumentation: Sendable {
    /// The application's title (`info.title`, and the pages' titles).
    public var title: String
    /// The application's description (`info.description`).
    public var description: String
    /// Whether the document and pages are served at start-up (they can be switched at run time).
    public var enabled: Bool
    /// Where the pages load their scripts and styles from; point these at a mirror on a host
    /// without internet.
    public var assets: Assets

    /// The script and style URLs the documentation pages load.
    public struct Assets: Sendable {
        /// Swagger UI's JavaScript bundle.
        public var swaggerUIScript: String
        /// Swagger UI's stylesheet.
        public var swaggerUIStylesheet: String
        /// ReDoc's standalone JavaScript bundle.
        public var redocScript: String

        /// The public CDN copies the reference's pages use.
        public static let publicCDN = Assets(
            swaggerUIScript: "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
            swaggerUIStylesheet: "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
            redocScript: "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js")

        public init(swaggerUIScript: String, swaggerUIStylesheet: String, redocScript: String) {
            self.swaggerUIScript = swaggerUIScript
            self.swaggerUIStylesheet = swaggerUIStylesheet
            self.redocScript = redocScript
        }
    }

    /// The default description, pointing at the protocol's documentation.
    public static let defaultDescription =
        "MMCP — Motion Model Context Protocol. See https://animatica.ai/mmcp for the protocol docs."

    /// Documentation with the reference's defaults: title `MMCP`, switched on, assets from the public CDN.
    public init(
        title: String = "MMCP", description: String = APIDocumentation.defaultDescription, enabled: Bool = true,
        assets: Assets = .publicCDN
    ) {
        self.title = title
        self.description = description
        self.enabled = enabled
        self.assets = assets
    }
}

extension MMCPServer {
    /// The path the MMCP routes are mounted under, read from a request to one of them (so the
    /// pages link to the right document when mounted under a prefix).
    func mountPrefix(of request: Request, route: String) -> String {
        let path = request.uri.path
        return path.hasSuffix(route) ? String(path.dropLast(route.count)) : ""
    }

    /// The document of the server as configured: its mount prefix, its operational routes and its
    /// protocol extensions, with the times its stores actually keep (raised to their minimums).
    func openAPIDocument(for request: Request) -> [UInt8] {
        var extensions = options.extensions
        if let jobs { extensions.jobRetention = jobs.retention }
        if let idempotency { extensions.idempotencyTimeToLive = idempotency.timeToLive }
        return OpenAPIDocument.render(
            title: documentation.title, description: documentation.description,
            pathPrefix: mountPrefix(of: request, route: "/openapi.json"),
            operational: servesOperationalRoutes.load(ordering: .relaxed), extensions: extensions)
    }

    func swaggerPage(for request: Request) -> [UInt8] {
        // The prefix comes from the request path: escaped for the script it lands in.
        let prefix = javaScriptEscaped(mountPrefix(of: request, route: "/docs"))
        let title = htmlEscaped(documentation.title)
        let page = """
            <!DOCTYPE html>
            <html>
            <head>
            <link type="text/css" rel="stylesheet" href="\(htmlEscaped(documentation.assets.swaggerUIStylesheet))">
            <title>\(title) - Swagger UI</title>
            </head>
            <body>
            <div id="swagger-ui"></div>
            <script src="\(htmlEscaped(documentation.assets.swaggerUIScript))"></script>
            <script>
            const ui = SwaggerUIBundle({
                url: '\(prefix)/openapi.json',
                dom_id: '#swagger-ui',
                layout: 'BaseLayout',
                deepLinking: true,
                oauth2RedirectUrl: window.location.origin + '\(prefix)/docs/oauth2-redirect',
                presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
            })
            </script>
            </body>
            </html>
            """
        return Array(page.utf8)
    }

    func redocPage(for request: Request) -> [UInt8] {
        let prefix = htmlEscaped(mountPrefix(of: request, route: "/redoc"))
        let page = """
            <!DOCTYPE html>
            <html>
            <head>
            <title>\(htmlEscaped(documentation.title)) - ReDoc</title>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body { margin: 0; padding: 0; }</style>
            </head>
            <body>
            <noscript>ReDoc requires Javascript to function. Please enable it to browse the documentation.</noscript>
            <redoc spec-url="\(prefix)/openapi.json"></redoc>
            <script src="\(htmlEscaped(documentation.assets.redocScript))"></script>
            </body>
            </html>
            """
        return Array(page.utf8)
    }
}

/// The page Swagger UI returns to after an OAuth2 login; it hands the result back to its opener.
let oauth2RedirectPage = """
    <!doctype html>
    <html lang="en-US">
    <head><title>Swagger UI: OAuth2 Redirect</title></head>
    <body>
    <script>
    'use strict';
    (function () {
        const oauth2 = window.opener.swaggerUIRedirectOauth2;
        const query = new URLSearchParams(window.location.hash ? window.location.hash.substring(1) : window.location.search);
        const params = Object.fromEntries(query.entries());
        oauth2.auth.code = params.code;
        oauth2.callback({auth: oauth2.auth, token: params, isValid: params.state === oauth2.state});
        window.close();
    })();
    </script>
    </body>
    </html>
    """

func htmlEscaped(_ text: String) -> String {
    var escaped = ""
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#x27;"
        default: escaped.append(character)
        }
    }
    return escaped
}

/// `text` safe inside a single-quoted JavaScript string in an HTML `<script>`: quotes,
/// backslashes and the characters that could close the script are written as `\uXXXX`.
func javaScriptEscaped(_ text: String) -> String {
    var escaped = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\", "'", "\"", "<", ">", "&", "\n", "\r", "\u{2028}", "\u{2029}":
            escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
        default:
            escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped
}
