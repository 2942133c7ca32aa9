import CoreMetrics
import Foundation
import Metrics
import OpsCore
import Prometheus
import Synchronization

// MARK: - MetricCatalog

/// The metrics this program records, with the help text Prometheus shows for them.
public enum MetricCatalog {
    public static let help: [String: String] = [
        "popsa_ops_query_duration_seconds": "Time the engine's queries take, by query.",
        "popsa_ops_frame_duration_seconds": "Time to draw one console frame.",
        "popsa_ops_gateway_requests_total":
            "Payment gateway calls by provider, operation and outcome (ok, refused, error, circuit_open).",
        "popsa_ops_gateway_request_duration_seconds": "Payment gateway call latency by provider and operation.",
        "popsa_ops_gateway_circuit_open": "1 while calls to a payment provider are paused by the circuit breaker.",
        "popsa_ops_orders": "Orders by status.",
        "popsa_ops_print_jobs": "Print jobs by print partner and status.",
        "popsa_ops_print_jobs_stuck":
            "Print jobs in progress with no partner event for longer than the stuck threshold, by partner.",
        "popsa_ops_photos_missing": "Photos not yet uploaded (the upload pipeline's backlog).",
        "popsa_ops_ingest_batches_total": "Ingest batches by outcome (applied, rejected for a bad record, failed).",
        "popsa_ops_ingest_records_total": "Records applied from ingest batches.",
        "popsa_ops_ingest_rejected_total": "Ingest requests refused before reading them, by reason (signature).",
        "popsa_ops_partner_events_total": "Print-partner job updates recorded, by partner.",
        "popsa_ops_webhook_events_total": "Payment-provider events applied, by provider.",
        "popsa_ops_webhook_rejected_total":
            "Payment-provider events refused before applying them, by provider and reason.",
        "popsa_ops_feed_deliveries": "Deliveries applied from each live source (platform, stripe, braintree, "
            + "partners), by every process on this database.",
        "popsa_ops_feed_refused": "Requests each live source's endpoint refused (signature, payload), by source.",
        "popsa_ops_feed_last_delivery_age_seconds":
            "Seconds since each live source last delivered: how stale what the consoles show may be.",
        "popsa_ops_up": "1 when the business numbers were read from the database for this scrape, 0 when it failed.",
        "popsa_ops_refunds_succeeded": "Refunds that succeeded, by currency.",
        "popsa_ops_refunded_minor_units":
            "Money refunded, in minor units of the currency (pence, cents, yen), by currency.",
    ]

    static func helpText(_ name: String) -> String { help[name] ?? "popsa-ops metric \(name)." }

    /// A Prometheus descriptor carrying the metric's help text (its name is already fully qualified).
    static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: helpText(name))
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
    ]
}

// MARK: - OpsMetrics

/// The process's metrics: a Prometheus registry for the exposition, and an in-process view the dashboard reads
/// (rates per minute over the last hour, latency histograms per minute). Both are fed through the swift-metrics
/// API, so engine code only ever writes `Counter(label:)` and `Timer(label:)`.
public final class OpsMetrics: Sendable {
    public static let shared = OpsMetrics()

    public let prometheus = PrometheusCollectorRegistry()
    let started = ContinuousClock.now
    let store = Mutex(Series())
    private static let bootstrapped = Mutex(false)

    struct Key: Hashable {
        var label: String
        var dimensions: [String]
    }

    /// Per-minute slots for the last hour, and totals since start.
    struct Series {
        var counters: [Key: Rolling<Int64>] = [:]
        var histograms: [Key: Rolling<LogHistogram>] = [:]
        var gauges: [Key: Double] = [:]
    }

    struct Rolling<Value: Sendable> {
        var slots: [Int: Value] = [:]
        var total: Value
    }

    /// Installs this registry as the swift-metrics backend (once per process).
    public func bootstrap() {
        Self.bootstrapped.withLock { done in
            guard !done else { return }
            MetricsSystem.bootstrap(OpsMetricsFactory(metrics: self))
            done = true
        }
    }

    var minute: Int { Int((ContinuousClock.now - started).components.seconds / 60) }

    func count(_ key: Key, _ amount: Int64) {
        let minute = self.minute
        store.withLock { s in
            var c = s.counters[key] ?? Rolling(total: 0)
            c.slots[minute, default: 0] += amount
            c.total += amount
            c.slots = c.slots.filter { $0.key > minute - 60 }
            s.counters[key] = c
        }
    }

    func time(_ key: Key, nanoseconds: Int64) {
        let minute = self.minute
        store.withLock { s in
            var h = s.histograms[key] ?? Rolling(total: LogHistogram())
            var slot = h.slots[minute] ?? LogHistogram()
            slot.record(nanoseconds)
            h.slots[minute] = slot
            h.total.record(nanoseconds)
            if h.slots.count > 61 { h.slots = h.slots.filter { $0.key > minute - 60 } }
            s.histograms[key] = h
        }
    }

    func gauge(_ key: Key, _ value: Double) {
        store.withLock { $0.gauges[key] = value }
    }

