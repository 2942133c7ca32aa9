import GRDB
import OpsCore

/// The dashboard rollups of generated customers, counted while they are generated (on the generator's thread)
/// instead of by scanning millions of rows afterwards. Counts exactly what `Rollups.rebuild` and the triggers
/// count; a test checks the two agree.
struct RollupAccumulator: Sendable {
    struct ActivityKey: Hashable, Sendable {
        var hourly: Bool
        var kind: String
        var key: String
        var bucket: Int64
    }

    struct JobKey: Hashable, Sendable {
        var partner: String
        var status: String
    }

    let horizon: Int64
    var activity: [ActivityKey: (count: Int64, amount: Int64)] = [:]
    var jobs: [JobKey: Int64] = [:]
    struct ProgressKey: Hashable, Sendable {
        var partner: String
        var bucket: Int64
    }

    /// In-progress jobs by partner and the hour of their last event (`job_progress_hour`).
    var progress: [ProgressKey: Int64] = [:]
    var orders: [String: Int64] = [:]
    var missingPhotos: Int64 = 0

    init(now: Timestamp) { horizon = Rollups.minuteHorizon(now) }

    mutating func bump(_ kind: String, key: String, at: Int64, amount: Int64) {
        let hour = ActivityKey(hourly: true, kind: kind, key: key, bucket: at / 3600 * 3600)
        activity[hour, default: (0, 0)].count += 1
        activity[hour, default: (0, 0)].amount += amount
        guard at >= horizon else { return }
        let minute = ActivityKey(hourly: false, kind: kind, key: key, bucket: at / 60 * 60)
        activity[minute, default: (0, 0)].count += 1
        activity[minute, default: (0, 0)].amount += amount
    }

    mutating func add(_ c: DemoCustomer) {
        bump("signup", key: "", at: c.user.createdAt.seconds, amount: 0)
        for photo in c.photos {
            if photo.status == .missing { missingPhotos += 1 }
            if photo.status == .uploaded, let at = photo.uploadedAt {
                bump("upload", key: "", at: at.seconds, amount: 0)
            }
        }
        for order in c.orders {
            bump("order", key: order.currency.code, at: order.createdAt.seconds, amount: order.totalAmount)
            orders[order.status.rawValue, default: 0] += 1
        }
        for refund in c.refunds where refund.status == .succeeded {
            bump("refund", key: refund.currency.code, at: refund.updatedAt.seconds, amount: refund.amount)
            bump("refund_reason", key: refund.reason.rawValue, at: refund.updatedAt.seconds, amount: 0)
        }
        for job in c.printJobs {
            jobs[JobKey(partner: job.partner, status: job.status.rawValue), default: 0] += 1
            if !job.status.isTerminal {
                let key = ProgressKey(partner: job.partner, bucket: job.updatedAt.seconds / 3600 * 3600)
                progress[key, default: 0] += 1
            }
        }
    }

    mutating func merge(_ other: RollupAccumulator) {
        for (k, v) in other.activity {
            activity[k, default: (0, 0)].count += v.count
            activity[k, default: (0, 0)].amount += v.amount
        }
        for (k, v) in other.jobs { jobs[k, default: 0] += v }
        for (k, v) in other.progress { progress[k, default: 0] += v }
        for (k, v) in other.orders { orders[k, default: 0] += v }
        missingPhotos += other.missingPhotos
    }

    func write(_ db: Database) throws {
        let minute = try db.makeStatement(sql: "INSERT INTO activity_minute VALUES (?, ?, ?, ?, ?)")
        let hour = try db.makeStatement(sql: "INSERT INTO activity_hour VALUES (?, ?, ?, ?, ?)")
        for (k, v) in activity {
            try (k.hourly ? hour : minute).execute(arguments: [k.kind, k.key, k.bucket, v.count, v.amount])
        }
        for (k, n) in jobs {
            try db.execute(sql: "INSERT INTO job_counts VALUES (?, ?, ?)", arguments: [k.partner, k.status, n])
        }
        for (k, n) in progress {
            try db.execute(sql: "INSERT INTO job_progress_hour VALUES (?, ?, ?)", arguments: [k.partner, k.bucket, n])
        }
        for (status, n) in orders {
            try db.execute(sql: "INSERT INTO order_counts VALUES (?, ?)", arguments: [status, n])
        }
        try db.execute(sql: "INSERT INTO counters VALUES ('missing_photos', ?)", arguments: [missingPhotos])
    }
}
