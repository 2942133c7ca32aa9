// MARK: - DemoCustomer

/// One customer of the demo data set with everything that hangs off them.
public struct DemoCustomer: Sendable {
    public var user: User
    public var prints: [Print] = []
    public var photos: [Photo] = []
    public var orders: [Order] = []
    public var payments: [Payment] = []
    public var printJobs: [PrintJob] = []
    public var events: [PrintJobEvent] = []
    public var refunds: [Refund] = []

    public init(user: User) { self.user = user }
}

// MARK: - DemoGenerator

/// Generates a realistic, deterministic demo data set: the same `seed` and `now` give the same data on every
/// machine, and customer `index` can be generated without generating the ones before it.
///
/// Proportions (roughly): a third of users never design anything; most prints are ordered; payments are 70 %
/// Stripe; orders older than two days are settled, recent Braintree ones still submitted for settlement; about
/// 1.5 % of print jobs stall at the partner, 1.5 % fail, 2 % of orders wait on missing photos; 1.5 % of orders are
/// refunded and 1.5 % partly refunded.
public struct DemoGenerator: Sendable {
    public let seed: UInt64
    public let now: Timestamp
    /// How far back signups go.
    public let history: Int64 = 730 * 86_400

    public init(seed: UInt64, now: Timestamp) {
        self.seed = seed
        self.now = now
    }

    static let countryWeights: [(Country, Int)] = Country.served.map { country in
        let weight =
            switch country.code {
            case "GB": 300
            case "US": 120
            case "DE", "FR": 40
            case "IE", "AU", "CA": 30
            case "ES", "IT", "NL", "JP": 20
            default: 7
            }
        return (country, weight)
    }

    static func language(of locale: String) -> String {
        String(locale.prefix { $0 != "-" })
    }

    /// Customer `index`; with `signedUpAt`, a brand-new one (the traffic simulator's signups).
    public func customer(_ index: Int, signedUpAt: Timestamp? = nil) -> DemoCustomer {
        var random = DemoRandom(seed: seed, stream: 1, index: UInt64(index))
        let country = random.weighted(Self.countryWeights)
        let name = DemoCatalog.name(language: Self.language(of: country.locale), random: &random)
        // Signups grow over time: the square root skews towards the recent past. A few percent are from the last
        // two days, so even a small demo has orders in flight and payments not yet settled.
        let ageFraction = Double(random.below(1_000_000)) / 1_000_000
        let age =
            random.chance(30)
            ? random.within64(600...(2 * 86_400))
            : Int64(Double(history) * (1 - ageFraction.squareRoot()))
        let signup = signedUpAt ?? now.adding(seconds: -max(60, age))
        let status: AccountStatus = random.weighted([(.active, 970), (.locked, 20), (.deleted, 10)])
        let user = User(
            id: DemoID.make("usr_", index: UInt64(index), salt: seed &+ 1),
            email: "\(name.ascii)\(index)@\(random.pick(DemoCatalog.emailDomains))",
            name: name.native, country: country.code, locale: country.locale, status: status, createdAt: signup)
        var customer = DemoCustomer(user: user)
        let printCount = random.weighted([(0, 330), (1, 420), (2, 160), (3, 60), (4, 20), (5, 10)])
        for slot in 0..<printCount {
            addPrint(to: &customer, country: country, slot: slot, userIndex: index, random: &random)
        }
        return customer
    }

    private func addPrint(
        to customer: inout DemoCustomer, country: Country, slot: Int, userIndex: Int,
        random: inout DemoRandom
    ) {
        let globalIndex = UInt64(userIndex) * 8 + UInt64(slot)
        let product: Product = random.weighted([
            (.photobook, 300), (.loosePrints, 400), (.christmasOrnament, 150),
            (.calendar, 80), (.framedPrint, 70),
        ])
        let (pages, photoCount): (Int, Int) =
            switch product {
            case .photobook:
                {
                    let p = random.within(10...20) * 2; return (p, p - random.below(6))
                }()
            case .loosePrints:
                {
                    let n = random.within(1...12); return (n, n)
                }()
            case .christmasOrnament, .framedPrint: (1, 1)
            case .calendar: (13, 12)
            }
        let span = max(3600, now.seconds - customer.user.createdAt.seconds)
        let created = max(
            customer.user.createdAt,
            min(now.adding(seconds: -30), customer.user.createdAt.adding(seconds: random.within64(0...(span * 9 / 10))))
        )
        let print = Print(
            id: DemoID.make("prt_", index: globalIndex, salt: seed &+ 2), userID: customer.user.id,
            product: product, title: random.pick(DemoCatalog.titles[product]!), pageCount: pages,
            photoCount: photoCount, createdAt: created,
            updatedAt: created.adding(seconds: random.within64(60...7200)))
        customer.prints.append(print)

        // Uploads still running for recent designs; a stuck upload now and then for old ones.
        let recent = now.seconds - created.seconds < 3 * 86_400
        let missing =
            recent && random.chance(200)
            ? random.within(1...3)
            : random.chance(20) ? random.within(1...2) : 0
        for position in 1...photoCount {
            let isMissing = position > photoCount - missing
            customer.photos.append(
                Photo(
                    printID: print.id, position: position, status: isMissing ? .missing : .uploaded,
                    filename: "IMG_\(1000 + (Int(globalIndex % 8000) + position * 7) % 9000).HEIC",
                    uploadedAt: isMissing ? nil : created.adding(seconds: Int64(position) * 3)))
        }
        // An old design still missing photos was never ordered: support would have sorted an order out long ago.
        let staleUpload = missing > 0 && now.seconds - created.seconds > 30 * 86_400
        if random.chance(750) && !staleUpload {
            addOrder(
                to: &customer, print: print, missingPhotos: missing, country: country, index: globalIndex,
                random: &random)
        }
    }

