import GRDB
import OpsCore

// MARK: - A print partner's update

/// One update a print partner sends about one of its jobs.
public struct PartnerEvent: Sendable, Equatable {
    public var jobID: String
    public var status: PrintJobStatus
    public var at: Timestamp
    public var message: String
    public var trackingNumber: String?
    public var carrier: String?

    public init(
        jobID: String, status: PrintJobStatus, at: Timestamp, message: String = "",
        trackingNumber: String? = nil, carrier: String? = nil
    ) {
        self.jobID = jobID
        self.status = status
        self.at = at
        self.message = message
        self.trackingNumber = trackingNumber
        self.carrier = carrier
    }

    /// Reads `{"job_id", "status", "at", "message"?, "tracking_number"?, "carrier"?}`; a wrong field is named.
    public static func decode(_ value: JSONValue) throws(RecordFieldError) -> PartnerEvent {
        guard case .object(let pairs) = value else { throw RecordFieldError(field: "", message: "expected an object") }
        func string(_ key: String, required: Bool) throws(RecordFieldError) -> String? {
            guard let found = pairs.first(where: { $0.0 == key })?.1, found != .null else {
                if required { throw RecordFieldError(field: key, message: "missing") }
                return nil
            }
            guard case .string(let text) = found, !(required && text.isEmpty) else {
                throw RecordFieldError(field: key, message: "expected a string")
            }
            return text
        }
        let statusText = try string("status", required: true)!
        guard let status = PrintJobStatus(rawValue: statusText) else {
            throw RecordFieldError(
                field: "status", message: "\"\(statusText)\" is not one of \(PrintJobStatus.choices)")
        }
        let atText = try string("at", required: true)!
        let at: Timestamp
        do { at = try Timestamp(iso8601: atText) } catch {
            throw RecordFieldError(field: "at", message: "\"\(atText)\" is not an ISO 8601 time")
        }
        return PartnerEvent(
            jobID: try string("job_id", required: true)!, status: status, at: at,
            message: try string("message", required: false) ?? "",
            trackingNumber: try string("tracking_number", required: false),
            carrier: try string("carrier", required: false))
    }
}

/// What became of a partner's update.
public enum PartnerEventOutcome: Sendable, Equatable {
    /// Recorded as the job's event `sequence`; `current` says whether it is now the job's latest state (an update
    /// older than what the job already shows is kept in the timeline but does not turn the job back).
    case recorded(sequence: Int, current: Bool)
    /// The same update was already recorded (a partner's retry).
    case duplicate(sequence: Int)
    case unknownJob
    /// The job belongs to another partner.
    case notYourJob
}

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
                let current = event.at.seconds >= (job[1] as Int64)
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
