// What the live feeds send and what became of it: both stores apply them with the same meaning.

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

// MARK: - What a payment provider's event did

/// What applying one provider event did.
public enum WebhookOutcome: Sendable, Equatable {
    /// The event was already applied (providers deliver at least once).
    case duplicate
    /// Applied: refunds adopted from outside the console, refunds whose state moved, refunds the console made itself.
    case applied(adopted: Int, updated: Int, own: Int)
    /// Not an event popsa-ops acts on (recorded, so a retry is also a duplicate).
    case ignored
    /// About a payment this database does not hold.
    case unknownPayment
    /// A chargeback's state: where it stands now (a late event leaves a newer state as it was: `changed` false).
    case dispute(id: String, status: DisputeStatus, changed: Bool)
}
