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
            let jobs = try fetchDecoded(db, SimulatedPartner.candidatesSQL, [limit * 4]) { try PrintJob(row: $0) }
            var moved = 0
            for job in jobs where moved < limit && random.chance(250) {
                let sequence =
                    (try Int.fetchOne(
                        db, sql: "SELECT max(sequence) FROM print_job_events WHERE job_id = ?", arguments: [job.id])
                        ?? 0) + 1
                guard let step = SimulatedPartner.step(job, now: now, sequence: sequence, moved: moved) else {
                    continue
                }
                try db.execute(
                    sql: SimulatedPartner.updateSQL,
                    arguments: [step.status.rawValue, now.seconds, step.trackingNumber, step.carrier, job.id])
                try db.execute(
                    sql: SimulatedPartner.eventSQL,
                    arguments: [job.id, sequence, now.seconds, step.status.rawValue, step.message])
                moved += 1
            }
            return moved
        }
    }
}
