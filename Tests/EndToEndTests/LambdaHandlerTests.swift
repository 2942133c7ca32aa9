import Foundation
import OpsTestSupport
import Testing

/// contrib/dynamodb-stream-lambda: DynamoDB Streams records (as AWS documents them) turned into signed ingest
/// batches, posted to a running `serve`, with Lambda's partial batch response.
@Suite(.serialized) struct LambdaHandlerTests {
    static func record(
        _ table: String, _ name: String, sequence: String, new: String? = nil, old: String? = nil,
        keys: String
    ) -> String {
        var stream =
            #""Keys":\#(keys),"SequenceNumber":"\#(sequence)","SizeBytes":120,"#
            + #""StreamViewType":"NEW_AND_OLD_IMAGES","ApproximateCreationDateTime":1795770000"#
        if let new { stream += #","NewImage":\#(new)"# }
        if let old { stream += #","OldImage":\#(old)"# }
        return #"{"eventID":"e\#(sequence)","eventName":"\#(name)","eventVersion":"1.1","#
            + #""eventSource":"aws:dynamodb","awsRegion":"eu-west-1","#
            + #""eventSourceARN":"arn:aws:dynamodb:eu-west-1:123456789012:table/\#(table)"#
            + #"/stream/2026-11-27T00:00:00.000","#
            + #""dynamodb":{\#(stream)}}"#
    }

    static let user =
        #"{"id":{"S":"usr_dyn1"},"email":{"S":"dyn@example.com"},"name":{"S":"Dana Dynamo"},"#
        + #""country":{"S":"IE"},"created_at":{"S":"2026-11-27T07:00:00Z"},"version":{"N":"1"},"#
        + #""internal_flag":{"BOOL":true}}"#
    static let userRenamed =
        #"{"id":{"S":"usr_dyn1"},"email":{"S":"dyn@example.com"},"name":{"S":"Dana Dynamo-Byrne"},"#
        + #""country":{"S":"IE"},"created_at":{"S":"2026-11-27T07:00:00Z"},"version":{"N":"2"}}"#
    static let print =
        #"{"id":{"S":"prt_dyn1"},"user_id":{"S":"usr_dyn1"},"product":{"S":"photobook"},"#
        + #""title":{"S":"Galway"},"page_count":{"N":"24"},"photo_count":{"N":"1"},"#
        + #""created_at":{"S":"2026-11-27T07:05:00Z"},"version":{"N":"1"}}"#
    static let photo =
        #"{"print_id":{"S":"prt_dyn1"},"position":{"N":"1"},"status":{"S":"missing"},"version":{"N":"1"}}"#
    static let order =
        #"{"id":{"S":"ord_dyn1"},"user_id":{"S":"usr_dyn1"},"print_id":{"S":"prt_dyn1"},"#
        + #""currency":{"S":"EUR"},"status":{"S":"paid"},"line_items":{"L":[{"M":{"sku":{"S":"pb-24"},"#
        + #""description":{"S":"Photobook 24"},"quantity":{"N":"1"},"unit_amount":{"N":"3499"}}}]},"#
        + #""subtotal_amount":{"N":"3499"},"shipping_amount":{"N":"499"},"tax_amount":{"N":"0"},"#
        + #""total_amount":{"N":"3998"},"shipping_address":{"M":{"name":{"S":"Dana"},"line1":{"S":"1 Quay St"},"#
        + #""city":{"S":"Galway"},"country":{"S":"IE"}}},"created_at":{"S":"2026-11-27T07:10:00Z"},"#
        + #""version":{"N":"1"}}"#

    /// Runs the handler on `records` against `server`: its JSON answer.
    func run(_ records: [String], server: IngestServiceTests.Server) throws -> String {
        let dir = TestSupport.temporaryDirectory("lambda")
        let event = dir + "/event.json"
        try (#"{"Records":["# + records.joined(separator: ",") + "]}").write(
            toFile: event, atomically: true, encoding: .utf8)
        let handler = TestSupport.packageRoot + "/contrib/dynamodb-stream-lambda"
        let code = """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import handler
            print(json.dumps(handler.handler(json.load(open(sys.argv[2])), None)))
            """
        let result = try TestSupport.run(
            "/usr/bin/env", ["python3", "-c", code, handler, event],
            environment: [
                "POPSA_OPS_INGEST_URL": "http://127.0.0.1:\(server.port)/ingest",
                "POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret, "PATH": "/usr/bin:/bin",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        // The handler logs to stdout (CloudWatch in Lambda); its answer is the last line.
        return result.stdout.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test func streamRecordsBecomeRecordsInTheConsole() throws {
        let server = try IngestServiceTests.Server()
        defer { _ = server.stop() }
        let userKeys = #"{"id":{"S":"usr_dyn1"}}"#
        let answer = try run(
            [
                Self.record("users", "INSERT", sequence: "100", new: Self.user, keys: userKeys),
                Self.record("prints", "INSERT", sequence: "101", new: Self.print, keys: #"{"id":{"S":"prt_dyn1"}}"#),
                Self.record(
                    "photos", "INSERT", sequence: "102", new: Self.photo,
                    keys: #"{"print_id":{"S":"prt_dyn1"},"position":{"N":"1"}}"#),
                Self.record("orders", "INSERT", sequence: "103", new: Self.order, keys: #"{"id":{"S":"ord_dyn1"}}"#),
                Self.record(
                    "users", "MODIFY", sequence: "104", new: Self.userRenamed, old: Self.user, keys: userKeys),
                Self.record(
                    "photos", "REMOVE", sequence: "105", old: Self.photo,
                    keys: #"{"print_id":{"S":"prt_dyn1"},"position":{"N":"1"}}"#),
                Self.record(
                    "carts", "INSERT", sequence: "106", new: #"{"id":{"S":"c1"}}"#, keys: #"{"id":{"S":"c1"}}"#),
            ], server: server)
        #expect(answer == #"{"batchItemFailures": []}"#)
        let customer = try TestSupport.popsaOps(["query", "customer", "usr_dyn1", "--db", server.db, "--json"])
        #expect(customer.stdout.contains("Dana Dynamo-Byrne"))
        let order = try TestSupport.popsaOps(["query", "order", "ord_dyn1", "--db", server.db])
        #expect(order.stdout.contains("€39.98") || order.stdout.contains("39.98"))
        #expect(try TestSupport.sql(server.db, "SELECT count(*) FROM photos WHERE print_id = 'prt_dyn1'") == "0")
        // The same records delivered again (Lambda retries) change nothing.
        _ = try run(
            [Self.record("users", "INSERT", sequence: "100", new: Self.user, keys: userKeys)], server: server)
        #expect(try TestSupport.sql(server.db, "SELECT name FROM users WHERE id = 'usr_dyn1'") == "Dana Dynamo-Byrne")
    }

    @Test func aBadRecordIsRetriedAloneAfterTheGoodOnesBeforeIt() throws {
        let server = try IngestServiceTests.Server()
        defer { _ = server.stop() }
        let orphan =
            #"{"id":{"S":"prt_orphan"},"user_id":{"S":"usr_nobody"},"product":{"S":"photobook"},"#
            + #""title":{"S":"X"},"page_count":{"N":"20"},"photo_count":{"N":"0"},"#
            + #""created_at":{"S":"2026-11-27T07:05:00Z"},"version":{"N":"1"}}"#
        let answer = try run(
            [
                Self.record("users", "INSERT", sequence: "200", new: Self.user, keys: #"{"id":{"S":"usr_dyn1"}}"#),
                Self.record("prints", "INSERT", sequence: "201", new: orphan, keys: #"{"id":{"S":"prt_orphan"}}"#),
                Self.record("prints", "INSERT", sequence: "202", new: Self.print, keys: #"{"id":{"S":"prt_dyn1"}}"#),
            ], server: server)
        #expect(answer == #"{"batchItemFailures": [{"itemIdentifier": "201"}]}"#)
        #expect(try TestSupport.sql(server.db, "SELECT count(*) FROM users WHERE id = 'usr_dyn1'") == "1")
        #expect(try TestSupport.sql(server.db, "SELECT count(*) FROM prints WHERE id = 'prt_dyn1'") == "0")
    }
}
