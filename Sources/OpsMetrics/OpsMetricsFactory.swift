import CoreMetrics
import Prometheus

/// The swift-metrics backend: every metric goes both to Prometheus (with its help text from the catalog) and to
/// the in-process view the dashboard reads.
struct OpsMetricsFactory: MetricsFactory {
    let metrics: OpsMetrics

    func key(_ label: String, _ dimensions: [(String, String)]) -> OpsMetrics.Key {
        OpsMetrics.Key(label: label, dimensions: dimensions.map { "\($0.0)=\($0.1)" })
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        CounterForwarder(
            metrics: metrics, key: key(label, dimensions),
            prometheus: metrics.prometheus.makeCounter(descriptor: MetricCatalog.descriptor(label), labels: dimensions))
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        metrics.prometheus.makeCounter(descriptor: MetricCatalog.descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        GaugeForwarder(
            metrics: metrics, key: key(label, dimensions),
            prometheus: metrics.prometheus.makeGauge(descriptor: MetricCatalog.descriptor(label), labels: dimensions))
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        GaugeForwarder(
            metrics: metrics, key: key(label, dimensions),
            prometheus: metrics.prometheus.makeGauge(descriptor: MetricCatalog.descriptor(label), labels: dimensions))
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        TimerForwarder(
            metrics: metrics, key: key(label, dimensions),
            prometheus: metrics.prometheus.makeDurationHistogram(
                descriptor: MetricCatalog.descriptor(label), labels: dimensions,
                buckets: MetricCatalog.latencyBuckets))
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

final class CounterForwarder: CounterHandler, Sendable {
    let metrics: OpsMetrics
    let key: OpsMetrics.Key
    let prometheus: Prometheus.Counter

    init(metrics: OpsMetrics, key: OpsMetrics.Key, prometheus: Prometheus.Counter) {
        self.metrics = metrics
        self.key = key
        self.prometheus = prometheus
    }

    func increment(by amount: Int64) {
        prometheus.increment(by: amount)
        metrics.count(key, amount)
    }

    func reset() { prometheus.reset() }
}

final class GaugeForwarder: RecorderHandler, MeterHandler, Sendable {
    let metrics: OpsMetrics
    let key: OpsMetrics.Key
    let prometheus: Prometheus.Gauge

    init(metrics: OpsMetrics, key: OpsMetrics.Key, prometheus: Prometheus.Gauge) {
        self.metrics = metrics
        self.key = key
        self.prometheus = prometheus
    }

    func record(_ value: Int64) { set(Double(value)) }
    func record(_ value: Double) { set(value) }
    func set(_ value: Int64) { set(Double(value)) }

    func set(_ value: Double) {
        prometheus.set(value)
        metrics.gauge(key, value)
    }

    func increment(by amount: Double) {
        prometheus.increment(by: amount)
    }

    func decrement(by amount: Double) {
        prometheus.decrement(by: amount)
    }
}

final class TimerForwarder: TimerHandler, Sendable {
    let metrics: OpsMetrics
    let key: OpsMetrics.Key
    let prometheus: Prometheus.DurationHistogram

    init(metrics: OpsMetrics, key: OpsMetrics.Key, prometheus: Prometheus.DurationHistogram) {
        self.metrics = metrics
        self.key = key
        self.prometheus = prometheus
    }

    func recordNanoseconds(_ duration: Int64) {
        prometheus.recordNanoseconds(duration)
        metrics.time(key, nanoseconds: duration)
    }
}