    /// What the dashboard shows of the engine over `window`: per-minute data for up to an hour, since start beyond.
    public func snapshot(window: MetricsWindow) -> EngineSnapshot {
        let minute = self.minute
        let minutes = Int(min(window.seconds, 3600) / 60)
        let useTotals = window.seconds > 3600
        let elapsed = max(1, (ContinuousClock.now - started).components.seconds)
        let covered = useTotals ? elapsed : min(elapsed, Int64(minutes * 60))
        return store.withLock { s in
            func counted(_ c: Rolling<Int64>) -> Int64 {
                useTotals ? c.total : c.slots.filter { $0.key > minute - minutes }.values.reduce(0, +)
            }
            func histogram(_ h: Rolling<LogHistogram>) -> LogHistogram {
                if useTotals { return h.total }
                var merged = LogHistogram()
                for (slot, value) in h.slots where slot > minute - minutes { merged.merge(value) }
                return merged
            }
            var gateways: [GatewayHealth] = []
            for provider in PaymentProvider.allCases {
                var requests: Int64 = 0, errors: Int64 = 0
                for (key, c) in s.counters
                where key.label == "popsa_ops_gateway_requests_total"
                    && key.dimensions.contains("provider=\(provider.rawValue)")
                {
                    let n = counted(c)
                    requests += n
                    if key.dimensions.contains("outcome=error") || key.dimensions.contains("outcome=circuit_open") {
                        errors += n
                    }
                }
                var latency = LogHistogram()
                for (key, h) in s.histograms
                where key.label == "popsa_ops_gateway_request_duration_seconds"
                    && key.dimensions.contains("provider=\(provider.rawValue)")
                {
                    latency.merge(histogram(h))
                }
                let open =
                    s.gauges.first {
                        $0.key.label == "popsa_ops_gateway_circuit_open"
                            && $0.key.dimensions.contains("provider=\(provider.rawValue)")
                    }?.value ?? 0
                gateways.append(
                    GatewayHealth(
                        provider: provider, requests: requests, errors: errors, coveredSeconds: covered,
                        latency: LatencySummary(latency), circuitOpen: open > 0))
            }
            func summary(_ label: String) -> LatencySummary {
                var merged = LogHistogram()
                for (key, h) in s.histograms where key.label == label { merged.merge(histogram(h)) }
                return LatencySummary(merged)
            }
            return EngineSnapshot(
                gateways: gateways, queries: summary("popsa_ops_query_duration_seconds"),
                frames: summary("popsa_ops_frame_duration_seconds"), coveredSeconds: covered, sinceStart: useTotals)
        }
    }

    /// The Prometheus text exposition, with the business totals set as gauges first.
    /// The exposition; `totals` nil means the store could not be read, which `popsa_ops_up 0` says (the business
    /// gauges then keep their last values rather than pretending to be zero).
    public func exposition(totals: BusinessTotals?) -> String {
        if let totals { setBusinessGauges(totals) }
        prometheus.makeGauge(descriptor: MetricCatalog.descriptor("popsa_ops_up"), labels: [])
            .set(Double(totals == nil ? 0 : 1))
        var buffer: [UInt8] = []
        prometheus.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    func setBusinessGauges(_ t: BusinessTotals) {
        func gauge(_ name: String, _ labels: [(String, String)]) -> Prometheus.Gauge {
            prometheus.makeGauge(descriptor: MetricCatalog.descriptor(name), labels: labels)
        }
        for status in OrderStatus.allCases {
            gauge("popsa_ops_orders", [("status", status.rawValue)]).set(Double(t.ordersByStatus[status] ?? 0))
        }
        for (partner, byStatus) in t.jobsByPartnerAndStatus {
            for status in PrintJobStatus.allCases {
                gauge("popsa_ops_print_jobs", [("partner", partner), ("status", status.rawValue)]).set(
                    Double(byStatus[status] ?? 0))
            }
            gauge("popsa_ops_print_jobs_stuck", [("partner", partner)]).set(Double(t.stuckByPartner[partner] ?? 0))
        }
        gauge("popsa_ops_photos_missing", []).set(Double(t.missingPhotos))
        for (currency, value) in t.refundedByCurrency {
            gauge("popsa_ops_refunds_succeeded", [("currency", currency.code)]).set(Double(value.count))
            gauge("popsa_ops_refunded_minor_units", [("currency", currency.code)]).set(Double(value.amount))
        }
        for feed in t.feeds {
            let source = [("source", feed.source.rawValue)]
            gauge("popsa_ops_feed_deliveries", source).set(Double(feed.deliveries))
            gauge("popsa_ops_feed_refused", source).set(Double(feed.rejected))
            if let age = feed.age { gauge("popsa_ops_feed_last_delivery_age_seconds", source).set(Double(age)) }
        }
    }
}

// MARK: - LatencySummary

/// Latency percentiles from a histogram.
public struct LatencySummary: Hashable, Sendable {
    public var count: Int64
    public var p50: Duration?
    public var p95: Duration?
    public var p99: Duration?

    init(_ h: LogHistogram) {
        count = h.total
        p50 = h.percentile(50).map { .nanoseconds($0) }
        p95 = h.percentile(95).map { .nanoseconds($0) }
        p99 = h.percentile(99).map { .nanoseconds($0) }
    }

    public init(count: Int64, p50: Duration?, p95: Duration?, p99: Duration?) {
        self.count = count
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
    }
}

// MARK: - GatewayHealth

/// One payment provider's health as this process has seen it.
public struct GatewayHealth: Hashable, Sendable {
    public var provider: PaymentProvider
    public var requests: Int64
    public var errors: Int64
    public var coveredSeconds: Int64
    public var latency: LatencySummary
    public var circuitOpen: Bool

    public var perMinute: Double { Double(requests) * 60 / Double(max(1, coveredSeconds)) }
    public var errorRate: Double { requests == 0 ? 0 : Double(errors) / Double(requests) }
}

// MARK: - EngineSnapshot

/// The engine's numbers for the dashboard.
public struct EngineSnapshot: Hashable, Sendable {
    public var gateways: [GatewayHealth]
    public var queries: LatencySummary
    public var frames: LatencySummary
    public var coveredSeconds: Int64
    /// The window is longer than the per-minute history: the numbers are since this process started.
    public var sinceStart: Bool
}
