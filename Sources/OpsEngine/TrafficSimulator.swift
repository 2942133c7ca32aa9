import Foundation
import OpsCore

/// Writes live platform traffic — signups, orders with payments and print jobs, photo uploads, partner updates —
/// so a console open elsewhere sees its panels and screens move.
public struct TrafficSimulator: Sendable {
    public struct Totals: Sendable, Equatable {
        public var signups = 0, orders = 0, uploads = 0, jobUpdates = 0
        public init() {}
    }

    let store: any TrafficStore
    let seed: UInt64

    public init(store: any TrafficStore, seed: UInt64 = 99) {
        self.store = store
        self.seed = seed
    }

    /// Runs `eventsPerSecond` for `duration` (or until `shouldStop`), in ten batches a second.
    public func run(
        eventsPerSecond: Int, duration: Duration, clock: @escaping @Sendable () -> Timestamp,
        shouldStop: @Sendable () -> Bool = { false }, progress: (Totals) -> Void = { _ in }
    ) async throws -> Totals {
        var totals = Totals()
        var random = DemoRandom(seed: seed)
        var nextIndex = 100_000_000 + (try await store.customerCount())
        let started = ContinuousClock.now
        var carry = 0.0
        var tick: UInt64 = 0
        while ContinuousClock.now - started < duration, !shouldStop() {
            let batchStart = ContinuousClock.now
            carry += Double(eventsPerSecond) / 10
            let events = Int(carry)
            carry -= Double(events)
            let now = clock()
            var newCustomers: [DemoCustomer] = []
            var uploads = 0, updates = 0
            for _ in 0..<events {
                switch random.below(100) {
                case 0..<25:
                    // A signup that designs nothing yet.
                    var c = DemoGenerator(seed: seed, now: now).customer(nextIndex, signedUpAt: now)
                    c = DemoCustomer(user: c.user)
                    newCustomers.append(c)
                    nextIndex += 1
                    totals.signups += 1
                case 25..<60:
                    // A new customer who designs and orders straight away.
                    var c = DemoGenerator(seed: seed, now: now).customer(
                        nextIndex, signedUpAt: now.adding(seconds: -3600))
                    nextIndex += 1
                    c.user.createdAt = now
                    newCustomers.append(c)
                    totals.signups += 1
                    totals.orders += c.orders.count
                case 60..<85:
                    uploads += 1
                default:
                    updates += 1
                }
            }
            if !newCustomers.isEmpty { try await store.insert(newCustomers.map { Self.clamp($0, to: now) }) }
            if uploads > 0 { totals.uploads += try await store.uploadMissingPhotos(limit: uploads * 3, now: now) }
            if updates > 0 {
                tick += 1
                totals.jobUpdates += try await store.advancePrintJobs(limit: updates, now: now, seed: seed &+ tick)
            }
            progress(totals)
            let elapsed = ContinuousClock.now - batchStart
            if elapsed < .milliseconds(100) { try await Task.sleep(for: .milliseconds(100) - elapsed) }
        }
        return totals
    }

    /// Everything a live customer has happens now, not in a generated past or future.
    static func clamp(_ c: DemoCustomer, to now: Timestamp) -> DemoCustomer {
        var c = c
        c.prints = c.prints.map {
            var p = $0; p.createdAt = now; p.updatedAt = now; return p
        }
        c.photos = c.photos.map {
            var p = $0; if p.status == .uploaded { p.uploadedAt = now }; return p
        }
        c.orders = c.orders.map {
            var o = $0; o.createdAt = now; o.status = .paid; return o
        }
        c.payments = c.payments.map {
            var p = $0; p.createdAt = now; p.settledAt = p.provider == .stripe ? now : nil
            p.status = p.provider == .stripe ? .settled : .submittedForSettlement; return p
        }
        c.refunds = []
        c.printJobs = c.printJobs.map {
            var j = $0; j.createdAt = now; j.updatedAt = now; j.status = .queued; j.trackingNumber = nil;
            j.carrier = nil; return j
        }
        c.events = c.events.filter { $0.sequence == 1 }.map {
            var e = $0; e.at = now; return e
        }
        return c
    }
}
