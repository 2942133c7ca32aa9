// MARK: - Moving a database from one store to another

/// A column's value as it moves between stores (`popsa-ops migrate`): the stores keep integers (times, amounts)
/// and text (ids, JSON) only.
public enum StoreValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case text(String)
}

/// What `popsa-ops migrate` copies, parents before children: each table's columns (the same in both stores) and
/// the key it is read in order of.
public enum StoreTransfer {
    public struct Table: Sendable {
        public var name: String
        public var columns: [String]
        public var key: [String]
        /// The column keeping SQLite's insertion order (its rowid), for a table whose order the search follows.
        public var insertionOrder: String?

        init(name: String, columns: [String], key: [String], insertionOrder: String? = nil) {
            self.name = name
            self.columns = columns
            self.key = key
            self.insertionOrder = insertionOrder
        }
    }

    public static let tables: [Table] = [
        Table(
            name: "users",
            columns: ["id", "email", "name", "country", "locale", "status", "created_at", "search_email"],
            key: ["id"], insertionOrder: "seq"),
        Table(
            name: "prints",
            columns: ["id", "user_id", "product", "title", "page_count", "photo_count", "created_at", "updated_at"],
            key: ["id"]),
        Table(
            name: "photos", columns: ["print_id", "position", "status", "filename", "uploaded_at"],
            key: ["print_id", "position"]),
        Table(
            name: "orders",
            columns: [
                "id", "user_id", "print_id", "currency", "line_items", "subtotal_amount", "shipping_amount",
                "tax_amount", "total_amount", "shipping_address", "status", "created_at",
            ], key: ["id"]),
        Table(
            name: "payments",
            columns: [
                "id", "order_id", "provider", "provider_transaction_id", "provider_charge_id", "amount", "currency",
                "status", "created_at", "settled_at",
            ], key: ["id"]),
        Table(
            name: "print_jobs",
            columns: ["id", "order_id", "partner", "status", "tracking_number", "carrier", "created_at", "updated_at"],
            key: ["id"]),
        Table(
            name: "print_job_events", columns: ["job_id", "sequence", "at", "status", "message"],
            key: ["job_id", "sequence"]),
        Table(
            name: "disputes",
            columns: [
                "id", "payment_id", "order_id", "provider", "amount", "currency", "reason", "status", "provider_status",
                "evidence_due_by", "created_at", "updated_at", "event_at",
            ], key: ["id"]),
        // The money history moves whole: refunds and intents with their keys and leases, the audit chain (entry
        // by entry, with its head, so it verifies afterwards) and the sandbox gateways' own ledger.
        Table(
            name: "refunds",
            columns: [
                "id", "order_id", "payment_id", "provider", "amount", "currency", "status", "reason", "note",
                "idempotency_key", "gateway_refund_id", "is_void", "operator", "failure_message", "created_at",
                "updated_at", "lease_until",
            ], key: ["id"]),
        Table(
            name: "audit_log",
            columns: [
                "seq", "at", "operator", "ssh_client", "action", "target", "amount", "currency", "reason",
                "idempotency_key", "gateway_ids", "result", "detail", "prev_hash", "hash",
            ], key: ["seq"]),
        Table(name: "audit_head", columns: ["id", "seq", "hash"], key: ["id"]),
        Table(
            name: "sandbox_refunds",
            columns: [
                "id", "provider", "transaction_id", "amount", "currency", "is_void", "idempotency_key", "fingerprint",
                "intent_id", "created_at",
            ], key: ["id"]),
        Table(
            name: "sandbox_transaction_status", columns: ["provider", "transaction_id", "status"],
            key: ["provider", "transaction_id"]),
        // When each live source last delivered (the status bar's freshness, the dashboard's ingest panel).
        Table(
            name: "feed_sources",
            columns: ["source", "last_at", "deliveries", "rejected", "last_error", "last_error_at"], key: ["source"]),
        // Which version of each record a feed sent was applied, so that an older one arriving late stays ignored.
        Table(name: "record_versions", columns: ["type", "key", "version", "deleted"], key: ["type", "key"]),
        // Operators' notes (free text, outside the audit chain).
        Table(
            name: "notes",
            columns: ["id", "subject_kind", "subject_id", "user_id", "order_id", "author", "at", "text", "ticket"],
            key: ["id"]),
        // Support's actions (their notes are free text, outside the chain), the holds they placed, and the sandbox
        // platform's calls (its state, as the sandbox payments' is theirs).
        Table(
            name: "support_actions",
            columns: [
                "id", "subject_kind", "subject_id", "user_id", "order_id", "kind", "reason", "note", "address",
                "status", "idempotency_key", "operator", "message", "reference", "created_at", "updated_at",
                "lease_until",
            ], key: ["id"]),
        Table(name: "job_holds", columns: ["job_id", "action_id", "since", "operator"], key: ["job_id"]),
        Table(
            name: "sandbox_platform_calls",
            columns: ["idempotency_key", "method", "subject_id", "seq", "accepted", "reference", "message", "at"],
            key: ["idempotency_key"]),
        // The providers' events already applied: a redelivery after the move is still a duplicate.
        Table(
            name: "webhook_events", columns: ["provider", "event_id", "type", "received_at"],
            key: ["provider", "event_id"]),
    ]
}

/// Reads a store's tables for a copy, a page at a time in key order.
public protocol TransferSource: Sendable {
    /// Up to `limit` rows of `table` after the row whose key is `after` (nil: from the first), each as its columns'
    /// values, followed by its insertion order (SQLite's rowid) when the table keeps one.
    func exportRows(_ table: StoreTransfer.Table, after: [StoreValue]?, limit: Int) async throws -> [[StoreValue]]
}
