import OpsCore

// MARK: - Versioned migrations

/// The PostgreSQL schema, as numbered migrations with the SQLite store's rules: an older database is migrated
/// when opened, a newer one (migrations this version does not know) is refused.
///
/// The tables mirror the SQLite store's, so that a database moves from one to the other column for column
/// (`popsa-ops migrate`): times and amounts are integers (Unix seconds, minor units), JSON stays text.
enum PostgresSchema {
    struct Migration {
        var name: String
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(name: "v1 entities and the customer search", statements: entities + search),
        Migration(name: "v2 refunds, audit log, sandbox ledger", statements: ledger),
        Migration(
            name: "v3 rollups, feed sources, change sequence",
            // A database from before v3 gets its counts from what it holds, before the triggers keep them.
            statements: rollupTables + rollupRebuild + rollups + changes),
        Migration(name: "v4 stored search vectors, jobs by partner", statements: storedSearch),
        Migration(name: "v5 record versions", statements: [recordVersions]),
        Migration(name: "v6 provider events", statements: [webhookEvents]),
        Migration(name: "v7 prefix lexemes", statements: prefixLexemes),
        Migration(name: "v8 notes", statements: notes),
        Migration(name: "v9 support actions", statements: supportActions),
    ]

    /// Support's actions on print jobs, orders and accounts, their holds and the sandbox platform's calls, as on
    /// SQLite (v12 there).
    static let supportActions =
        [
            """
            CREATE TABLE support_actions (
              id TEXT PRIMARY KEY, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, user_id TEXT NOT NULL,
              order_id TEXT, kind TEXT NOT NULL, reason TEXT NOT NULL, note TEXT NOT NULL, address TEXT,
              status TEXT NOT NULL, idempotency_key TEXT NOT NULL UNIQUE, operator TEXT NOT NULL, message TEXT,
              reference TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, lease_until BIGINT NOT NULL)
            """,
            "CREATE INDEX support_actions_by_subject ON support_actions (subject_id, created_at)",
            "CREATE INDEX support_actions_by_customer ON support_actions (user_id, created_at)",
            "CREATE INDEX support_actions_open ON support_actions (lease_until) WHERE status IN ('pending', 'unknown')",
            """
            CREATE TABLE job_holds (
              job_id TEXT PRIMARY KEY, action_id TEXT NOT NULL, since BIGINT NOT NULL, operator TEXT NOT NULL)
            """,
            """
            CREATE TABLE sandbox_platform_calls (
              idempotency_key TEXT PRIMARY KEY, method TEXT NOT NULL, subject_id TEXT NOT NULL, seq BIGINT NOT NULL,
              accepted BIGINT NOT NULL, reference TEXT NOT NULL, message TEXT NOT NULL, at BIGINT NOT NULL,
              UNIQUE (subject_id, seq))
            """,
        ]
        // An action taken on one box shows on the others' open screens.
        + ["support_actions", "job_holds"].map { table in
            "CREATE TRIGGER \(table)_changed AFTER INSERT OR UPDATE OR DELETE ON \(table) FOR EACH STATEMENT "
                + "EXECUTE FUNCTION popsa_note_change()"
        }

    /// Operators' notes, as on SQLite (v11 there): free text in a table an erasure can redact, never in the chain.
    static let notes = [
        """
        CREATE TABLE notes (
          id TEXT PRIMARY KEY, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, user_id TEXT NOT NULL,
          order_id TEXT, author TEXT NOT NULL, at BIGINT NOT NULL, text TEXT NOT NULL, ticket TEXT)
        """,
        "CREATE INDEX notes_by_customer ON notes (user_id, at)",
        "CREATE INDEX notes_by_order ON notes (order_id, at) WHERE order_id IS NOT NULL",
        // A note added on one box shows on the others' open screens, as every other write does.
        "CREATE TRIGGER notes_changed AFTER INSERT OR UPDATE OR DELETE ON notes FOR EACH STATEMENT "
            + "EXECUTE FUNCTION popsa_note_change()",
    ]

