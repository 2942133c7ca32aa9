import Foundation
import GRDB
import OpsCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// MARK: - SeedReport

/// What a seed wrote.
public struct SeedReport: Sendable, Equatable {
    public var users = 0, prints = 0, photos = 0, orders = 0, payments = 0, printJobs = 0, events = 0, refunds = 0
    public var seconds = 0.0
    /// Where the time went: generate-and-insert, indexes, full-text index, statistics.
    public var phases: [Phase] = []

    public struct Phase: Sendable, Equatable {
        public var name: String
        public var seconds: Double

        public init(name: String, seconds: Double) { (self.name, self.seconds) = (name, seconds) }
    }

    public init() {}
}

// MARK: - Seeder

/// Generates the demo data set into a new database file.
///
/// The file is built beside the target under a temporary name with journaling off and indexes dropped, then
/// indexed, switched to WAL and renamed into place: an interrupted seed never leaves a half-built database.
public enum Seeder {
    public static let chunkSize = 2_000

    /// - Parameters:
    ///   - progress: called with the number of users written so far, from the calling thread.
    ///   - phase: called as each phase after the insert starts ("secondary indexes", "full-text index"…): they
    ///     take a third of the time at a million customers, and a progress bar stuck at 100% would look hung.
    public static func seed(
        path: String, users: Int, seed: UInt64, now: Timestamp, replace: Bool = false,
        progress: (Int) -> Void = { _ in }, phase: (String) -> Void = { _ in }
    ) throws -> SeedReport {
        let started = ContinuousClock.now
        let fm = FileManager.default
        if fm.fileExists(atPath: path) && !replace {
            throw SeedError.exists(path: path)
        }
        let building = path + ".seeding"
        // One seed per path at a time: a second run would delete the first one's half-built file under it.
        let lock = try SeedLock(path: path + ".seed-lock")
        defer { lock.release() }
        for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: building + suffix) }
        do {
            return try build(
                building, into: path, users: users, seed: seed, now: now, started: started, progress: progress,
                phase: phase)
        } catch let error as DatabaseError {
            // A full disk, an I/O error: the half-built file goes (it would fill the disk for nothing), the path
            // keeps whatever it had, and the failure is said in words, not in SQLite's.
            for suffix in ["", "-wal", "-shm", "-journal"] where fm.fileExists(atPath: building + suffix) {
                do { try fm.removeItem(atPath: building + suffix) } catch {
                    StoreLog.warning("cannot remove the half-built seed \(building + suffix): \(error)")
                }
            }
            StoreLog.warning("seed of \(path) failed: \(error)")
            throw SQLiteStore.writeFailure(error)
        }
    }

    private static func build(
        _ building: String, into path: String, users: Int, seed: UInt64, now: Timestamp,
        started: ContinuousClock.Instant, progress: (Int) -> Void, phase: (String) -> Void
    ) throws -> SeedReport {
        let fm = FileManager.default
        var config = Configuration()
        config.foreignKeysEnabled = false  // generated data is consistent by construction; checked by tests
        let queue = try DatabaseQueue(path: building, configuration: config)
        try queue.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = \
                    -1048576; PRAGMA threads = 2;
                    PRAGMA temp_store = MEMORY; PRAGMA locking_mode = EXCLUSIVE;
                    """)
        }
        try Schema.migrator.migrate(queue)
        var report = SeedReport()
        try queue.writeWithoutTransaction { db in
            let deferred = try SchemaObjects.dropSecondary(db)
            try db.execute(sql: "BEGIN")
            var writer = try RecordWriter(db, upsert: false)
            let generator = DemoGenerator(seed: seed, now: now)
            var rollups = RollupAccumulator(now: now)
            let waited = try ChunkPipeline.run(
                total: users, chunkSize: chunkSize,
                generate: { range in
                    // The chunk's rollups are counted here, on the generator's thread, not by scanning tables later.
                    let customers = range.map { generator.customer($0) }
                    var partial = RollupAccumulator(now: now)
                    for customer in customers { partial.add(customer) }
                    return (customers, partial)
                },
                consume: { chunk, done in
                    for customer in chunk.0 {
                        try writer.write(customer)
                        report.count(customer)
                    }
                    rollups.merge(chunk.1)
                    progress(done)
                })
            // Seeded refunds are history the ledger starts from: each gets its audit entry, so `audit verify`
            // can cross-check every refund against the chain.
            phase("audit entries for the seeded refunds")
            try SQLiteStore.auditSeededRefunds(db)
            try db.execute(sql: "COMMIT")
            report.mark("insert", since: started)
            report.phases.append(
                SeedReport.Phase(name: "(of which waiting for the generator)", seconds: waited.seconds))
            var phaseStart = ContinuousClock.now
            phase("secondary indexes")
            try deferred.restore(db)
            report.mark("indexes", since: phaseStart)
            phaseStart = ContinuousClock.now
            phase("dashboard rollups")
            try db.execute(
                sql: """
                    DELETE FROM activity_minute; DELETE FROM activity_hour; DELETE FROM job_counts; DELETE FROM \
                    order_counts;
                    DELETE FROM counters; DELETE FROM job_progress_hour
                    """)
            try rollups.write(db)
            report.mark("dashboard rollups", since: phaseStart)
            phaseStart = ContinuousClock.now
            phase("full-text index")
            try db.execute(sql: "INSERT INTO users_fts(users_fts) VALUES('rebuild')")
            report.mark("full-text index", since: phaseStart)
            phaseStart = ContinuousClock.now
            phase("statistics")
            try db.execute(sql: "PRAGMA analysis_limit = 2000; ANALYZE")
            report.mark("statistics", since: phaseStart)
        }
        phase("switching to WAL")
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA locking_mode = NORMAL")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try queue.close()
        for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: path + suffix) }
        if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
        try fm.moveItem(atPath: building, toPath: path)
        for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: building + suffix) }
        report.seconds = (ContinuousClock.now - started).seconds
        return report
    }
}

// MARK: - SeedReport

extension SeedReport {
    mutating func mark(_ name: String, since start: ContinuousClock.Instant) {
        phases.append(Phase(name: name, seconds: (ContinuousClock.now - start).seconds))
    }

    mutating func count(_ c: DemoCustomer) {
        users += 1
        prints += c.prints.count
        photos += c.photos.count
        orders += c.orders.count
        payments += c.payments.count
        printJobs += c.printJobs.count
        events += c.events.count
        refunds += c.refunds.count
    }
}

// MARK: - SeedError

public enum SeedError: Error, Equatable, CustomStringConvertible {
    case exists(path: String)
    case busy(path: String)
    case cannotLock(path: String, reason: String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) already exists: seed into a new file, or pass --replace to overwrite it"
        case .busy(let path): "another seed is writing \(path) right now; wait for it to finish"
        case .cannotLock(let path, let reason): "cannot lock \(path) for seeding: \(reason)"
        }
    }
}

// MARK: - SeedLock

/// An advisory lock (flock) held while a seed builds a path; released when the process ends, even by a crash.
struct SeedLock {
    let fd: Int32

    let path: String

    init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw SeedError.cannotLock(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(fd)
            throw busy
                ? SeedError.busy(path: String(path.dropLast(".seed-lock".count)))
                : SeedError.cannotLock(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Unlinks the lock file (a later seed creates its own) and releases the lock.
    func release() {
        unlink(path)
        close(fd)
    }
}

// MARK: - Duration

extension Duration {
    /// This duration in seconds, as a Double (for reports, never for money).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

// MARK: - SchemaObjects

/// The indexes and triggers of a schema, dropped for a bulk load and recreated after it: building an index once
/// over sorted data is much cheaper than updating it row by row.
struct SchemaObjects {
    var statements: [String]

    static func dropSecondary(_ db: Database, indexes: Bool = true) throws -> SchemaObjects {
        let types = indexes ? "'index', 'trigger'" : "'trigger'"
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, sql FROM sqlite_master
                WHERE type IN (\(types)) AND sql IS NOT NULL ORDER BY type, name
                """)
        for row in rows {
            let type: String = row[0]
            let name: String = row[1]
            try db.execute(sql: "DROP \(type.uppercased()) \(name.quotedDatabaseIdentifier)")
        }
        return SchemaObjects(statements: rows.map { $0[2] })
    }

    func restore(_ db: Database) throws {
        for sql in statements { try db.execute(sql: sql) }
    }
}

