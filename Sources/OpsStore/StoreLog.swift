import Logging

/// The store's log: failures that must not stop the work at hand but must not pass silently (an anchor that
/// could not be written, a check that could not run). The executable points swift-log at the log file.
enum StoreLog {
    static let logger = Logger(label: "popsa-ops.store")

    static func warning(_ message: String) {
        logger.warning("\(message)")
    }
}
