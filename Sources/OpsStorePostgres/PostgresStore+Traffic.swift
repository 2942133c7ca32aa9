import OpsCore
import PostgresNIO

// MARK: - PostgresStore: TrafficStore

/// The traffic simulator's writes (`popsa-ops simulate`), with the SQLite store's statements: new customers with
/// the upserts both stores share, photo uploads, partners moving jobs on. The triggers keep the running counts and
/// tell the open consoles, as for any other write.
extension PostgresStore: TrafficStore {
    public func insert(_ customers: [DemoCustomer]) async throws {
        try await write { connection in
            let on = PostgresTarget.connection(connection)
            for customer in customers {
                for write in RecordUpserts.writes(customer) {
                    try await execute(Self.numbered(write.sql), write.values, on: on)
                }
            }
        }
    }

    /// Missing photos are about one in fifty, spread through the table: a scan finds `limit` of them soon.
    public func uploadMissingPhotos(limit: Int, now: Timestamp) async throws -> Int {
        try await write { connection in
            try await fetch(
                """
                UPDATE photos SET status = 'uploaded', uploaded_at = $1
                WHERE (print_id, position) IN (SELECT print_id, position FROM photos WHERE status = 'missing' LIMIT $2)
                RETURNING 1
                """, [.integer(now.seconds), .integer(Int64(limit))], on: .connection(connection)
            ) { _ in () }.count
        }
    }

    public func advancePrintJobs(limit: Int, now: Timestamp, seed: UInt64) async throws -> Int {
        try await write { connection in
            let on = PostgresTarget.connection(connection)
            var random = DemoRandom(seed: seed)
            let jobs = try await fetch(
                Self.numbered(SimulatedPartner.candidatesSQL), [.integer(Int64(limit * 4))], on: on
            ) { try PrintJob(row: $0) }
            var moved = 0
            for job in jobs where moved < limit && random.chance(250) {
                let last = try await fetchFirst(
                    "SELECT max(sequence) FROM print_job_events WHERE job_id = $1", [.text(job.id)], on: on
                ) { try $0.optionalInteger(0) }
                let sequence = Int((last ?? nil) ?? 0) + 1
                guard let step = SimulatedPartner.step(job, now: now, sequence: sequence, moved: moved) else {
                    continue
                }
                try await execute(
                    Self.numbered(SimulatedPartner.updateSQL),
                    [
                        .text(step.status.rawValue), .integer(now.seconds),
                        step.trackingNumber.map(StoreValue.text) ?? .null,
                        step.carrier.map(StoreValue.text) ?? .null, .text(job.id),
                    ], on: on)
                try await execute(
                    Self.numbered(SimulatedPartner.eventSQL),
                    [
                        .text(job.id), .integer(Int64(sequence)), .integer(now.seconds), .text(step.status.rawValue),
                        .text(step.message),
                    ], on: on)
                moved += 1
            }
            return moved
        }
    }
}
