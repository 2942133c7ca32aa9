// MARK: - User

/// A customer of the Popsa app.
public struct User: Hashable, Sendable, Identifiable {
    public var id: String
    public var email: String
    public var name: String
    /// ISO 3166-1 alpha-2.
    public var country: String
    /// BCP 47, e.g. `en-GB`.
    public var locale: String
    public var status: AccountStatus
    public var createdAt: Timestamp

    public init(
        id: String, email: String, name: String, country: String, locale: String, status: AccountStatus,
        createdAt: Timestamp
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.country = country
        self.locale = locale
        self.status = status
        self.createdAt = createdAt
    }
}

// MARK: - Print

/// The design a user makes in the app.
public struct Print: Hashable, Sendable, Identifiable {
    public var id: String
    public var userID: String
    public var product: Product
    public var title: String
    public var pageCount: Int
    public var photoCount: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, userID: String, product: Product, title: String, pageCount: Int, photoCount: Int,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.userID = userID
        self.product = product
        self.title = title
        self.pageCount = pageCount
        self.photoCount = photoCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

// MARK: - Photo

/// One photo of a print, identified by its print and position.
public struct Photo: Hashable, Sendable {
    public var printID: String
    public var position: Int
    public var status: PhotoStatus
    public var filename: String
    public var uploadedAt: Timestamp?

    public init(printID: String, position: Int, status: PhotoStatus, filename: String, uploadedAt: Timestamp?) {
        self.printID = printID
        self.position = position
        self.status = status
        self.filename = filename
        self.uploadedAt = uploadedAt
    }
}

// MARK: - PhotoProgress

/// How far a print's photos have come through the upload pipeline.
public struct PhotoProgress: Hashable, Sendable {
    public var uploaded: Int
    public var missing: Int

    public init(uploaded: Int, missing: Int) {
        self.uploaded = uploaded
        self.missing = missing
    }

    /// A print with missing photos cannot be printed.
    public var blocksPrinting: Bool { missing > 0 }
}

// MARK: - LineItem

/// One line of an order.
public struct LineItem: Hashable, Sendable {
    public var sku: String
    public var description: String
    public var quantity: Int
    /// Minor units of the order's currency.
    public var unitAmount: Int64

    public init(sku: String, description: String, quantity: Int, unitAmount: Int64) {
        self.sku = sku
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
    }

    public var lineTotal: Int64 { checkedLineTotal ?? .max }

    /// quantity × unit amount, or nil when it does not fit in 64 bits.
    public var checkedLineTotal: Int64? { Checked.multiply(Int64(quantity), unitAmount) }
}

// MARK: - Checked

/// Arithmetic on amounts that come from data: nil instead of a trap when a result does not fit.
public enum Checked {
    public static func add(_ a: Int64, _ b: Int64) -> Int64? {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }

    public static func multiply(_ a: Int64, _ b: Int64) -> Int64? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }
}

// MARK: - Address

/// Where an order is sent.
public struct Address: Hashable, Sendable {
    public var name: String
    public var line1: String
    public var line2: String
    public var city: String
    public var region: String
    public var postcode: String
    public var country: String

    public init(
        name: String, line1: String, line2: String = "", city: String, region: String = "",
        postcode: String, country: String
    ) {
        self.name = name
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.region = region
        self.postcode = postcode
        self.country = country
    }

    /// One line for screens: "12 High St, Leeds LS1 4AB, GB".
    public var singleLine: String {
        [name, line1, line2, [city, region, postcode].filter { !$0.isEmpty }.joined(separator: " "), country]
            .filter { !$0.isEmpty }.joined(separator: ", ")
    }
}

// MARK: - Order

/// The purchase of a print.
public struct Order: Hashable, Sendable, Identifiable {
    public var id: String
    public var userID: String
    public var printID: String
    public var currency: Currency
    public var lineItems: [LineItem]
    public var subtotalAmount: Int64
    public var shippingAmount: Int64
    public var taxAmount: Int64
    public var totalAmount: Int64
    public var shippingAddress: Address
    public var status: OrderStatus
    public var createdAt: Timestamp

    public init(
        id: String, userID: String, printID: String, currency: Currency, lineItems: [LineItem],
        subtotalAmount: Int64, shippingAmount: Int64, taxAmount: Int64, totalAmount: Int64,
        shippingAddress: Address, status: OrderStatus, createdAt: Timestamp
    ) {
        self.id = id
        self.userID = userID
        self.printID = printID
        self.currency = currency
        self.lineItems = lineItems
        self.subtotalAmount = subtotalAmount
        self.shippingAmount = shippingAmount
        self.taxAmount = taxAmount
        self.totalAmount = totalAmount
        self.shippingAddress = shippingAddress
        self.status = status
        self.createdAt = createdAt
    }

    public var total: Money { Money(minorUnits: totalAmount, currency: currency) }

