import OpsConsole
import OpsCore
import OpsEngine
import OpsStore
import OpsTestSupport
import OpsTUI

/// A console over the fixture database, driven in-process like Textual's pilot.
final class Pilot {
    let console: Console

    init(size: Size = Size(width: 100, height: 30), database: String = TestSupport.fixtureDatabase) throws {
        let store = try SQLiteStore.open(path: database)
        let engine = Engine(store: store, clock: .frozen(TestSupport.nowTimestamp))
        let session = Session(operatorName: "tester", sshClient: "10.0.0.7", role: .agent, databaseName: "fixture.sqlite",
                              readOnly: false)
        let state = AppState(size: size, theme: .builtIn, session: session, now: TestSupport.nowTimestamp, clockFrozen: true)
        console = Console(state: state, environment: ConsoleEnvironment(engine: engine))
        console.start()
        _ = console.settle(timeout: .seconds(10))
    }

    func press(_ names: String...) {
        for name in names { console.dispatch(.key(Key(name: name)!)) }
    }

    func type(_ text: String) {
        for c in text { console.dispatch(.key(.character(c))) }
    }

    @discardableResult
    func wait() -> Bool { console.settle(timeout: .seconds(10)) }

    var screen: String { console.render().plainText }
    var state: AppState { console.state }
}
