import GRDB
import OpsCore

extension SQLiteStore {
    /// Records a partner's update of one of its jobs, in one transaction: the event in the job's timeline, and the
    /// job's status, time of last news, tracking number and carrier when the update is newer than what the job
    /// shows. A job stuck for want of news is no longer stuck once its partner speaks.
    public func recordPartnerEvent(
        _ event: PartnerEvent, partner: String, received: Timestamp
    ) throws -> PartnerEventOutcome {
        do {
            return try writeImmediately { db in
                try Schema.touch(db, .partners, at: received)
                guard
                    let job = try Row.fetchOne(
                        db, sql: "SELECT partner, updated_at FROM print_jobs WHERE id = ?", arguments: [event.jobID])
                else { return .unknownJob }
                guard (job[0] as String) == partner else { return .notYourJob }
                if let sequence = try Int.fetchOne(
                    db,
                    sql: """
                        SELECT sequence FROM print_job_events
                        WHERE job_id = ? AND at = ? AND status = ? AND message = ?
                        """, arguments: [event.jobID, event.at.seconds, event.status.rawValue, event.message])
                {
                    return .duplicate(sequence: sequence)
                }
                let sequence =
                    (try Int.fetchOne(
                        db, sql: "SELECT max(sequence) FROM print_job_events WHERE job_id = ?",
                        arguments: [event.jobID]) ?? 0) + 1
                try db.execute(
                    sql: "INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?, ?, ?, ?, ?)",
                    arguments: [event.jobID, sequence, event.at.seconds, event.status.rawValue, event.message])
                let current = event.isCurrent(jobUpdatedAt: job[1])
                if current {
                    try db.execute(
                        sql: """
                            UPDATE print_jobs SET status = ?, updated_at = ?,
                              tracking_number = coalesce(?, tracking_number), carrier = coalesce(?, carrier)
                            WHERE id = ?
                            """,
                        arguments: [
                            event.status.rawValue, event.at.seconds, event.trackingNumber, event.carrier, event.jobID,
                        ])
                }
                return .recorded(sequence: sequence, current: current)
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }
}
