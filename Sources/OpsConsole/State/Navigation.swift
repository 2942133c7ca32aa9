import OpsCore
import OpsEngine
import OpsTUI

// MARK: - The stack, as the console drives it

extension AppState {
    /// The body of every screen: between the breadcrumb and the status bar.
    public var bodyRect: Rect { Rect(x: 0, y: 1, width: size.width, height: max(0, size.height - 2)) }

    /// The screen shown.
    public var current: any ConsoleScreen { stack[stack.count - 1].screen }

    /// Runs `body` on the current screen with the rest of the state at hand (the screen is off the stack
    /// meanwhile, so it never sees itself twice), then records the screen as the owner of every request in the
    /// effects it asked for: their answers come back to it and to nothing else.
    mutating func withCurrent<T>(
        _ body: (inout any ConsoleScreen, inout AppState) -> T,
        effects: (T) -> [Effect]
    ) -> T {
        var entry = stack.removeLast()
        let result = body(&entry.screen, &self)
        for request in effects(result).compactMap(\.request) { owners[request] = entry.id }
        stack.append(entry)
        return result
    }

    mutating func withCurrent(_ body: (inout any ConsoleScreen, inout AppState) -> [Effect]) -> [Effect] {
        withCurrent(body, effects: { $0 })
    }

    /// Pushes the screen for `destination` and asks for its data. A record opened other than by a jump ends the
    /// jump list there (as a browser's history does).
    mutating func open(_ destination: Destination, jumping: Bool = false) -> [Effect] {
        overlay = nil
        if case .search(let text) = destination { return searchFromHome(text) }
        if case .metrics(let window) = destination, current.kind == .metrics {
            // Already on the dashboard: only a window asked for changes anything.
            guard let window else { return [] }
            return withCurrent { screen, state in
                guard var metrics = screen as? MetricsScreen, metrics.window != window else { return [] }
                metrics.window = window
                metrics.data = .loading
                let effects = metrics.refresh(state: &state)
                screen = metrics
                return effects
            }
        }
        guard let screen = destination.makeScreen(state: self) else { return [] }
        stack.append(StackEntry(id: nextScreenID(), screen: screen, destination: destination))
        remember(destination, label: screen.title)
        if !jumping, RecentItem.remembers(destination),
            jumps.indices.contains(jumpIndex) ? jumps[jumpIndex] != destination : true
        {
            jumps.removeSubrange(min(jumps.count, jumpIndex + 1)...)
            jumps.append(destination)
            if jumps.count > RecentItem.limit { jumps.removeFirst(jumps.count - RecentItem.limit) }
            jumpIndex = jumps.count - 1
        }
        return reloadCurrent()
    }

    /// Leaves the current screen; the one revealed reloads quietly, keeping its cursor.
    mutating func back() -> [Effect] {
        guard stack.count > 1 else { return [] }
        stack.removeLast()
        return reloadCurrent()
    }

    /// ctrl-o: the record opened before the one shown (or the newest, from anywhere else); again, the one before.
    mutating func jumpBack() -> [Effect] {
        // From a list or the dashboard, back is the record where the jump list stands; from that record, the one
        // before it.
        let target =
            jumps.indices.contains(jumpIndex) && stack.last?.destination != jumps[jumpIndex]
            ? jumpIndex : jumpIndex - 1
        guard jumps.indices.contains(target) else {
            message = StatusMessage(
                jumps.isEmpty ? "No other record opened yet (:recent lists them)" : "The first record opened",
                .warning)
            return []
        }
        jumpIndex = target
        return open(jumps[target], jumping: true)
    }

    /// The record ctrl-o left, again.
    mutating func jumpForward() -> [Effect] {
        guard jumpIndex + 1 < jumps.count else {
            message = StatusMessage("Nothing to go forward to (ctrl-o goes back)", .warning)
            return []
        }
        jumpIndex += 1
        return open(jumps[jumpIndex], jumping: true)
    }

