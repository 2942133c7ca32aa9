import GRDB
import OpsCore

extension SQLiteStore: TrafficStore {
    public func customerCount() async throws -> Int {
        try readNow { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }

    public func insert(_ customers: [DemoCustomer]) async throws {
        try writeImmediately { db in
            var writer = try RecordWriter(db)
            for customer in customers { try writer.write(customer) }
        }
    }

    /// Missing photos are about one in fifty, spread through the table: a scan finds `limit` of them after a few
    /// thousand rows, so no index is kept for this (building one costs two seconds of every million-customer seed).
    public func uploadMissingPhotos(limit: Int, now: Timestamp) async throws -> Int {
        try writeImmediately { db in
            try db.execute(
                sql: """
                    UPDATE photos SET status = 'uploaded', uploaded_at = ?
                    WHERE (print_id, position) IN (SELECT print_id, position FROM photos WHERE status = 'missing' \
                    LIMIT ?)
                    """, arguments: [now.seconds, limit])
            return db.changesCount
        }
    }

    public func advancePrintJobs(limit: Int, now: Timestamp, seed: UInt64) async throws -> Int {
        try writeImmediately { db in
            var random = DemoRandom(seed: seed)
            // The most recently active jobs: a partner works through its queue, it does not revive stuck ones.
            let jobs = try fetchDecoded(
                db,
                """
                SELECT \(Columns.job) FROM print_jobs j WHERE j.status IN \(Schema.inProgressJobStatuses)
                ORDER BY j.updated_at DESC LIMIT ?
                """, [limit * 4]
            ) { try PrintJob(row: $0) }
            var moved = 0
            for job in jobs where moved < limit && random.chance(250) {
                guard let next = job.status.next else { continue }
                let sequence =
                    (try Int.fetchOne(
                        db, sql: "SELECT max(sequence) FROM print_job_events WHERE job_id = ?", arguments: [job.id])
                        ?? 0) + 1
                let tracking =
                    next == .shipped
                    ? (job.trackingNumber ?? "SIM\(now.seconds)\(sequence)\(moved)") : job.trackingNumber
                try db.execute(
                    sql: """
                        UPDATE print_jobs SET status = ?, updated_at = ?, tracking_number = ?, carrier = \
                        coalesce(carrier, ?) WHERE id = ?
                        """, arguments: [next.rawValue, now.seconds, tracking, next == .shipped ? "DHL" : nil, job.id])
                let message: String =
                    switch next {
                    case .sent: "Sent to \(job.partner)"
                    case .accepted: "Accepted by partner"
                    case .printing: "In production"
                    case .shipped: "Dispatched, tracking \(tracking ?? "")"
                    default: "Delivered"
                    }
                try db.execute(
                    sql: "INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?, ?, ?, ?, ?)",
                    arguments: [job.id, sequence, now.seconds, next.rawValue, message])
                moved += 1
            }
            return moved
        }
    }
}
