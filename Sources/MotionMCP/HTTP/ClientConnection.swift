import Hummingbird
import Logging
import NIOCore

/// The connection the request being answered arrived on, for the code that must notice its client
/// leaving: a call forwarded to an upstream ends as soon as its client has gone, instead of holding
/// its place (and the upstream's) until the upstream answers. Set for each request by the MMCP
/// application's responder (``ConnectionAwareResponder``); `nil` elsewhere.
package enum ClientConnection {
    @TaskLocal package static var channel: (any Channel)?
}

/// The router's responder with the request's connection made known (``ClientConnection``):
/// Hummingbird's `BasicRequestContext`, which the MMCP routes and an author's own routes use,
/// does not carry it.
struct ConnectionAwareResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    /// The context Hummingbird makes for each request: the router's, and the connection.
    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        let source = ApplicationRequestContextSource(channel: context.channel, logger: context.logger)
        return try await ClientConnection.$channel.withValue(context.channel) {
            try await inner.respond(to: request, context: BasicRequestContext(source: source))
        }
    }
}

/// Notices a client closing its side of a connection. Hummingbird's connections allow half
/// closure, so a client that gives up (its end sends `FIN`) leaves the channel active; this
/// handler, in every MMCP connection's pipeline (``MMCPServer/httpServer``), remembers that the
/// input closed, for a forwarded call's watch to end the call (as nginx ends a proxied request
/// whose client closed, and uvicorn drops one).
package final class ClientDepartureHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = Never

    /// Whether the client closed its side (or the whole connection).
    package let departed = AtomicBox(false)

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { departed.value.store(true, ordering: .relaxed) }
        context.fireUserInboundEventTriggered(event)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        departed.value.store(true, ordering: .relaxed)
        context.fireChannelInactive()
    }

    /// The flag of `channel`'s handler, or `nil` when it has none (a connection of another server).
    package static func departure(of channel: any Channel) async -> AtomicBox<Bool>? {
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: ClientDepartureHandler.self).departed
        }.get()
    }
}
