import OpsCore

// MARK: - Timelines

extension Engine {
    /// The timeline of what `identifier` names: an order's when it names an order (or its payment, a `pi_`, a
    /// job, a tracking number, a dispute), else the customer's. `title` says whose it is.
    public func timeline(identifiedBy identifier: String) async throws -> TimelineView {
        let text = identifier.trimmingWhitespace()
        let found = try await store.resolve(identifier: text)
        if let found, let orderID = found.orderID, found.kind != .user, found.kind != .email {
            let view = try await order(orderID)
            return TimelineView(
                of: "order \(orderID)",
                entries: Timeline.order(
                    view.detail, events: try await events(view.detail.printJobs),
                    actions: try await store.actions(userID: view.detail.user.id)))
        }
        let customer = try await customer(found?.userID ?? text)
        return TimelineView(
            of: "customer \(customer.user.id)",
            entries: Timeline.customer(
                customer, events: try await events(customer.printJobs),
                actions: try await store.actions(userID: customer.user.id)))
    }

    /// Each job's partner timeline, by job id (the timeline's and the privacy export's).
    func events(_ jobs: [PrintJob]) async throws -> [String: [PrintJobEvent]] {
        var events: [String: [PrintJobEvent]] = [:]
        for job in jobs { events[job.id] = try await printJob(job.id).events }
        return events
    }
}
