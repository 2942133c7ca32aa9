#!/usr/bin/env python3
"""Re-creates Tests/Mutants/*.patch from one-line mutations, after the code around them has moved.

Each entry: name, what the mutant removes, the test filter that must catch it, the file, the exact text to replace
and its replacement. Refuses to run when a file it mutates has uncommitted changes (it restores files from HEAD).

    python3 Tests/Mutants/make_patches.py && scripts/mutants.sh
"""
import os
import subprocess
import sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
M = [
 ("remaining-amount", "the store's reservation no longer checks what is left on the payment",
  "withAGatewayThatAcceptsAnything|LocalstripeRace", "Sources/OpsStore/Refunds/SQLiteStore+Refunds.swift",
  "guard r.amount <= balance.remaining else {", "guard true else {"),
 ("idempotency-key-reuse", "a retried refund is sent with a new idempotency key instead of the intent's own",
  "aLostAnswerIsResentWithTheSameKey", "Sources/OpsEngine/Refunds/RefundService.swift",
  "reason: refund.reason, idempotencyKey: refund.idempotencyKey, intentID: refund.id",
  "reason: refund.reason, idempotencyKey: UUID().uuidString, intentID: refund.id"),
 ("intent-lease", "reconcile claims intents whose lease has not run out (a live process is driving them)",
  "reconcileLeavesLeasedIntentsAlone|reconcileExitsTempFail", "Sources/OpsStore/Refunds/SQLiteStore+Refunds.swift",
  "WHERE r.status IN ('pending', 'unknown') AND r.lease_until < ? ORDER BY r.created_at, r.id\n                \"\"\", [now.seconds]\n            ) { try Refund(row: $0) }\n            for refund",
  "WHERE r.status IN ('pending', 'unknown') AND r.lease_until < ? + 1000000 ORDER BY r.created_at, r.id\n                \"\"\", [now.seconds]\n            ) { try Refund(row: $0) }\n            for refund"),
 ("audit-hash-link", "audit verify no longer checks that each entry links to the previous entry's hash",
  "AuditChainTests", "Sources/OpsStore/Refunds/SQLiteStore+Audit.swift",
  "if entry.previousHash != previous {", "if false {"),
 ("audit-cross-check", "audit verify no longer matches refunds and intents against their entries",
  "CrossCheck", "Sources/OpsStore/Refunds/SQLiteStore+Audit.swift",
  "if let problem = try Self.ledgerProblem(db) {", "if let problem = Optional<String>.none {"),
 ("audit-anchor", "audit verify no longer compares the chain with the heads anchored outside the database",
  "aDeletedTailWithItsHeadRewound", "Sources/OpsStore/Refunds/SQLiteStore+Audit.swift",
  "if let problem = try anchorProblem(db, lastSequence: expectedSequence - 1) {", "if let problem = Optional<String>.none {"),
 ("sanitiser", "text from data is drawn as it is, escape sequences and all",
  "HostileDataTests|TrustTests", "Sources/OpsTUI/Text/TerminalText.swift",
  "        // Fast path: printable ASCII needs nothing.\n        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }",
  "        // Fast path: printable ASCII needs nothing.\n        if true { return text }"),
 ("stderr-sanitiser", "error messages on standard error quote data raw",
  "TrustTests", "Sources/popsa-ops/Support/Options.swift",
  "            .map { TerminalText.sanitize(String($0)) }.joined(separator: \"\\n\")",
  "            .map { String($0) }.joined(separator: \"\\n\")"),
 ("superseded-search", "a search result is shown even when a newer search has been asked for",
  "onlyTheLatestSearchIsShownWhateverOrderTheAnswersComeIn", "Sources/OpsConsole/Screens/SearchScreen.swift",
  "guard request == self.request else { return false }", "guard true else { return false }"),
 ("role-limit", "an agent's per-currency refund limit is not enforced",
  "rolesLimitsAndNotesAreEnforced", "Sources/OpsCore/Rules/RefundPolicy.swift",
  "            if amount.minorUnits > limit {", "            if amount.minorUnits > limit && false {"),
 ("read-only", "--read-only no longer makes the operator a viewer",
  "readOnlyMakesEvenASupervisorAViewer", "Sources/popsa-ops/Support/Wiring.swift",
  "role: readOnly ? .viewer : config.policy.role(of: who.name)", "role: config.policy.role(of: who.name)"),
 ("operator-identity", "USER from the environment chooses the operator",
  "OperatorIdentityTests", "Sources/popsa-ops/Commands/ConsoleSetup.swift",
  "if let pw = getpwnam(alias), pw.pointee.pw_uid == uid { name = alias }", "name = alias"),
 ("checked-arithmetic", "order amounts from data are multiplied without an overflow check",
  "hugeAmountsAreRefusedNotACrash", "Sources/OpsCore/Domain/Entities.swift",
  "        let (value, overflow) = a.multipliedReportingOverflow(by: b)\n        return overflow ? nil : value",
  "        return a * b"),
 ("newer-database", "a database written by a newer version is opened anyway",
  "aNewerDatabaseIsRefused", "Sources/OpsStore/SQLiteStore.swift",
  "        if superseded {\n            throw StoreError.newerSchema(path: path)", "        if false {\n            throw StoreError.newerSchema(path: path)"),
 ("money-history", "import rewrites the amount and currency of a payment that has refunds",
  "importCannotRewriteAPaymentThatHasRefunds", "Sources/OpsStore/Import/Importer.swift",
  "            for (field, was, now) in fields where was != now {", "            for (field, was, now) in fields where was != now && false {"),
 ("payments-over-total", "an order's payments may add up to more than its total",
  "paymentsCannotAddUpToMoreThanTheOrder", "Sources/OpsStore/Import/Importer.swift",
  "guard let sum = Checked.add(others, p.amount), sum <= total else {", "guard let sum = Checked.add(others, p.amount), sum <= total || true else {"),
 ("reconcile-asks-first", "reconcile re-sends without first asking the gateway whether the refund was made",
  "insideTheWindowReconcileAsksTheGatewayBeforeResending", "Sources/OpsEngine/Refunds/RefundService.swift",
  "                found = try await gateway.fetchTransaction(id: payment.providerTransactionID).refunds\n                    .first(where: { $0.intentID == refund.id })",
  "                found = try await gateway.fetchTransaction(id: payment.providerTransactionID).refunds\n                    .first(where: { _ in false })"),
 ("unknown-not-refused", "a refund whose outcome cannot be recorded is reported as refused",
  "aRefundWhoseOutcomeCannotBeRecorded", "Sources/OpsEngine/Refunds/RefundService.swift",
  "            return RefundResult(refund: refund, outcome: .unknown(message))\n        }",
  "            return RefundResult(refund: refund, outcome: .failed(message))\n        }"),
 ("owner-only-files", "files popsa-ops creates are readable by everyone",
  "newDatabasesAndTheirWALAreOwnerOnly", "Sources/popsa-ops/PopsaOps.swift",
  "umask(0o077)", "umask(0o022)"),
 ("script-quits", "a headless script that quits with lines left passes",
  "aScriptCannotPassByQuitting", "Sources/OpsConsole/Runtime/HeadlessScript.swift",
  "            if console.state.quitting {", "            if console.state.quitting && false {"),
 ("ingest-signature", "a signed request is accepted whatever its signature says",
  "IngestSignatureTests|unsignedTamperedStaleAndFutureRequestsAreRefusedAndCounted",
  "Sources/OpsEngine/Ingest/IngestSignature.swift",
  "        else { throw .mismatch }", "        else { return }"),
 ("feed-versions", "a change older than what was applied overwrites it",
  "ChangeFeedTests", "Sources/OpsStore/Import/Importer.swift",
  "if let version = entry.version, try Versions.applied(db, entry) >= version {",
  "if let version = entry.version, try Versions.applied(db, entry) >= version, false {"),
 ("partner-owner", "a print partner may update another partner's job",
  "aPartnersUpdateMovesItsJobAndUnsticksIt", "Sources/OpsStore/Ingest/SQLiteStore+Partners.swift",
  "guard (job[0] as String) == partner else { return .notYourJob }", "_ = partner"),
 ("webhook-once", "a provider event delivered again is applied again",
  "StripeWebhookTests", "Sources/OpsStore/Ingest/SQLiteStore+Webhooks.swift",
  "        return db.changesCount > 0\n    }\n\n    /// The Stripe payment", "        return true\n    }\n\n    /// The Stripe payment"),
 ("external-refund-amount", "a refund made elsewhere is adopted without counting its amount",
  "StripeWebhookTests|PaymentDriftTests", "Sources/OpsStore/Ingest/SQLiteStore+Webhooks.swift",
  '"ext_\\(refund.id)", orderID, paymentID, provider.rawValue, refund.amount, currency.code, status,',
  '"ext_\\(refund.id)", orderID, paymentID, provider.rawValue, 0, currency.code, status,'),
 ("dispute-reservation", "the reservation no longer refuses a refund on a payment with an open or lost dispute",
  "DisputeGuardTests", "Sources/OpsStore/Refunds/SQLiteStore+Refunds.swift",
  "paymentID: r.paymentID), r.overridesDispute != block.id", "paymentID: r.paymentID), r.overridesDispute != block.id, false"),
 ("dispute-plan", "the refund rules no longer look at disputes (only the store's reservation would refuse)",
  "DisputeGuardTests|DisputeWebhookTests", "Sources/OpsEngine/Refunds/RefundService.swift",
  "guard let block = Dispute.refundBlock(disputes, paymentID: paymentID) else { return nil }",
  "guard let block = Optional<Dispute>.none else { return nil }"),
 ("dispute-order", "a late dispute event moves a decided dispute back, or an older one overwrites a newer one",
  "DisputeStoreTests|DisputeWebhookTests", "Sources/OpsStore/Ingest/SQLiteStore+Webhooks.swift",
  "guard newer, was.rank < 2 || status.rank == 2 else", "guard newer || true else"),
 ("braintree-signature", "Braintree signatures are keyed with the private key itself, not its SHA-1",
  "BraintreeWebhookTests|BraintreeWebhookParsingTests", "Sources/OpsEngine/Ingest/BraintreeWebhook.swift",
  "let key = SymmetricKey(data: Insecure.SHA1.hash(data: Array(privateKey.utf8)))",
  "let key = SymmetricKey(data: Array(privateKey.utf8))"),
 ("silence-warning", "a live source silent past its threshold is not flagged",
  "FreshnessTests", "Sources/OpsCore/Domain/Freshness.swift",
  "age > (thresholds[self] ?? defaultSilence)", "false && thresholds.isEmpty && age > 0"),
 ("charge-lookup", "an event naming only an unknown charge is applied without asking Stripe for its payment intent",
  "ChargeLookupTests", "Sources/popsa-ops/Commands/ServeCommand.swift",
  "            if let stripe {\n                do {", "            if let stripe, false {\n                do {"),
 ("shared-directory", "files created in the agents' shared directory stay owner-only (the group cannot use them)",
  "aSharedDirectorysDatabaseIsTheGroupsOnly", "Sources/popsa-ops/Support/SharedDatabase.swift",
  "guard stat(directory.isEmpty ? \".\" : directory, &info) == 0, info.st_mode & S_ISGID != 0 else { return false }",
  "guard false, stat(directory, &info) == 0 else { return false }"),
]
dirty = [p for p in sorted({m[3] for m in M}) if subprocess.run(["git", "diff", "--quiet", "--", p]).returncode != 0]
if dirty:
    sys.exit("make_patches.py: commit these first, they would be restored from HEAD: " + ", ".join(dirty))
for name, desc, filt, path, old, new in M:
    s = open(path).read()
    assert s.count(old) == 1, (name, s.count(old))
    open(path, 'w').write(s.replace(old, new))
    diff = subprocess.run(['git', 'diff', '--', path], capture_output=True, text=True).stdout
    subprocess.run(['git', 'checkout', '--', path], check=True)
    with open(f'Tests/Mutants/{name}.patch', 'w') as f:
        f.write(f"description: {desc}\nfilter: {filt}\n\n{diff}")
print(len(M), "mutants")