    /// The rules an order's amounts obey; the first broken one, if any.
    public var amountsProblem: String? {
        if lineItems.isEmpty { return "an order needs at least one line item" }
        for item in lineItems where item.quantity <= 0 { return "line item \(item.sku) has quantity \(item.quantity)" }
        for item in lineItems where item.unitAmount < 0 { return "line item \(item.sku) has a negative unit amount" }
        // Amounts come from data: every product and sum is checked, so a huge quantity is refused, not a crash.
        var sum: Int64 = 0
        for item in lineItems {
            guard let line = item.checkedLineTotal, let next = Checked.add(sum, line) else {
                return "line item \(item.sku): quantity × unit_amount is too large"
            }
            sum = next
        }
        if sum != subtotalAmount { return "subtotal_amount \(subtotalAmount) is not the sum of line items (\(sum))" }
        if shippingAmount < 0 || taxAmount < 0 { return "shipping_amount and tax_amount cannot be negative" }
        guard let total = Checked.add(subtotalAmount, shippingAmount).flatMap({ Checked.add($0, taxAmount) }) else {
            return "subtotal + shipping + tax is too large"
        }
        if total != totalAmount { return "total_amount \(totalAmount) is not subtotal + shipping + tax (\(total))" }
        return nil
    }
}

// MARK: - Payment

/// An order's transaction at a payment provider.
public struct Payment: Hashable, Sendable, Identifiable {
    public var id: String
    public var orderID: String
    public var provider: PaymentProvider
    /// Stripe `pi_…`/`ch_…`, or a Braintree transaction id.
    public var providerTransactionID: String
    /// Stripe's charge `ch_…` behind a payment intent, when known.
    public var providerChargeID: String?
    public var amount: Int64
    public var currency: Currency
    public var status: PaymentStatus
    public var createdAt: Timestamp
    public var settledAt: Timestamp?

    public init(
        id: String, orderID: String, provider: PaymentProvider, providerTransactionID: String,
        providerChargeID: String?, amount: Int64, currency: Currency, status: PaymentStatus,
        createdAt: Timestamp, settledAt: Timestamp?
    ) {
        self.id = id
        self.orderID = orderID
        self.provider = provider
        self.providerTransactionID = providerTransactionID
        self.providerChargeID = providerChargeID
        self.amount = amount
        self.currency = currency
        self.status = status
        self.createdAt = createdAt
        self.settledAt = settledAt
    }

    public var money: Money { Money(minorUnits: amount, currency: currency) }
}

// MARK: - PrintJob

/// The fulfilment of an order at a print partner.
public struct PrintJob: Hashable, Sendable, Identifiable {
    public var id: String
    public var orderID: String
    public var partner: String
    public var status: PrintJobStatus
    public var trackingNumber: String?
    public var carrier: String?
    public var createdAt: Timestamp
    /// Time of the last partner event: progress stops when this stops moving.
    public var updatedAt: Timestamp

    public init(
        id: String, orderID: String, partner: String, status: PrintJobStatus, trackingNumber: String?,
        carrier: String?, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.orderID = orderID
        self.partner = partner
        self.status = status
        self.trackingNumber = trackingNumber
        self.carrier = carrier
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A job still in progress with no partner event for longer than `threshold` seconds.
    public func isStuck(now: Timestamp, threshold: Int64) -> Bool {
        !status.isTerminal && now.seconds - updatedAt.seconds > threshold
    }
}

// MARK: - PrintJobEvent

/// One entry of a print job's partner timeline.
public struct PrintJobEvent: Hashable, Sendable {
    public var jobID: String
    public var sequence: Int
    public var at: Timestamp
    public var status: PrintJobStatus
    /// The partner's own words: untrusted text.
    public var message: String

    public init(jobID: String, sequence: Int, at: Timestamp, status: PrintJobStatus, message: String) {
        self.jobID = jobID
        self.sequence = sequence
        self.at = at
        self.status = status
        self.message = message
    }
}

// MARK: - Refund

/// A refund intent: money an operator asked to return, recorded before the gateway is called.
public struct Refund: Hashable, Sendable, Identifiable {
    public var id: String
    public var orderID: String
    public var paymentID: String
    public var provider: PaymentProvider
    public var amount: Int64
    public var currency: Currency
    public var status: RefundStatus
    public var reason: RefundReason
    public var note: String
    /// Sent to the gateway as Stripe's Idempotency-Key or Braintree's apiRequestKey.
    public var idempotencyKey: String
    /// Refund (or void) id at the gateway, once known.
    public var gatewayRefundID: String?
    /// Whether the gateway voided the transaction rather than refunding it.
    public var isVoid: Bool
    public var operatorName: String
    public var failureMessage: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, orderID: String, paymentID: String, provider: PaymentProvider, amount: Int64,
        currency: Currency, status: RefundStatus, reason: RefundReason, note: String, idempotencyKey: String,
        gatewayRefundID: String?, isVoid: Bool, operatorName: String, failureMessage: String?,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.orderID = orderID
        self.paymentID = paymentID
        self.provider = provider
        self.amount = amount
        self.currency = currency
        self.status = status
        self.reason = reason
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.gatewayRefundID = gatewayRefundID
        self.isVoid = isVoid
        self.operatorName = operatorName
        self.failureMessage = failureMessage
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var money: Money { Money(minorUnits: amount, currency: currency) }
}
