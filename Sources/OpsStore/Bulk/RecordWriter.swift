import GRDB
import OpsCore

// MARK: - RecordWriter

/// Writes domain records with prepared upserts: insert, or update the record with the same id. Used by the seed,
/// the importer and the traffic simulator, so all three store a record the same way.
struct RecordWriter {
    private var users: BulkStatement
    private var prints: BulkStatement
    private var photos: BulkStatement
    private var orders: BulkStatement
    private var payments: BulkStatement
    private var jobs: BulkStatement
    private var events: BulkStatement
    private var refunds: BulkStatement
    private var disputes: BulkStatement

    /// - Parameter upsert: update records that exist (import, simulate); a fresh bulk load skips the conflict clause.
    init(_ db: Database, upsert: Bool = true) throws {
        func statement(_ text: String) throws -> BulkStatement {
            try BulkStatement(db, upsert ? text : String(text[..<text.range(of: "ON CONFLICT")!.lowerBound]))
        }
        users = try statement(RecordUpserts.users)
        prints = try statement(RecordUpserts.prints)
        photos = try statement(RecordUpserts.photos)
        orders = try statement(RecordUpserts.orders)
        payments = try statement(RecordUpserts.payments)
        jobs = try statement(RecordUpserts.jobs)
        events = try statement(RecordUpserts.events)
        refunds = try statement(RecordUpserts.refunds)
        disputes = try statement(RecordUpserts.disputes)
    }

    mutating func write(_ u: User) throws {
        RecordUpserts.bind(u, to: &users)
        try users.run()
    }

    mutating func write(_ p: Print) throws {
        RecordUpserts.bind(p, to: &prints)
        try prints.run()
    }

    mutating func write(_ p: Photo) throws {
        RecordUpserts.bind(p, to: &photos)
        try photos.run()
    }

    mutating func write(_ o: Order) throws {
        RecordUpserts.bind(o, to: &orders)
        try orders.run()
    }

    mutating func write(_ p: Payment) throws {
        RecordUpserts.bind(p, to: &payments)
        try payments.run()
    }

    mutating func write(_ j: PrintJob) throws {
        RecordUpserts.bind(j, to: &jobs)
        try jobs.run()
    }

    mutating func write(_ e: PrintJobEvent) throws {
        RecordUpserts.bind(e, to: &events)
        try events.run()
    }

    mutating func write(_ r: Refund) throws {
        RecordUpserts.bind(r, to: &refunds)
        try refunds.run()
    }

    mutating func write(_ d: ImportedDispute) throws {
        RecordUpserts.bind(d, to: &disputes)
        try disputes.run()
    }

    mutating func write(_ c: DemoCustomer) throws {
        try write(c.user)
        for p in c.prints { try write(p) }
        for p in c.photos { try write(p) }
        for o in c.orders { try write(o) }
        for p in c.payments { try write(p) }
        for r in c.refunds { try write(r) }
        for j in c.printJobs { try write(j) }
        for e in c.events { try write(e) }
    }
}