    private func addOrder(
        to customer: inout DemoCustomer, print: Print, missingPhotos: Int, country: Country,
        index: UInt64, random: inout DemoRandom
    ) {
        var created = print.updatedAt.adding(seconds: random.within64(600...(3 * 86_400)))
        if created > now.adding(seconds: -30) {
            // Would be in the future: the customer ordered at some point since designing it.
            let span = max(60, now.seconds - 30 - print.updatedAt.seconds)
            created = print.updatedAt.adding(seconds: random.within64(0...span))
        }
        created = max(print.createdAt, min(now.adding(seconds: -30), created))
        let currency = country.currency
        let quantity = print.product == .loosePrints ? print.pageCount : random.weighted([(1, 85), (2, 12), (3, 3)])
        let unit = DemoCatalog.price(pence: DemoCatalog.basePence(print.product, pages: print.pageCount), in: currency)
        let items = [
            LineItem(
                sku: "\(print.product.rawValue)-\(print.pageCount)", description: print.product.label,
                quantity: quantity, unitAmount: unit)
        ]
        let subtotal = items.reduce(Int64(0)) { $0 + $1.lineTotal }
        let shipping = DemoCatalog.price(pence: 299, in: currency)
        let tax = country.code == "US" ? subtotal * 8 / 100 : 0
        let age = now.seconds - created.seconds
        var status: OrderStatus = random.weighted([
            (.paid, 950), (.cancelled, 10), (.refunded, 15),
            (.partiallyRefunded, 15), (.pending, 10),
        ])
        if age > 3 * 86_400 && status == .pending { status = .paid }
        if age < 86_400 && (status == .refunded || status == .partiallyRefunded) { status = .paid }
        let street = random.pick(DemoCatalog.streets)
        let order = Order(
            id: DemoID.make("ord_", index: index, salt: seed &+ 3), userID: customer.user.id, printID: print.id,
            currency: currency, lineItems: items, subtotalAmount: subtotal, shippingAmount: shipping, taxAmount: tax,
            totalAmount: subtotal + shipping + tax,
            shippingAddress: Address(
                name: customer.user.name, line1: "\(random.within(1...220)) \(street)",
                city: DemoCatalog.cities[country.code] ?? country.name,
                postcode: "\(random.within(10000...99999))", country: country.code),
            status: status, createdAt: created)
        customer.orders.append(order)
        let payment = makePayment(order: order, index: index, random: &random)
        customer.payments.append(payment)
        if status == .refunded || status == .partiallyRefunded {
            addRefund(
                to: &customer, order: order, payment: payment, full: status == .refunded, index: index,
                random: &random)
        }
        if status != .pending && status != .cancelled {
            addPrintJob(
                to: &customer, order: order, blocked: missingPhotos > 0, country: country, index: index,
                random: &random)
        }
    }

    private func makePayment(order: Order, index: UInt64, random: inout DemoRandom) -> Payment {
        let provider: PaymentProvider = random.chance(700) ? .stripe : .braintree
        let age = now.seconds - order.createdAt.seconds
        var transactionID: String
        var chargeID: String?
        var status: PaymentStatus
        var settledAt: Timestamp?
        switch provider {
        case .stripe:
            chargeID = DemoID.stripe("ch_", index: index, salt: seed &+ 4, random: &random)
            if age > 400 * 86_400 {
                transactionID = chargeID!
                chargeID = nil
            } else {
                transactionID = DemoID.stripe("pi_", index: index, salt: seed &+ 5, random: &random)
            }
            status = .settled
            settledAt = order.createdAt
        case .braintree:
            transactionID = DemoID.braintree(index: index, salt: seed &+ 6)
            if age < 86_400 {
                status = .submittedForSettlement
            } else if age < 2 * 86_400 {
                status = .settling
            } else {
                status = .settled
                settledAt = order.createdAt.adding(seconds: 86_400 + random.within64(0...20_000))
            }
        }
        if order.status == .pending { status = .authorized; settledAt = nil }
        if order.status == .cancelled { status = .voided; settledAt = nil }
        return Payment(
            id: DemoID.make("pay_", index: index, salt: seed &+ 7), orderID: order.id, provider: provider,
            providerTransactionID: transactionID, providerChargeID: chargeID, amount: order.totalAmount,
            currency: order.currency, status: status, createdAt: order.createdAt, settledAt: settledAt)
    }

