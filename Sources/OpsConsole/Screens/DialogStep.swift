import OpsEngine
import OpsTUI

/// Where a dialog that submits work to the engine is (the refund and action dialogs): being filled in, being
/// confirmed, waiting for the answer, showing how it ended.
public enum DialogStep: Sendable, Equatable {
    case form, confirm, working
    case done(ExecutionOutcome, String)

    /// The step once the engine has answered: its outcome and summary, or the failure in words.
    static func finished<R>(_ result: Result<R, EffectError>, _ ended: (R) -> (ExecutionOutcome, String)) -> Self {
        switch result {
        case .success(let r):
            let (outcome, summary) = ended(r)
            return .done(outcome, summary)
        case .failure(let e): return .done(.failed(e.message), e.message)
        }
    }

    /// A key while the work is out or after it ended: nil on the form and the confirmation (the dialog's own),
    /// else whether the dialog closes. Keys wait while working; after a refusal enter or esc go back to the form
    /// with what was chosen kept; after anything else they close.
    mutating func afterSubmit(_ key: Key) -> Bool? {
        switch self {
        case .form, .confirm: return nil
        case .working: return false
        case .done(let outcome, _):
            guard key == .enter || key == .escape else { return false }
            if case .failed = outcome {
                self = .form
                return false
            }
            return true
        }
    }
}

extension ExecutionOutcome {
    /// How the ending is shown: done, refused, not known.
    var tone: StatusTone {
        switch self {
        case .succeeded: .ok
        case .failed: .error
        case .unknown: .warning
        }
    }
}