    /// Every word's first one, two and three letters kept as lexemes of their own (`li~`), beside the words: a
    /// short prefix is then one posting list, which the GIN index reads directly and the planner has statistics
    /// for, instead of the union of every word that starts with it (thousands of lists for `b:*`).
    static let prefixLexemes = [
        """
        CREATE FUNCTION popsa_search_vector(words text) RETURNS tsvector
          LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
            SELECT to_tsvector('simple', words) || array_to_tsvector(ARRAY(
              SELECT DISTINCT left(l, n) || '~' FROM unnest(tsvector_to_array(to_tsvector('simple', words))) AS l,
                generate_series(1, 3) AS n
              WHERE length(l) >= n))
          $$
        """,
        "DROP INDEX users_search_vector",
        "ALTER TABLE users DROP COLUMN search_vector",
        """
        ALTER TABLE users ADD COLUMN search_vector tsvector
          GENERATED ALWAYS AS (popsa_search_vector(popsa_search_words(name || ' ' || search_email))) STORED
        """,
        "CREATE INDEX users_search_vector ON users USING gin (search_vector)",
    ]

    /// The providers' events applied, by id: a redelivery (or a second box's delivery) is a duplicate.
    static let webhookEvents = """
        CREATE TABLE webhook_events (
          provider TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, received_at BIGINT NOT NULL,
          PRIMARY KEY (provider, event_id))
        """

    /// The newest version applied of each record a feed sent with one (an import's `version` field).
    static let recordVersions = """
        CREATE TABLE record_versions (
          type TEXT NOT NULL, key TEXT NOT NULL, version BIGINT NOT NULL, deleted BIGINT NOT NULL DEFAULT 0,
          PRIMARY KEY (type, key))
        """

    /// The search's words kept in a stored column (computed once per write, not per row a query looks at): a
    /// type-ahead that walks the newest customers checks each row's vector without re-making it, and the GIN
    /// index is on the column.
    static let storedSearch = [
        """
        ALTER TABLE users ADD COLUMN search_vector tsvector
          GENERATED ALWAYS AS (to_tsvector('simple', popsa_search_words(name || ' ' || search_email))) STORED
        """,
        "DROP INDEX users_search",
        "CREATE INDEX users_search_vector ON users USING gin (search_vector)",
        // The partners' names by a skip scan (one probe per partner), and a partner's jobs in list order.
        "CREATE INDEX print_jobs_partner ON print_jobs (partner, updated_at, id)",
    ]