    private func addRefund(
        to customer: inout DemoCustomer, order: Order, payment: Payment, full: Bool, index: UInt64,
        random: inout DemoRandom
    ) {
        let amount = full ? order.totalAmount : max(1, order.totalAmount * Int64(random.within(20...50)) / 100)
        let at = min(now.adding(seconds: -60), order.createdAt.adding(seconds: random.within64(86_400...(20 * 86_400))))
        let reason: RefundReason = random.weighted([
            (.damaged, 30), (.lostInDelivery, 25), (.printQuality, 20),
            (.lateDelivery, 15), (.customerRequest, 10),
        ])
        let id = DemoID.make("ref_", index: index, salt: seed &+ 8)
        customer.refunds.append(
            Refund(
                id: id, orderID: order.id, paymentID: payment.id, provider: payment.provider, amount: amount,
                currency: order.currency, status: .succeeded, reason: reason, note: "", idempotencyKey: "seed-\(id)",
                gatewayRefundID: payment.provider == .stripe
                    ? DemoID.stripe("re_", index: index, salt: seed &+ 9, random: &random)
                    : DemoID.braintree(index: index, salt: seed &+ 10),
                isVoid: false, operatorName: "seed", failureMessage: nil, createdAt: at, updatedAt: at))
    }

    private func addPrintJob(
        to customer: inout DemoCustomer, order: Order, blocked: Bool, country: Country,
        index: UInt64, random: inout DemoRandom
    ) {
        let partner = random.pick(DemoCatalog.partners(for: country.code))
        let jobID = DemoID.make("job_", index: index, salt: seed &+ 11)
        let created = min(now, order.createdAt.adding(seconds: random.within64(60...1800)))
        var status = PrintJobStatus.queued
        var at = created
        var events = [
            PrintJobEvent(
                jobID: jobID, sequence: 1, at: created, status: .queued,
                message: blocked ? "Waiting for photos to upload" : "Queued for \(partner.name)")
        ]
        var tracking: String?
        // Where this job's story ends early: stalled at a partner, failed, or still waiting on photos.
        // Stalls are recent: an old one would long since have been chased and resolved.
        let recent = now.seconds - created.seconds < 45 * 86_400
        let stallAt: PrintJobStatus? =
            blocked
            ? .queued
            : recent && random.chance(40) ? random.pick([.sent, .accepted, .printing, .shipped]) : nil
        let failAt: PrintJobStatus? = stallAt == nil && random.chance(15) ? random.pick([.accepted, .printing]) : nil
        while let next = status.next, status != stallAt {
            let step: ClosedRange<Int64> =
                switch next {
                case .sent: 600...7200
                case .accepted: 3600...21_600
                case .printing: 21_600...108_000
                case .shipped: 43_200...172_800
                default: 86_400...(country.code == "GB" ? 259_200 : 604_800)
                }
            let nextAt = at.adding(seconds: random.within64(step))
            if nextAt > now { break }
            at = nextAt
            if status == failAt {
                status = .failed
                events.append(
                    PrintJobEvent(
                        jobID: jobID, sequence: events.count + 1, at: at, status: .failed,
                        message: random.pick(DemoCatalog.failureMessages)))
                break
            }
            status = next
            var message: String
            switch next {
            case .sent: message = "Sent to \(partner.name)"
            case .accepted: message = "Accepted by partner (ref P-\(100_000 + Int(index % 900_000)))"
            case .printing: message = "In production"
            case .shipped:
                tracking = DemoCatalog.trackingNumber(partner.trackingStyle, index: index)
                message = "Dispatched with \(partner.carrier), tracking \(tracking!)"
            default: message = "Delivered"
            }
            events.append(
                PrintJobEvent(jobID: jobID, sequence: events.count + 1, at: at, status: next, message: message))
        }
        customer.printJobs.append(
            PrintJob(
                id: jobID, orderID: order.id, partner: partner.name, status: status,
                trackingNumber: tracking, carrier: tracking == nil ? nil : partner.carrier,
                createdAt: created, updatedAt: at))
        customer.events.append(contentsOf: events)
    }
}
