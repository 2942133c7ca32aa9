import GRDB
import OpsCore

/// Time-bucketed and running counts kept up to date by triggers, so a dashboard refresh over millions of orders
/// reads a few hundred rows instead of scanning tables.
///
/// - `activity_minute` / `activity_hour`: per bucket and kind (`order`, `signup`, `upload`, `refund`,
///   `refund_reason`), keyed by currency or reason, a count and an amount in minor units.
/// - `job_counts`: print jobs by partner and status. `order_counts`: orders by status.
/// - `counters`: `missing_photos`.
enum Rollups {
    static let tables = """
        CREATE TABLE activity_minute (
          kind TEXT NOT NULL, key TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL, amount INTEGER NOT \
        NULL,
          PRIMARY KEY (kind, bucket, key)
        ) WITHOUT ROWID;
        CREATE TABLE activity_hour (
          kind TEXT NOT NULL, key TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL, amount INTEGER NOT \
        NULL,
          PRIMARY KEY (kind, bucket, key)
        ) WITHOUT ROWID;
        CREATE TABLE job_counts (partner TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY \
        (partner, status)) WITHOUT ROWID;
        CREATE TABLE order_counts (status TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
        """

    /// SQL adding one event to both activity tables.
    static func bump(_ kind: String, key: String, at: String, amount: String) -> String {
        """
        INSERT INTO activity_minute VALUES ('\(kind)', \(key), (\(at)) / 60 * 60, 1, \(amount))
          ON CONFLICT(kind, bucket, key) DO UPDATE SET count = count + 1, amount = amount + excluded.amount;
        INSERT INTO activity_hour VALUES ('\(kind)', \(key), (\(at)) / 3600 * 3600, 1, \(amount))
          ON CONFLICT(kind, bucket, key) DO UPDATE SET count = count + 1, amount = amount + excluded.amount;
        """
    }

    static func count(_ table: String, _ keyColumns: String, _ values: String, delta: Int) -> String {
        "INSERT INTO \(table) VALUES (\(values), \(delta)) ON CONFLICT(\(keyColumns)) DO UPDATE SET n = n + (\(delta));"
    }

    static let triggers = """
        CREATE TRIGGER rollup_order_insert AFTER INSERT ON orders BEGIN
          \(bump("order", key: "new.currency", at: "new.created_at", amount: "new.total_amount"))
          \(count("order_counts", "status", "new.status", delta: 1))
        END;
        CREATE TRIGGER rollup_order_status AFTER UPDATE OF status ON orders WHEN old.status != new.status BEGIN
          \(count("order_counts", "status", "old.status", delta: -1))
          \(count("order_counts", "status", "new.status", delta: 1))
        END;
        CREATE TRIGGER rollup_user_insert AFTER INSERT ON users BEGIN
          \(bump("signup", key: "''", at: "new.created_at", amount: "0"))
        END;
        CREATE TRIGGER rollup_photo_insert AFTER INSERT ON photos BEGIN
          INSERT INTO counters VALUES ('missing_photos', 0) ON CONFLICT(name) DO NOTHING;
          UPDATE counters SET value = value + 1 WHERE name = 'missing_photos' AND new.status = 'missing';
        END;
        CREATE TRIGGER rollup_photo_uploaded_insert AFTER INSERT ON photos WHEN new.status = 'uploaded' AND \
        new.uploaded_at IS NOT NULL BEGIN
          \(bump("upload", key: "''", at: "new.uploaded_at", amount: "0"))
        END;
        CREATE TRIGGER rollup_photo_status AFTER UPDATE OF status ON photos WHEN old.status != new.status BEGIN
          INSERT INTO counters VALUES ('missing_photos', 0) ON CONFLICT(name) DO NOTHING;
          UPDATE counters SET value = value + (CASE WHEN new.status = 'missing' THEN 1 ELSE -1 END) WHERE name = \
        'missing_photos';
        END;
        CREATE TRIGGER rollup_photo_uploaded AFTER UPDATE OF status ON photos
          WHEN old.status = 'missing' AND new.status = 'uploaded' AND new.uploaded_at IS NOT NULL BEGIN
          \(bump("upload", key: "''", at: "new.uploaded_at", amount: "0"))
        END;
        CREATE TRIGGER rollup_photo_delete AFTER DELETE ON photos WHEN old.status = 'missing' BEGIN
          UPDATE counters SET value = value - 1 WHERE name = 'missing_photos';
        END;
        CREATE TRIGGER rollup_job_insert AFTER INSERT ON print_jobs BEGIN
          \(count("job_counts", "partner, status", "new.partner, new.status", delta: 1))
        END;
        CREATE TRIGGER rollup_job_update AFTER UPDATE OF status, partner ON print_jobs
          WHEN old.status != new.status OR old.partner != new.partner BEGIN
          \(count("job_counts", "partner, status", "old.partner, old.status", delta: -1))
          \(count("job_counts", "partner, status", "new.partner, new.status", delta: 1))
        END;
        CREATE TRIGGER rollup_job_delete AFTER DELETE ON print_jobs BEGIN
          \(count("job_counts", "partner, status", "old.partner, old.status", delta: -1))
        END;
        CREATE TRIGGER rollup_refund_insert AFTER INSERT ON refunds WHEN new.status = 'succeeded' BEGIN
          \(bump("refund", key: "new.currency", at: "new.updated_at", amount: "new.amount"))
          \(bump("refund_reason", key: "new.reason", at: "new.updated_at", amount: "0"))
        END;
        CREATE TRIGGER rollup_refund_succeeded AFTER UPDATE OF status ON refunds
          WHEN old.status != 'succeeded' AND new.status = 'succeeded' BEGIN
          \(bump("refund", key: "new.currency", at: "new.updated_at", amount: "new.amount"))
          \(bump("refund_reason", key: "new.reason", at: "new.updated_at", amount: "0"))
        END;
        """

