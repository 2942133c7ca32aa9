import OpsCore

/// In-process twins of the Stripe and Braintree facades with the same rules, keeping their state in the database:
/// the default, so the demo database can be refunded offline.
///
/// Stripe rules: a captured charge can be refunded in parts up to what was captured; more is refused
/// (`amount_too_large`), a fully refunded charge is refused (`charge_already_refunded`). Braintree rules: refunds
/// only once settled or settling; before that only a full void; 91506, 91512, 91521, 91504 as Braintree answers.
/// Both replay the stored result for a repeated idempotency key and refuse the key with different parameters.
public struct SandboxGateway: PaymentGateway {
    public let provider: PaymentProvider
    let ledger: any SandboxLedger
    let clock: @Sendable () -> Timestamp

    public init(provider: PaymentProvider, ledger: any SandboxLedger, clock: @escaping @Sendable () -> Timestamp) {
        self.provider = provider
        self.ledger = ledger
        self.clock = clock
    }

    public var idempotencyWindow: Int64 { provider == .stripe ? 24 * 3600 : 30 * 86_400 }

    public func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction {
        // The simulator records its payments itself; the sandbox only has to agree they exist.
        GatewayTransaction(
            id: "sandbox_\(idempotencyKey)", amount: amount,
            status: provider == .stripe ? .settled : .submittedForSettlement,
            refunds: [])
    }

    public func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        let provider = self.provider
        let amount = request.amount
        let fingerprint =
            "\(request.transactionID)|\(amount.minorUnits)|\(amount.currency.code)|\(request.isFullAmount)"
        let record: SandboxRecord
        do {
            (record, _) = try await ledger.sandboxApply(
                provider: provider, transactionID: request.transactionID, idempotencyKey: request.idempotencyKey,
                fingerprint: fingerprint, intentID: request.intentID, window: idempotencyWindow, now: clock()
            ) { state in
                try Self.decide(provider: provider, state: state, request: request)
            }
        } catch let error as GatewayError {
            throw error
        } catch {
            throw .outcomeUnknown("sandbox ledger: \(error)")
        }
        guard record.fingerprint == fingerprint else {
            throw provider == .stripe
                ? .idempotencyConflict(
                    "Keys for idempotent requests can only be used with the same parameters they were first used with")
                : .idempotencyConflict("apiRequestKey was already used with different input values")
        }
        return GatewayRefund(
            id: record.id, amount: record.amount, status: .succeeded, isVoid: record.isVoid,
            intentID: record.intentID)
    }

    /// The provider's rules, applied to the ledger's current view of the transaction.
    static func decide(
        provider: PaymentProvider, state: SandboxTransactionState,
        request: GatewayRefundRequest
    ) throws(GatewayError) -> SandboxDecision {
        let amount = request.amount.minorUnits
        let left = state.amount.minorUnits - state.refunded
        switch provider {
        case .stripe:
            guard state.status.isCaptured, state.status != .voided else {
                throw .refused(
                    code: "charge_not_captured", message: "this charge was not captured (\(state.status.label))")
            }
            guard amount > 0 else {
                throw .invalidRequest(code: "parameter_invalid_integer", message: "amount must be positive")
            }
            if left <= 0 {
                throw .refused(
                    code: "charge_already_refunded", message: "Charge \(state.transactionID) has already been refunded."
                )
            }
            if amount > left {
                throw .refused(
                    code: "amount_too_large",
                    message:
                        "Refund amount (\(request.amount.formatted)) is greater than unrefunded amount on charge "
                        + "(\(Money(minorUnits: left, currency: state.amount.currency).formatted))"
                )
            }
            return .refund(amount)
        case .braintree:
            guard amount > 0 else {
                throw BraintreeGateway.map(errorClass: "VALIDATION", legacyCode: "81531", message: "")
            }
            if state.status == .voided {
                throw BraintreeGateway.map(errorClass: "VALIDATION", legacyCode: "91504", message: "")
            }
            if state.status.isVoidable {
                // Not settled: a full amount voids; a part cannot be refunded yet.
                guard request.isFullAmount, amount == state.amount.minorUnits else {
                    throw BraintreeGateway.map(errorClass: "VALIDATION", legacyCode: "91506", message: "")
                }
                return .void
            }
            guard state.status.isSettledForRefund else {
                throw BraintreeGateway.map(errorClass: "VALIDATION", legacyCode: "91506", message: "")
            }
            if left <= 0 { throw BraintreeGateway.map(errorClass: "VALIDATION", legacyCode: "91512", message: "") }
            if amount > left { throw BraintreeGateway.map(errorClass: "VALIDATION", legacyCode: "91521", message: "") }
            return .refund(amount)
        }
    }

    public func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction {
        let state = try await fetchTransaction(id: transactionID)
        let refund = try await refund(
            GatewayRefundRequest(
                transactionID: transactionID, amount: state.amount, isFullAmount: true, reason: .other,
                idempotencyKey: idempotencyKey, intentID: "", orderID: ""))
        guard refund.isVoid else { throw .refused(code: "91504", message: "the transaction can no longer be voided") }
        return try await fetchTransaction(id: transactionID)
    }

    public func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction {
        let found: (SandboxTransactionState, [SandboxRecord])?
        do { found = try await ledger.sandboxTransaction(provider: provider, transactionID: id) } catch {
            throw .outcomeUnknown("sandbox ledger: \(error)")
        }
        guard let (state, records) = found else { throw .notFound("no \(provider.label) transaction \(id)") }
        return GatewayTransaction(
            id: id, amount: state.amount, status: state.status,
            refunds: records.map {
                GatewayRefund(
                    id: $0.id, amount: $0.amount, status: .succeeded, isVoid: $0.isVoid, intentID: $0.intentID)
            })
    }
}
