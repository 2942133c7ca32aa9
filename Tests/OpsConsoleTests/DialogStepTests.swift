import OpsEngine
import OpsTUI
import Testing

@testable import OpsConsole

/// The refund and action dialogs after they submit: keys wait while the engine works; a refusal goes back to the
/// form (what was chosen is kept by the dialog); any other ending closes on enter or esc.
@Suite struct DialogStepTests {
    @Test func keysAfterSubmittingFollowTheOutcome() {
        var form = DialogStep.form
        #expect(form.afterSubmit(.enter) == nil, "the form's keys are the dialog's")
        var working = DialogStep.working
        #expect(working.afterSubmit(.escape) == false && working == .working)
        var refused = DialogStep.done(.failed("card declined"), "card declined")
        #expect(refused.afterSubmit(.character("x")) == false && refused != .form)
        #expect(refused.afterSubmit(.enter) == false && refused == .form)
        var unknown = DialogStep.done(.unknown("timeout"), "timeout")
        #expect(unknown.afterSubmit(.escape) == true)
        var done = DialogStep.done(.succeeded, "Refunded £5.00")
        #expect(done.afterSubmit(.enter) == true)
    }

    @Test func anAnswerOrAFailureEndsTheStep() {
        let answered = DialogStep.finished(Result<Int, EffectError>.success(7)) { _ in (.succeeded, "done") }
        #expect(answered == .done(.succeeded, "done"))
        let failed = DialogStep.finished(Result<Int, EffectError>.failure(EffectError("no route"))) { _ in
            (.succeeded, "never")
        }
        #expect(failed == .done(.failed("no route"), "no route"))
        #expect(ExecutionOutcome.unknown("x").tone == .warning && ExecutionOutcome.failed("x").tone == .error)
    }
}