    /// In-progress print jobs by partner and the hour of their last partner event. "Stuck" (no event for longer
    /// than a threshold) depends on the time now, so it cannot be a running count; but the jobs that are not stuck
    /// are those of the few hours since the cutoff, which these buckets count. A dashboard refresh then reads a
    /// bounded number of rows at 10,000 customers as at 3,000,000.
    static let jobProgressTable = """
        CREATE TABLE job_progress_hour (
          partner TEXT NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (partner, bucket)
        ) WITHOUT ROWID;
        CREATE INDEX job_progress_hour_bucket ON job_progress_hour(bucket);
        """

    static let jobProgressBackfill = """
        DELETE FROM job_progress_hour;
        INSERT INTO job_progress_hour SELECT partner, updated_at / 3600 * 3600, count(*) FROM print_jobs
          WHERE status IN \(Schema.inProgressJobStatuses) GROUP BY 1, 2;
        """

    private static func progress(_ row: String, delta: Int) -> String {
        count("job_progress_hour", "partner, bucket", "\(row).partner, \(row).updated_at / 3600 * 3600", delta: delta)
    }

    static let jobProgressTriggers = """
        CREATE TRIGGER rollup_job_progress_insert AFTER INSERT ON print_jobs
          WHEN new.status IN \(Schema.inProgressJobStatuses) BEGIN
          \(progress("new", delta: 1))
        END;
        CREATE TRIGGER rollup_job_progress_leave AFTER UPDATE OF status, partner, updated_at ON print_jobs
          WHEN old.status IN \(Schema.inProgressJobStatuses) BEGIN
          \(progress("old", delta: -1))
        END;
        CREATE TRIGGER rollup_job_progress_enter AFTER UPDATE OF status, partner, updated_at ON print_jobs
          WHEN new.status IN \(Schema.inProgressJobStatuses) BEGIN
          \(progress("new", delta: 1))
        END;
        CREATE TRIGGER rollup_job_progress_delete AFTER DELETE ON print_jobs
          WHEN old.status IN \(Schema.inProgressJobStatuses) BEGIN
          \(progress("old", delta: -1))
        END;
        """

    /// Stuck print jobs, by partner (see `DashboardAssembly.stuckByPartnerSQL`).
    static let stuckByPartnerSQL = DashboardAssembly.stuckByPartnerSQL(parameter: "?1")

    /// Where the activity tables' buckets start keeping minutes (two days before `now`).
    static func minuteHorizon(_ now: Timestamp) -> Int64 { now.seconds - 2 * 86_400 }

    /// Recomputes every rollup from the tables (migration backfill, after a bulk load). Minute buckets only for the
    /// last two days before `now`: the 15-minute and one-hour windows never look further back.
    /// `jobProgress` is false only in migration v3, which ran before `job_progress_hour` existed.
    static func rebuild(_ db: Database, now: Timestamp, jobProgress: Bool = true) throws {
        let since = minuteHorizon(now)
        try db.execute(
            sql: """
                DELETE FROM activity_minute; DELETE FROM activity_hour; DELETE FROM job_counts; DELETE FROM \
                order_counts;
                DELETE FROM counters;
                INSERT INTO activity_hour SELECT 'order', currency, created_at / 3600 * 3600, count(*), \
                sum(total_amount)
                  FROM orders GROUP BY 2, 3;
                INSERT INTO activity_minute SELECT 'order', currency, created_at / 60 * 60, count(*), sum(total_amount)
                  FROM orders WHERE created_at >= \(since) GROUP BY 2, 3;
                INSERT INTO activity_hour SELECT 'signup', '', created_at / 3600 * 3600, count(*), 0 FROM users GROUP \
                BY 3;
                INSERT INTO activity_minute SELECT 'signup', '', created_at / 60 * 60, count(*), 0 FROM users
                  WHERE created_at >= \(since) GROUP BY 3;
                INSERT INTO activity_hour SELECT 'upload', '', uploaded_at / 3600 * 3600, count(*), 0 FROM photos
                  WHERE status = 'uploaded' AND uploaded_at IS NOT NULL GROUP BY 3;
                INSERT INTO activity_minute SELECT 'upload', '', uploaded_at / 60 * 60, count(*), 0 FROM photos
                  WHERE status = 'uploaded' AND uploaded_at >= \(since) GROUP BY 3;
                INSERT INTO activity_hour SELECT 'refund', currency, updated_at / 3600 * 3600, count(*), sum(amount) \
                FROM refunds
                  WHERE status = 'succeeded' GROUP BY 2, 3;
                INSERT INTO activity_minute SELECT 'refund', currency, updated_at / 60 * 60, count(*), sum(amount) \
                FROM refunds
                  WHERE status = 'succeeded' AND updated_at >= \(since) GROUP BY 2, 3;
                INSERT INTO activity_hour SELECT 'refund_reason', reason, updated_at / 3600 * 3600, count(*), 0 FROM \
                refunds
                  WHERE status = 'succeeded' GROUP BY 2, 3;
                INSERT INTO activity_minute SELECT 'refund_reason', reason, updated_at / 60 * 60, count(*), 0 FROM \
                refunds
                  WHERE status = 'succeeded' AND updated_at >= \(since) GROUP BY 2, 3;
                INSERT INTO job_counts SELECT partner, status, count(*) FROM print_jobs GROUP BY 1, 2;
                INSERT INTO order_counts SELECT status, count(*) FROM orders GROUP BY 1;
                INSERT INTO counters SELECT 'missing_photos', count(*) FROM photos WHERE status = 'missing';
                """)
        if jobProgress { try db.execute(sql: jobProgressBackfill) }
    }
}
