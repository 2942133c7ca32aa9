import CoreMetrics
import OpsCore
import Testing

@testable import OpsMetrics

/// The latency histogram the dashboard's percentiles come from.
@Suite struct LogHistogramTests {
    @Test func valuesUpToSevenAreExact() {
        for value in Int64(0)...7 {
            var h = LogHistogram()
            h.record(value)
            #expect(h.percentile(50) == value)
        }
    }

    /// Every value falls in a bucket whose upper bound is at least the value and within one eighth above it, and
    /// the bucket below ends before it: percentiles are never under-reported and at most 12.5 % over.
    @Test func bucketsCoverEveryValueTightly() {
        var values: [Int64] = Array(0...5_000)
        var v: Int64 = 5_000
        while v < Int64(1) << 40 { values.append(v); values.append(v + 1); v = v * 3 / 2 }
        for value in values {
            let index = LogHistogram.index(value)
            let upper = LogHistogram.upperBound(index)
            #expect(upper >= value, "value \(value) above its bucket's bound \(upper)")
            #expect(Double(upper) <= Double(value) * 1.125 + 1, "value \(value): bound \(upper) too loose")
            if index > 0 { #expect(LogHistogram.upperBound(index - 1) < value, "value \(value) belongs lower") }
        }
    }

    @Test func percentilesOfKnownSamples() throws {
        var h = LogHistogram()
        for value in Int64(1)...1_000 { h.record(value * 1_000) }  // 1 µs … 1 ms, uniform
        for (p, exact) in [(50.0, Int64(500_000)), (95, 950_000), (99, 990_000), (100, 1_000_000)] {
            let reported = try #require(h.percentile(p))
            #expect(reported >= exact && Double(reported) <= Double(exact) * 1.125, "p\(p): \(reported) for \(exact)")
        }
        // One slow outlier among 99 fast values moves p100 only.
        var skewed = LogHistogram()
        for _ in 0..<99 { skewed.record(1_000) }
        skewed.record(5_000_000_000)
        #expect(try #require(skewed.percentile(99)) < 1_200)
        #expect(try #require(skewed.percentile(100)) >= 5_000_000_000)
    }

    @Test func emptyHasNoPercentileAndMergeAddsCounts() {
        #expect(LogHistogram().percentile(50) == nil)
        var a = LogHistogram(), b = LogHistogram(), both = LogHistogram()
        for v in Int64(0)..<300 { a.record(v * 7); both.record(v * 7) }
        for v in Int64(0)..<200 { b.record(v * 911); both.record(v * 911) }
        a.merge(b)
        #expect(a == both)
        #expect(a.total == 500)
    }
}

/// The registry: what the swift-metrics API records shows in the exposition and in the dashboard's view.
@Suite struct OpsMetricsRegistryTests {
    func families(_ exposition: String) -> [String: String] {
        var types: [String: String] = [:]
        for line in exposition.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            types[String(parts[2])] = String(parts[3])
        }
        return types
    }

    @Test func countersTimersAndGaugesAppearAsTheirFamiliesWithHelp() {
        let metrics = OpsMetrics()
        let factory = OpsMetricsFactory(metrics: metrics)
        let counter = factory.makeCounter(
            label: "popsa_ops_gateway_requests_total",
            dimensions: [("provider", "stripe"), ("operation", "refund"), ("outcome", "ok")])
        counter.increment(by: 3)
        let timer = factory.makeTimer(
            label: "popsa_ops_gateway_request_duration_seconds",
            dimensions: [("provider", "stripe"), ("operation", "refund")])
        timer.recordNanoseconds(2_000_000)
        let text = metrics.exposition(totals: nil)
        let types = families(text)
        #expect(types["popsa_ops_gateway_requests_total"] == "counter")
        #expect(types["popsa_ops_gateway_request_duration_seconds"] == "histogram")
        #expect(types["popsa_ops_up"] == "gauge")
        #expect(text.contains("# HELP popsa_ops_gateway_requests_total Payment gateway calls"))
        #expect(
            text.contains(#"popsa_ops_gateway_requests_total{provider="stripe",operation="refund",outcome="ok"} 3"#))
        #expect(text.contains("popsa_ops_up 0"))
        // The 2 ms call lands in the 2 ms bucket and every bucket above it, not in the 1 ms one.
        #expect(text.contains(#"le="0.001"} 0"#))
        #expect(text.contains(#"le="0.002"} 1"#))
    }

    @Test func businessTotalsBecomeGaugesAndUpSaysTheyWereRead() throws {
        let metrics = OpsMetrics()
        let totals = BusinessTotals(
            ordersByStatus: [.paid: 12], jobsByPartnerAndStatus: ["leeds-photolab": [.printing: 4]],
            stuckByPartner: ["leeds-photolab": 1], missingPhotos: 7,
            refundedByCurrency: [try Currency(code: "GBP"): (count: 2, amount: 1_500)])
        let text = metrics.exposition(totals: totals)
        #expect(text.contains("popsa_ops_up 1"))
        #expect(text.contains(#"popsa_ops_orders{status="paid"} 12"#))
        #expect(text.contains(#"popsa_ops_print_jobs{partner="leeds-photolab",status="printing"} 4"#))
        #expect(text.contains(#"popsa_ops_print_jobs_stuck{partner="leeds-photolab"} 1"#))
        #expect(text.contains("popsa_ops_photos_missing 7"))
        #expect(text.contains(#"popsa_ops_refunded_minor_units{currency="GBP"} 1500"#))
    }

    @Test func theDashboardViewCountsRequestsErrorsAndLatencyPerProvider() throws {
        let metrics = OpsMetrics()
        let factory = OpsMetricsFactory(metrics: metrics)
        func call(_ provider: String, _ outcome: String, nanoseconds: Int64) {
            factory.makeCounter(
                label: "popsa_ops_gateway_requests_total",
                dimensions: [("provider", provider), ("operation", "refund"), ("outcome", outcome)]
            )
            .increment(by: 1)
            factory.makeTimer(
                label: "popsa_ops_gateway_request_duration_seconds",
                dimensions: [("provider", provider), ("operation", "refund")]
            )
            .recordNanoseconds(nanoseconds)
        }
        for _ in 0..<9 { call("stripe", "ok", nanoseconds: 40_000_000) }
        call("stripe", "error", nanoseconds: 900_000_000)
        call("braintree", "circuit_open", nanoseconds: 10)
        let snapshot = metrics.snapshot(window: .fifteenMinutes)
        let stripe = try #require(snapshot.gateways.first { $0.provider == .stripe })
        let braintree = try #require(snapshot.gateways.first { $0.provider == .braintree })
        #expect(stripe.requests == 10 && stripe.errors == 1)
        #expect(stripe.errorRate == 0.1)
        #expect(stripe.latency.count == 10)
        let p50 = try #require(stripe.latency.p50), p99 = try #require(stripe.latency.p99)
        #expect(p50 >= .milliseconds(40) && p50 < .milliseconds(46))
        #expect(p99 >= .milliseconds(900))
        #expect(braintree.requests == 1 && braintree.errors == 1)
    }
}