    /// Back to the search screen, which reloads, its text selected so that the next ticket's id replaces it.
    mutating func home() -> [Effect] {
        stack = [stack[0]]
        if var search = stack[0].screen as? SearchScreen {
            search.focusField()
            stack[0].screen = search
        }
        return reloadCurrent()
    }

    /// Reloads what the current screen shows, keeping selection and anything typed.
    mutating func reloadCurrent() -> [Effect] {
        withCurrent { screen, state in screen.load(state: &state) }
    }

    /// Applies a screen's answer once the screen is back on the stack: its effects, then where it leads.
    mutating func apply(_ reply: Reply) -> [Effect] {
        switch reply.navigation {
        case nil: return reply.effects
        case .push(let destination): return reply.effects + open(destination)
        case .pop: return reply.effects + back()
        case .home: return reply.effects + home()
        case .replace(let destination):
            if stack.count > 1 { stack.removeLast() }
            return reply.effects + open(destination)
        }
    }

    /// Delivers an effect's answer to the screen that asked, if it is still on the stack, or to the console itself
    /// (a record a command named, checked before its screen opens).
    mutating func route(_ result: EffectResult, request: Int) -> [Effect] {
        guard let owner = owners.removeValue(forKey: request) else { return [] }
        if owner == Self.consoleOwner {
            if case .partners(let names) = result {
                partners = names
                return []
            }
            guard case .value(let answer) = result else { return [] }
            switch answer {
            case .success(let destination as Destination):
                return open(destination)
            case .success:
                return []
            case .failure(let error):
                message = StatusMessage(error.message, .error)
                return []
            }
        }
        guard let index = stack.firstIndex(where: { $0.id == owner }) else { return [] }
        let snapshot = self
        stack[index].screen.receive(result, request: request, state: snapshot)
        // A record's screen knows its name once loaded: the recent list shows that rather than the id.
        if let destination = stack[index].destination, recent.first?.destination == destination {
            relabelNewestRecent(stack[index].screen.title)
        }
        return []
    }

    /// The owner of the console's own requests (no screen has a negative id).
    static let consoleOwner = -1

    /// Opens a record a command named (`:order ID`) once the store knows it: an unknown id is reported in the
    /// status line and the console stays where it is, instead of opening a screen that only says "not found".
    mutating func openChecked(_ destination: Destination) -> [Effect] {
        let check: Fetch
        switch destination {
        case .customer(let id, _):
            check = Fetch("check customer \(id)") { client in
                _ = try await client.customer(id)
                return destination
            }
        case .order(let id):
            check = Fetch("check order \(id)") { client in
                _ = try await client.order(id)
                return destination
            }
        case .printJob(let id):
            check = Fetch("check print job \(id)") { client in
                _ = try await client.printJob(id)
                return destination
            }
        default:
            return open(destination)
        }
        let request = requestID()
        owners[request] = Self.consoleOwner
        return [.fetch(check, request: request)]
    }

    /// The home screen searching for `text`: the rest of the stack goes.
    private mutating func searchFromHome(_ text: String) -> [Effect] {
        stack = [stack[0]]
        return withCurrent { screen, state in
            guard var search = screen as? SearchScreen else { return [] }
            defer { screen = search }
            return search.setQuery(text, request: state.requestID())
        }
    }

    mutating func nextScreenID() -> Int {
        defer { nextScreen += 1 }
        return nextScreen
    }
}

extension Effect {
    /// The request an answer to this effect is routed by; nil for effects the console itself handles.
    var request: Int? {
        switch self {
        case .search(_, let request), .loadCustomer(_, let request), .loadOrder(_, let request),
            .loadPrintJob(_, let request), .loadOrders(_, _, _, let request), .loadPrintJobs(_, _, let request),
            .loadPartners(let request), .fetch(_, let request), .loadDashboard(_, _, let request):
            request
        case .refund, .act, .loadActionContext, .checkChanges, .reconcile, .loadTheme, .recordReveal, .addNote:
            nil
        }
    }
}