    static let entities = [
        """
        CREATE TABLE users (
          id TEXT PRIMARY KEY,
          email TEXT NOT NULL,
          name TEXT NOT NULL,
          country TEXT NOT NULL,
          locale TEXT NOT NULL,
          status TEXT NOT NULL,
          created_at BIGINT NOT NULL,
          search_email TEXT NOT NULL DEFAULT '',
          -- Insertion order, as SQLite's rowid: the search lists the newest customers first.
          seq BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE
        )
        """,
        "CREATE UNIQUE INDEX users_email ON users (lower(email))",
        """
        CREATE TABLE prints (
          id TEXT PRIMARY KEY,
          user_id TEXT NOT NULL REFERENCES users(id),
          product TEXT NOT NULL,
          title TEXT NOT NULL,
          page_count BIGINT NOT NULL,
          photo_count BIGINT NOT NULL,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX prints_user ON prints (user_id)",
        """
        CREATE TABLE photos (
          print_id TEXT NOT NULL REFERENCES prints(id),
          position BIGINT NOT NULL,
          status TEXT NOT NULL,
          filename TEXT NOT NULL,
          uploaded_at BIGINT,
          PRIMARY KEY (print_id, position)
        )
        """,
        """
        CREATE TABLE orders (
          id TEXT PRIMARY KEY,
          user_id TEXT NOT NULL REFERENCES users(id),
          print_id TEXT NOT NULL REFERENCES prints(id),
          currency TEXT NOT NULL,
          line_items TEXT NOT NULL,
          subtotal_amount BIGINT NOT NULL,
          shipping_amount BIGINT NOT NULL,
          tax_amount BIGINT NOT NULL,
          total_amount BIGINT NOT NULL,
          shipping_address TEXT NOT NULL,
          status TEXT NOT NULL,
          created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX orders_user ON orders (user_id, created_at)",
        "CREATE INDEX orders_status ON orders (status, created_at, id)",
        "CREATE INDEX orders_created ON orders (created_at, id)",
        // The postcode as searched: upper case, spaces removed (the expression the search compares).
        "CREATE INDEX orders_postcode ON orders (\(postcodeKey()))",
        """
        CREATE TABLE payments (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES orders(id),
          provider TEXT NOT NULL,
          provider_transaction_id TEXT NOT NULL,
          provider_charge_id TEXT,
          amount BIGINT NOT NULL,
          currency TEXT NOT NULL,
          status TEXT NOT NULL,
          created_at BIGINT NOT NULL,
          settled_at BIGINT
        )
        """,
        "CREATE INDEX payments_order ON payments (order_id)",
        "CREATE UNIQUE INDEX payments_transaction ON payments (provider_transaction_id, provider)",
        "CREATE INDEX payments_charge ON payments (provider_charge_id) WHERE provider_charge_id IS NOT NULL",
        """
        CREATE TABLE print_jobs (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES orders(id),
          partner TEXT NOT NULL,
          status TEXT NOT NULL,
          tracking_number TEXT,
          carrier TEXT,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX print_jobs_order ON print_jobs (order_id)",
        "CREATE INDEX print_jobs_tracking ON print_jobs (lower(tracking_number)) WHERE tracking_number IS NOT NULL",
        "CREATE INDEX print_jobs_updated ON print_jobs (updated_at, id)",
        """
        CREATE TABLE print_job_events (
          job_id TEXT NOT NULL REFERENCES print_jobs(id),
          sequence BIGINT NOT NULL,
          at BIGINT NOT NULL,
          status TEXT NOT NULL,
          message TEXT NOT NULL,
          PRIMARY KEY (job_id, sequence)
        )
        """,
        """
        CREATE TABLE disputes (
          id TEXT PRIMARY KEY,
          payment_id TEXT NOT NULL REFERENCES payments(id),
          order_id TEXT NOT NULL REFERENCES orders(id),
          provider TEXT NOT NULL,
          amount BIGINT NOT NULL,
          currency TEXT NOT NULL,
          reason TEXT NOT NULL,
          status TEXT NOT NULL,
          provider_status TEXT NOT NULL,
          evidence_due_by BIGINT,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL,
          event_at BIGINT NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX disputes_by_order ON disputes (order_id)",
        "CREATE INDEX disputes_by_payment ON disputes (payment_id)",
    ]

    /// The refund ledger, the hash-chained audit log and its head, and the sandbox gateways' own ledger: the
    /// SQLite store's tables, column for column (so that `migrate` copies them and the chain still verifies).
    static let ledger = [
        """
        CREATE TABLE refunds (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES orders(id),
          payment_id TEXT NOT NULL REFERENCES payments(id),
          provider TEXT NOT NULL,
          amount BIGINT NOT NULL CHECK (amount > 0),
          currency TEXT NOT NULL,
          status TEXT NOT NULL,
          reason TEXT NOT NULL,
          note TEXT NOT NULL DEFAULT '',
          idempotency_key TEXT NOT NULL UNIQUE,
          gateway_refund_id TEXT,
          is_void BIGINT NOT NULL DEFAULT 0,
          operator TEXT NOT NULL,
          failure_message TEXT,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL,
          lease_until BIGINT NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX refunds_order ON refunds (order_id)",
        "CREATE INDEX refunds_payment ON refunds (payment_id)",
        "CREATE INDEX refunds_gateway ON refunds (gateway_refund_id) WHERE gateway_refund_id IS NOT NULL",
        "CREATE INDEX refunds_open ON refunds (updated_at) WHERE status IN ('pending', 'unknown')",
        """
        CREATE TABLE audit_log (
          seq BIGINT PRIMARY KEY,
          at BIGINT NOT NULL,
          operator TEXT NOT NULL,
          ssh_client TEXT NOT NULL DEFAULT '',
          action TEXT NOT NULL,
          target TEXT NOT NULL,
          amount BIGINT,
          currency TEXT,
          reason TEXT NOT NULL DEFAULT '',
          idempotency_key TEXT NOT NULL DEFAULT '',
          gateway_ids TEXT NOT NULL DEFAULT '',
          result TEXT NOT NULL,
          detail TEXT NOT NULL DEFAULT '',
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        )
        """,
        // One row, locked by every audited write (SELECT … FOR UPDATE): the chain advances one entry at a time
        // whichever box writes.
        "CREATE TABLE audit_head (id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)",
        """
        CREATE TABLE sandbox_refunds (
          id TEXT PRIMARY KEY,
          provider TEXT NOT NULL,
          transaction_id TEXT NOT NULL,
          amount BIGINT NOT NULL,
          currency TEXT NOT NULL,
          is_void BIGINT NOT NULL,
          idempotency_key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          intent_id TEXT,
          created_at BIGINT NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX sandbox_refunds_key ON sandbox_refunds (provider, idempotency_key)",
        "CREATE INDEX sandbox_refunds_transaction ON sandbox_refunds (provider, transaction_id)",
        """
        CREATE TABLE sandbox_transaction_status (
          provider TEXT NOT NULL, transaction_id TEXT NOT NULL, status TEXT NOT NULL,
          PRIMARY KEY (provider, transaction_id)
        )
        """,
    ]

    /// The dashboard's and the lists' running counts, kept by triggers as the SQLite store's are (see its
    /// `Rollups`): activity per minute and hour and kind, jobs by partner and status, orders by status, missing
    /// photos, in-progress jobs by partner and hour of their last event. The copy (`migrate`) fills them as it
    /// inserts. A counter row is locked until its writer commits: writers of the same status or partner queue on
    /// it for the rest of their transaction (short ones: a refund, an ingest batch).
    static let rollupTables = [
        """
        CREATE TABLE activity_minute (
          kind TEXT NOT NULL, key TEXT NOT NULL, bucket BIGINT NOT NULL, count BIGINT NOT NULL, amount BIGINT NOT NULL,
          PRIMARY KEY (kind, bucket, key))
        """,
        """
        CREATE TABLE activity_hour (
          kind TEXT NOT NULL, key TEXT NOT NULL, bucket BIGINT NOT NULL, count BIGINT NOT NULL, amount BIGINT NOT NULL,
          PRIMARY KEY (kind, bucket, key))
        """,
        "CREATE TABLE job_counts (partner TEXT, status TEXT, n BIGINT NOT NULL, PRIMARY KEY (partner, status))",
        "CREATE TABLE order_counts (status TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        """
        CREATE TABLE job_progress_hour (partner TEXT, bucket BIGINT, n BIGINT NOT NULL, PRIMARY KEY (partner, bucket))
        """,
        "CREATE INDEX job_progress_hour_bucket ON job_progress_hour (bucket)",
        """
        CREATE INDEX print_jobs_in_progress ON print_jobs (updated_at)
          WHERE status IN \(DashboardAssembly.inProgressJobStatuses)
        """,
        """
        CREATE TABLE feed_sources (
          source TEXT PRIMARY KEY, last_at BIGINT, deliveries BIGINT NOT NULL DEFAULT 0,
          rejected BIGINT NOT NULL DEFAULT 0, last_error TEXT, last_error_at BIGINT)
        """,
    ]

    /// The running counts recomputed from the tables (an older database's migration, and after a bulk copy, which
    /// goes in with the triggers off): activity by minute and by hour for every kind, the counts, the backlog.
    static let rollupRebuild: [String] =
        ["TRUNCATE activity_minute, activity_hour, job_counts, order_counts, counters, job_progress_hour"]
        + [("activity_minute", 60), ("activity_hour", 3600)].flatMap { table, size in
            [
                """
                INSERT INTO \(table)
                SELECT 'order', currency, created_at / \(size) * \(size), count(*), sum(total_amount)
                  FROM orders GROUP BY 2, 3
                """,
                """
                INSERT INTO \(table)
                SELECT 'signup', '', created_at / \(size) * \(size), count(*), 0 FROM users GROUP BY 3
                """,
                """
                INSERT INTO \(table) SELECT 'upload', '', uploaded_at / \(size) * \(size), count(*), 0 FROM photos
                  WHERE status = 'uploaded' AND uploaded_at IS NOT NULL GROUP BY 3
                """,
                """
                INSERT INTO \(table) SELECT 'refund', currency, updated_at / \(size) * \(size), count(*), sum(amount)
                  FROM refunds WHERE status = 'succeeded' GROUP BY 2, 3
                """,
                """
                INSERT INTO \(table) SELECT 'refund_reason', reason, updated_at / \(size) * \(size), count(*), 0
                  FROM refunds WHERE status = 'succeeded' GROUP BY 2, 3
                """,
            ]
        } + [
            "INSERT INTO job_counts SELECT partner, status, count(*) FROM print_jobs GROUP BY 1, 2",
            "INSERT INTO order_counts SELECT status, count(*) FROM orders GROUP BY 1",
            "INSERT INTO counters SELECT 'missing_photos', count(*) FROM photos WHERE status = 'missing'",
            """
            INSERT INTO job_progress_hour SELECT partner, updated_at / 3600 * 3600, count(*) FROM print_jobs
              WHERE status IN \(DashboardAssembly.inProgressJobStatuses) GROUP BY 1, 2
            """,
        ]

    static let rollups = [
        """
        CREATE FUNCTION popsa_bump(kind text, key text, at bigint, amount bigint) RETURNS void LANGUAGE sql AS $$
          INSERT INTO activity_minute VALUES (kind, key, at / 60 * 60, 1, amount) ON CONFLICT (kind, bucket, key)
            DO UPDATE SET count = activity_minute.count + 1, amount = activity_minute.amount + excluded.amount;
          INSERT INTO activity_hour VALUES (kind, key, at / 3600 * 3600, 1, amount) ON CONFLICT (kind, bucket, key)
            DO UPDATE SET count = activity_hour.count + 1, amount = activity_hour.amount + excluded.amount;
        $$
        """,
        """
        CREATE FUNCTION popsa_count_job(partner text, status text, delta bigint) RETURNS void LANGUAGE sql AS $$
          INSERT INTO job_counts VALUES (partner, status, delta) ON CONFLICT (partner, status)
            DO UPDATE SET n = job_counts.n + excluded.n;
        $$
        """,
        """
        CREATE FUNCTION popsa_count_progress(partner text, at bigint, delta bigint) RETURNS void LANGUAGE sql AS $$
          INSERT INTO job_progress_hour VALUES (partner, at / 3600 * 3600, delta) ON CONFLICT (partner, bucket)
            DO UPDATE SET n = job_progress_hour.n + excluded.n;
        $$
        """,
        """
        CREATE FUNCTION popsa_count_order(status text, delta bigint) RETURNS void LANGUAGE sql AS $$
          INSERT INTO order_counts VALUES (status, delta) ON CONFLICT (status)
            DO UPDATE SET n = order_counts.n + excluded.n;
        $$
        """,
        """
        CREATE FUNCTION popsa_count_missing(delta bigint) RETURNS void LANGUAGE sql AS $$
          INSERT INTO counters VALUES ('missing_photos', delta) ON CONFLICT (name)
            DO UPDATE SET value = counters.value + excluded.value;
        $$
        """,
        """
        CREATE FUNCTION popsa_rollup_orders() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            PERFORM popsa_bump('order', NEW.currency, NEW.created_at, NEW.total_amount);
            PERFORM popsa_count_order(NEW.status, 1);
          ELSIF OLD.status <> NEW.status THEN
            PERFORM popsa_count_order(OLD.status, -1);
            PERFORM popsa_count_order(NEW.status, 1);
          END IF;
          RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER rollup_orders AFTER INSERT OR UPDATE OF status ON orders FOR EACH ROW "
            + "EXECUTE FUNCTION popsa_rollup_orders()",
        """
        CREATE FUNCTION popsa_rollup_users() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM popsa_bump('signup', '', NEW.created_at, 0);
          RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER rollup_users AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION popsa_rollup_users()",
        """
        CREATE FUNCTION popsa_rollup_photos() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF NEW.status = 'missing' THEN PERFORM popsa_count_missing(1); END IF;
            IF NEW.status = 'uploaded' AND NEW.uploaded_at IS NOT NULL THEN
              PERFORM popsa_bump('upload', '', NEW.uploaded_at, 0);
            END IF;
          ELSIF TG_OP = 'DELETE' THEN
            IF OLD.status = 'missing' THEN PERFORM popsa_count_missing(-1); END IF;
          ELSIF OLD.status <> NEW.status THEN
            PERFORM popsa_count_missing(CASE WHEN NEW.status = 'missing' THEN 1 ELSE -1 END);
            IF OLD.status = 'missing' AND NEW.status = 'uploaded' AND NEW.uploaded_at IS NOT NULL THEN
              PERFORM popsa_bump('upload', '', NEW.uploaded_at, 0);
            END IF;
          END IF;
          RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER rollup_photos AFTER INSERT OR DELETE OR UPDATE OF status ON photos FOR EACH ROW "
            + "EXECUTE FUNCTION popsa_rollup_photos()",
        """
        CREATE FUNCTION popsa_rollup_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF TG_OP = 'DELETE' OR OLD.status <> NEW.status OR OLD.partner <> NEW.partner THEN
              PERFORM popsa_count_job(OLD.partner, OLD.status, -1);
            END IF;
            IF OLD.status IN \(DashboardAssembly.inProgressJobStatuses) THEN
              PERFORM popsa_count_progress(OLD.partner, OLD.updated_at, -1);
            END IF;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            IF TG_OP = 'INSERT' OR OLD.status <> NEW.status OR OLD.partner <> NEW.partner THEN
              PERFORM popsa_count_job(NEW.partner, NEW.status, 1);
            END IF;
            IF NEW.status IN \(DashboardAssembly.inProgressJobStatuses) THEN
              PERFORM popsa_count_progress(NEW.partner, NEW.updated_at, 1);
            END IF;
          END IF;
          RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER rollup_jobs AFTER INSERT OR DELETE OR UPDATE OF status, partner, updated_at ON print_jobs "
            + "FOR EACH ROW EXECUTE FUNCTION popsa_rollup_jobs()",
        """
        CREATE FUNCTION popsa_rollup_refunds() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.status = 'succeeded' AND (TG_OP = 'INSERT' OR OLD.status <> 'succeeded') THEN
            PERFORM popsa_bump('refund', NEW.currency, NEW.updated_at, NEW.amount);
            PERFORM popsa_bump('refund_reason', NEW.reason, NEW.updated_at, 0);
          END IF;
          RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER rollup_refunds AFTER INSERT OR UPDATE OF status ON refunds FOR EACH ROW "
            + "EXECUTE FUNCTION popsa_rollup_refunds()",
    ]

    /// The change token: a sequence every committed write statement advances (statement triggers, so a batch
    /// of a thousand rows advances it once), and a notification on `popsa_changes`, which PostgreSQL delivers
    /// when the writer commits: consoles on every box listening there reload at once; the token, read on every
    /// tick, catches whatever a lost notification missed.
    static let changeTables = [
        "users", "prints", "photos", "orders", "payments", "print_jobs", "print_job_events", "disputes", "refunds",
        "feed_sources",
    ]

    static let changes =
        [
            "CREATE SEQUENCE popsa_changes",
            """
            CREATE FUNCTION popsa_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM nextval('popsa_changes');
              PERFORM pg_notify('popsa_changes', '');
              RETURN NULL;
            END $$
            """,
        ]
        + changeTables.map { table in
            "CREATE TRIGGER \(table)_changed AFTER INSERT OR UPDATE OR DELETE ON \(table) FOR EACH STATEMENT "
                + "EXECUTE FUNCTION popsa_note_change()"
        }

    /// Accent-insensitive, word-prefix search over names and email words, as SQLite's FTS5 with
    /// `remove_diacritics` does: `unaccent` is only STABLE, so an IMMUTABLE wrapper (over an explicit
    /// dictionary) makes it indexable; the words go through the `simple` text-search configuration.
    static let search = [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        """
        CREATE FUNCTION popsa_unaccent(text) RETURNS text
          LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
          RETURN public.unaccent('public.unaccent'::regdictionary, $1)
        """,
        // Words as SQLite's unicode61 tokenizer makes them: runs of letters and digits, accents removed.
        """
        CREATE FUNCTION popsa_search_words(text) RETURNS text
          LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
          RETURN regexp_replace(popsa_unaccent(lower($1)), '[^[:alnum:]]+', ' ', 'g')
        """,
        "CREATE INDEX users_search ON users USING gin (\(searchVector()))",
    ]

    /// What the first search index held for a customer (v1; v4 stored it, v7 added the prefix lexemes).
    static func searchVector(_ table: String = "") -> String {
        let t = table.isEmpty ? "" : table + "."
        return "to_tsvector('simple', popsa_search_words(\(t)name || ' ' || \(t)search_email))"
    }

    /// A shipping address's postcode as searched.
    static func postcodeKey(_ table: String = "") -> String {
        "upper(replace((\(table.isEmpty ? "" : table + ".")shipping_address::jsonb)->>'postcode', ' ', ''))"
    }
}