// MARK: - ChunkPipeline

/// Generates chunks on a second thread while the caller's thread writes the previous one: on two cores the
/// generator and SQLite each get one.
enum ChunkPipeline {
    /// - Returns: how long the writer waited for the generator (zero when generating is the faster side).
    @discardableResult
    static func run<Chunk: Sendable>(
        total: Int, chunkSize: Int,
        generate: @escaping @Sendable (Range<Int>) -> Chunk,
        consume: (Chunk, Int) throws -> Void
    ) throws -> Duration {
        var waited = Duration.zero
        let ready = Mutex<[Int: Chunk]>([:])
        let filled = DispatchSemaphore(value: 0)
        let free = DispatchSemaphore(value: 3)
        let cancelled = Atomic<Bool>(false)
        let chunks = stride(from: 0, to: total, by: chunkSize).map { $0..<min(total, $0 + chunkSize) }
        let producer = Thread {
            for (number, range) in chunks.enumerated() {
                free.wait()
                if cancelled.load(ordering: .relaxed) { return }
                let items = generate(range)
                ready.withLock { $0[number] = items }
                filled.signal()
            }
        }
        producer.name = "seed-generator"
        producer.stackSize = 8 << 20
        producer.start()
        defer { cancelled.store(true, ordering: .relaxed); free.signal() }
        for (number, range) in chunks.enumerated() {
            let waitStart = ContinuousClock.now
            filled.wait()
            waited += ContinuousClock.now - waitStart
            let items = ready.withLock { $0.removeValue(forKey: number)! }
            free.signal()
            try consume(items, range.upperBound)
        }
        return waited
    }
}
