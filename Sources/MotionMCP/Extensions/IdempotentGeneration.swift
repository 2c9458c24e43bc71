import HTTPTypes
import Hummingbird

extension MMCPServer {
    /// `POST /generate` with an `Idempotency-Key` (docs/extensions.md §3), once the body has passed
    /// its cap: the first request with a key runs and its answer is kept; the same body again
    /// gets that answer replayed without calling the model (waiting for it while it runs); another
    /// body under the key is `409`. `answer` computes the request's own answer. An answer the
    /// store has no room for (its byte cap) is sent but not kept: `Idempotency-Status: declined`.
    /// A replay is charged to the ``AnswerBudget`` while it is written, as the original was.
    func idempotent(
        _ request: Request, body: [UInt8], store: IdempotencyStore, _ answer: () async -> ProtocolResponse
    ) async throws -> ProtocolResponse {
        guard let key = request.headers[.idempotencyKey] else { return await answer() }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return ProtocolResponse(
                ProtocolError(
                    .invalidRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters",
                    details: ["header": "Idempotency-Key"]))
        }
        let claim = await store.claim(
            authorization: request.headers[.authorization], key: key, fingerprint: IdempotencyStore.fingerprint(body))
        switch claim {
        case .replay(let stored):
            guard let charge = await answerBudget.charge(stored.body.count, waitingAtMost: limits.answerBudgetWait) else {
                return ProtocolResponse(answerBudget.refusal(bytes: stored.body.count))
            }
            var response = ProtocolResponse(status: stored.status, contentType: stored.contentType ?? "", body: stored.body)
            response.charge = charge
            if let location = stored.location { response.headers[.location] = location }
            if let retryAfter = stored.retryAfter { response.headers[.retryAfter] = retryAfter }
            return response
        case .conflict:
            // The docs ask for 409 and name no code; invalid_request is the closest (docs/extensions.md §7 (a)).
            var response = ProtocolResponse(
                ProtocolError(
                    .invalidRequest, "Idempotency-Key reuse with a different body", details: ["idempotency_key": .string(key)]))
            response.status = 409
            return response
        case .declined:
            var response = await answer()
            response.headers[.idempotencyStatus] = "declined"
            return response
        case .cancelled:
            throw CancellationError()
        case .proceed(let ticket):
            var response = await answer()
            if let stored = Self.storable(response) {
                if !store.finish(ticket, with: stored) { response.headers[.idempotencyStatus] = "declined" }
            } else {
                store.release(ticket)
            }
            return response
        }
    }

    /// What of an answer is kept for replay: a 200, a 202 or a final 4xx; `nil` for what a
    /// retry may change (401, 403, 429, every 5xx) and for an upstream's answer the gateway passes
    /// on as it arrives (it is never held whole).
    static func storable(_ response: ProtocolResponse) -> StoredAnswer? {
        guard response.forwarded == nil else { return nil }
        let final = response.status == 200 || response.status == 202 || (400..<500).contains(response.status)
        guard final, ![401, 403, 429].contains(response.status) else { return nil }
        return StoredAnswer(
            status: response.status, contentType: response.contentType.isEmpty ? nil : response.contentType,
            location: response.headers[.location], retryAfter: response.retryAfter.map(String.init), body: response.body)
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key`.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// `Idempotency-Status`.
    static let idempotencyStatus = HTTPField.Name("Idempotency-Status")!
}
