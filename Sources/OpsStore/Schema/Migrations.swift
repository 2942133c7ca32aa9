import GRDB
import OpsCore

/// The schema, as an ordered list of migrations. A migration, once shipped, is never edited: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 entities") { db in try createEntities(db) }
        migrator.registerMigration("v2 refunds, sandbox ledger, audit head") { db in try createRefundSupport(db) }
        migrator.registerMigration("v3 dashboard rollups") { db in
            try db.execute(sql: Rollups.tables)
            // Backfill relative to the newest record, so an old database's recent activity lands in minute buckets.
            let latest =
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT max(t) FROM (SELECT max(created_at) AS t FROM orders UNION ALL SELECT max(created_at) \
                        FROM users)
                        """) ?? 0
            try Rollups.rebuild(db, now: Timestamp(seconds: latest), jobProgress: false)
            try db.execute(sql: Rollups.triggers)
        }
        migrator.registerMigration("v4 in-progress print jobs by hour") { db in
            try db.execute(sql: Rollups.jobProgressTable)
            try db.execute(sql: Rollups.jobProgressBackfill)
            try db.execute(sql: Rollups.jobProgressTriggers)
        }
        migrator.registerMigration("v5 change-feed versions") { db in
            // The newest version applied of each record a change feed sent with one, tombstones included, so an
            // older change arriving late changes nothing and a deleted record is not brought back.
            try db.execute(
                sql: """
                    CREATE TABLE record_versions (
                      type TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
                      deleted INTEGER NOT NULL DEFAULT 0,
                      PRIMARY KEY (type, key)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("v6 provider events") { db in
            // Every provider event applied, by id: providers deliver at least once, an event applies once.
            try db.execute(
                sql: """
                    CREATE TABLE webhook_events (
                      provider TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, received_at INTEGER NOT NULL,
                      PRIMARY KEY (provider, event_id)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("v7 disputes") { db in
            // Chargebacks, kept current by the providers' webhooks (event_at: the newest event applied, so a late
            // event changes nothing) and by the feed. An open or lost one blocks refunds on its payment.
            try db.execute(
                sql: """
                    CREATE TABLE disputes (
                      id TEXT PRIMARY KEY NOT NULL,
                      payment_id TEXT NOT NULL REFERENCES payments(id),
                      order_id TEXT NOT NULL REFERENCES orders(id),
                      provider TEXT NOT NULL,
                      amount INTEGER NOT NULL,
                      currency TEXT NOT NULL,
                      reason TEXT NOT NULL,
                      status TEXT NOT NULL,
                      provider_status TEXT NOT NULL,
                      evidence_due_by INTEGER,
                      created_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL,
                      event_at INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX disputes_by_order ON disputes(order_id);
                    CREATE INDEX disputes_by_payment ON disputes(payment_id);
                    CREATE INDEX disputes_by_due ON disputes(status, evidence_due_by);
                    """)
        }
        migrator.registerMigration("v8 feed sources") { db in
            // When each live source (the platform's feed, Stripe, Braintree, the partners) last delivered, written
            // in the transaction that applied the delivery: the console's freshness comes from here.
            try db.execute(
                sql: """
                    CREATE TABLE feed_sources (
                      source TEXT PRIMARY KEY NOT NULL, last_at INTEGER, deliveries INTEGER NOT NULL DEFAULT 0,
                      rejected INTEGER NOT NULL DEFAULT 0, last_error TEXT, last_error_at INTEGER
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("v9 orders by postcode") { db in
            // Support searches a ticket's postcode as it was written ("sw1a 1aa"): the shipping address's
            // postcode, upper case without spaces, indexed (the expression is the one the search compares).
            try db.execute(sql: "CREATE INDEX orders_postcode ON orders(\(Schema.postcodeKey("shipping_address")))")
        }
        migrator.registerMigration("v10 search prefixes up to eight letters") { db in
            // Type-ahead past three letters ("mari", "nguyen") had no prefix index: FTS5 merged the doclists of
            // every term with that prefix, 3-9 ms per keystroke at 3M customers. With prefix indexes up to eight
            // letters a keystroke reads one doclist, newest first, and stops at the page (about +50 % of the
            // full-text index, +3 % of the database).
            try db.execute(
                sql: """
                    DROP TABLE users_fts;
                    CREATE VIRTUAL TABLE users_fts USING fts5(
                      name, search_email, content='users', content_rowid='rowid',
                      tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6 7 8'
                    );
                    INSERT INTO users_fts(users_fts) VALUES('rebuild');
                    """)
        }
        migrator.registerMigration("v11 notes") { db in
            // Operators' notes: free text, so in a table of their own that an erasure can redact, never in the
            // audit chain (whose entry names the note by id). No foreign keys: a note outlives a record the
            // platform deletes, as the audit does.
            try db.execute(
                sql: """
                    CREATE TABLE notes (
                      id TEXT PRIMARY KEY, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL,
                      user_id TEXT NOT NULL, order_id TEXT, author TEXT NOT NULL, at INTEGER NOT NULL,
                      text TEXT NOT NULL, ticket TEXT
                    );
                    CREATE INDEX notes_by_customer ON notes(user_id, at);
                    CREATE INDEX notes_by_order ON notes(order_id, at) WHERE order_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v12 support actions") { db in
            // Support's actions on print jobs, orders and accounts, exactly once like refunds (an intent with its
            // key before the platform is called); the holds they placed; the sandbox platform's calls, one per
            // key. A note is free text, so it lives here (redactable), never in the chain.
            try db.execute(
                sql: """
                    CREATE TABLE support_actions (
                      id TEXT PRIMARY KEY, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL,
                      user_id TEXT NOT NULL, order_id TEXT, kind TEXT NOT NULL, reason TEXT NOT NULL,
                      note TEXT NOT NULL, address TEXT, status TEXT NOT NULL, idempotency_key TEXT NOT NULL UNIQUE,
                      operator TEXT NOT NULL, message TEXT, reference TEXT, created_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL, lease_until INTEGER NOT NULL
                    );
                    CREATE INDEX support_actions_by_subject ON support_actions(subject_id, created_at);
                    CREATE INDEX support_actions_by_customer ON support_actions(user_id, created_at);
                    CREATE INDEX support_actions_open ON support_actions(lease_until)
                      WHERE status IN ('pending', 'unknown');
                    CREATE TABLE job_holds (
                      job_id TEXT PRIMARY KEY, action_id TEXT NOT NULL, since INTEGER NOT NULL, operator TEXT NOT NULL
                    );
                    CREATE TABLE sandbox_platform_calls (
                      idempotency_key TEXT PRIMARY KEY, method TEXT NOT NULL, subject_id TEXT NOT NULL,
                      seq INTEGER NOT NULL, accepted INTEGER NOT NULL, reference TEXT NOT NULL, message TEXT NOT NULL,
                      at INTEGER NOT NULL, UNIQUE (subject_id, seq)
                    );
                    """)
        }
        return migrator
    }

    /// A shipping address's postcode as searched: upper case, spaces removed (an index is on this expression).
    static func postcodeKey(_ column: String) -> String {
        "upper(replace(json_extract(\(column), '$.postcode'), ' ', ''))"
    }

    /// Notes a delivery from `source` at `at`, in the caller's transaction: its freshness, and one more delivery
    /// in the dashboard's minute and hour buckets (kind `feed`, keyed by source).
    static func touch(_ db: Database, _ source: FeedSource, at: Timestamp) throws {
        let arguments: StatementArguments = [source.rawValue, at.seconds]
        try db.execute(
            sql: """
                INSERT INTO feed_sources (source, last_at, deliveries) VALUES (?1, ?2, 1)
                ON CONFLICT(source) DO UPDATE SET last_at = max(coalesce(last_at, 0), excluded.last_at),
                  deliveries = deliveries + 1
                """, arguments: arguments)
        for (table, size) in [("activity_minute", 60), ("activity_hour", 3600)] {
            try db.execute(
                sql: """
                    INSERT INTO \(table) VALUES ('feed', ?1, ?2 / \(size) * \(size), 1, 0)
                    ON CONFLICT(kind, bucket, key) DO UPDATE SET count = count + 1
                    """, arguments: arguments)
        }
    }

    /// The statuses of a print job still in progress, as SQL. Partial indexes and the queries that use them must
    /// spell this list the same way, or SQLite will not use the index.
    static let inProgressJobStatuses = DashboardAssembly.inProgressJobStatuses

    /// The sandbox gateways' own ledger (their "server side"), and the audit log's head, which makes deleting
    /// the newest entries detectable.
    private static func createRefundSupport(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sandbox_refunds (
                  id TEXT PRIMARY KEY NOT NULL,
                  provider TEXT NOT NULL,
                  transaction_id TEXT NOT NULL,
                  amount INTEGER NOT NULL,
                  currency TEXT NOT NULL,
                  is_void INTEGER NOT NULL,
                  idempotency_key TEXT NOT NULL,
                  fingerprint TEXT NOT NULL,
                  intent_id TEXT,
                  created_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX sandbox_refunds_key ON sandbox_refunds(provider, idempotency_key);
                CREATE INDEX sandbox_refunds_transaction ON sandbox_refunds(provider, transaction_id);
                CREATE TABLE sandbox_transaction_status (
                  provider TEXT NOT NULL,
                  transaction_id TEXT NOT NULL,
                  status TEXT NOT NULL,
                  PRIMARY KEY (provider, transaction_id)
                ) WITHOUT ROWID;
                CREATE TABLE audit_head (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  seq INTEGER NOT NULL,
                  hash TEXT NOT NULL
                );
                """)
    }

    private static func createEntities(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE users (
                  id TEXT PRIMARY KEY NOT NULL,
                  email TEXT NOT NULL,
                  name TEXT NOT NULL,
                  country TEXT NOT NULL,
                  locale TEXT NOT NULL,
                  status TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  -- The email as words for full-text search (see SearchText): "zoe.martin123@x.com" indexes
                  -- as zoe, martin, 123, x, com, so "mart" is one prefix term, not one term per customer.
                  search_email TEXT NOT NULL DEFAULT ''
                );
                CREATE UNIQUE INDEX users_email ON users(email COLLATE NOCASE);
                CREATE VIRTUAL TABLE users_fts USING fts5(
                  name, search_email, content='users', content_rowid='rowid',
                  tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
                );
                CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
                  INSERT INTO users_fts(rowid, name, search_email) VALUES (new.rowid, new.name, new.search_email);
                END;
                CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
                  INSERT INTO users_fts(users_fts, rowid, name, search_email)
                    VALUES ('delete', old.rowid, old.name, old.search_email);
                END;
                CREATE TRIGGER users_fts_update AFTER UPDATE OF name, search_email ON users BEGIN
                  INSERT INTO users_fts(users_fts, rowid, name, search_email)
                    VALUES ('delete', old.rowid, old.name, old.search_email);
                  INSERT INTO users_fts(rowid, name, search_email) VALUES (new.rowid, new.name, new.search_email);
                END;

                CREATE TABLE prints (
                  id TEXT PRIMARY KEY NOT NULL,
                  user_id TEXT NOT NULL REFERENCES users(id),
                  product TEXT NOT NULL,
                  title TEXT NOT NULL,
                  page_count INTEGER NOT NULL,
                  photo_count INTEGER NOT NULL,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL
                );
                CREATE INDEX prints_user ON prints(user_id);

                CREATE TABLE photos (
                  print_id TEXT NOT NULL REFERENCES prints(id),
                  position INTEGER NOT NULL,
                  status TEXT NOT NULL,
                  filename TEXT NOT NULL,
                  uploaded_at INTEGER,
                  PRIMARY KEY (print_id, position)
                ) WITHOUT ROWID;

                CREATE TABLE orders (
                  id TEXT PRIMARY KEY NOT NULL,
                  user_id TEXT NOT NULL REFERENCES users(id),
                  print_id TEXT NOT NULL REFERENCES prints(id),
                  currency TEXT NOT NULL,
                  line_items TEXT NOT NULL,
                  subtotal_amount INTEGER NOT NULL,
                  shipping_amount INTEGER NOT NULL,
                  tax_amount INTEGER NOT NULL,
                  total_amount INTEGER NOT NULL,
                  shipping_address TEXT NOT NULL,
                  status TEXT NOT NULL,
                  created_at INTEGER NOT NULL
                );
                CREATE INDEX orders_user ON orders(user_id);
                CREATE INDEX orders_status ON orders(status, created_at, id);
                CREATE INDEX orders_created ON orders(created_at, id);

                CREATE TABLE payments (
                  id TEXT PRIMARY KEY NOT NULL,
                  order_id TEXT NOT NULL REFERENCES orders(id),
                  provider TEXT NOT NULL,
                  provider_transaction_id TEXT NOT NULL,
                  provider_charge_id TEXT,
                  amount INTEGER NOT NULL,
                  currency TEXT NOT NULL,
                  status TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  settled_at INTEGER
                );
                CREATE INDEX payments_order ON payments(order_id);
                CREATE UNIQUE INDEX payments_transaction ON payments(provider_transaction_id, provider);
                CREATE INDEX payments_charge ON payments(provider_charge_id) WHERE provider_charge_id IS NOT NULL;

                CREATE TABLE print_jobs (
                  id TEXT PRIMARY KEY NOT NULL,
                  order_id TEXT NOT NULL REFERENCES orders(id),
                  partner TEXT NOT NULL,
                  status TEXT NOT NULL,
                  tracking_number TEXT,
                  carrier TEXT,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL
                );
                CREATE INDEX print_jobs_order ON print_jobs(order_id);
                CREATE INDEX print_jobs_tracking ON print_jobs(tracking_number COLLATE NOCASE)
                  WHERE tracking_number IS NOT NULL;
                CREATE INDEX print_jobs_updated ON print_jobs(updated_at, id);
                CREATE INDEX print_jobs_status ON print_jobs(status, updated_at, id);
                CREATE INDEX print_jobs_partner ON print_jobs(partner, status, updated_at, id);
                CREATE INDEX print_jobs_in_progress ON print_jobs(updated_at, id)
                  WHERE status IN \(inProgressJobStatuses);
                CREATE INDEX print_jobs_partner_in_progress ON print_jobs(partner, updated_at, id)
                  WHERE status IN \(inProgressJobStatuses);

                CREATE TABLE print_job_events (
                  job_id TEXT NOT NULL REFERENCES print_jobs(id),
                  sequence INTEGER NOT NULL,
                  at INTEGER NOT NULL,
                  status TEXT NOT NULL,
                  message TEXT NOT NULL,
                  PRIMARY KEY (job_id, sequence)
                ) WITHOUT ROWID;

                CREATE TABLE refunds (
                  id TEXT PRIMARY KEY NOT NULL,
                  order_id TEXT NOT NULL REFERENCES orders(id),
                  payment_id TEXT NOT NULL REFERENCES payments(id),
                  provider TEXT NOT NULL,
                  amount INTEGER NOT NULL CHECK (amount > 0),
                  currency TEXT NOT NULL,
                  status TEXT NOT NULL,
                  reason TEXT NOT NULL,
                  note TEXT NOT NULL DEFAULT '',
                  idempotency_key TEXT NOT NULL UNIQUE,
                  gateway_refund_id TEXT,
                  is_void INTEGER NOT NULL DEFAULT 0,
                  operator TEXT NOT NULL,
                  failure_message TEXT,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL,
                  lease_until INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX refunds_order ON refunds(order_id);
                CREATE INDEX refunds_payment ON refunds(payment_id);
                CREATE INDEX refunds_open ON refunds(updated_at) WHERE status IN ('pending','unknown');

                CREATE TABLE audit_log (
                  seq INTEGER PRIMARY KEY,
                  at INTEGER NOT NULL,
                  operator TEXT NOT NULL,
                  ssh_client TEXT NOT NULL DEFAULT '',
                  action TEXT NOT NULL,
                  target TEXT NOT NULL,
                  amount INTEGER,
                  currency TEXT,
                  reason TEXT NOT NULL DEFAULT '',
                  idempotency_key TEXT NOT NULL DEFAULT '',
                  gateway_ids TEXT NOT NULL DEFAULT '',
                  result TEXT NOT NULL,
                  detail TEXT NOT NULL DEFAULT '',
                  prev_hash TEXT NOT NULL,
                  hash TEXT NOT NULL
                );
                """)
    }
}
