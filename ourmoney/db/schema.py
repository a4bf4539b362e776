"""The ledger schema as numbered migrations, applied once each (PRAGMA user_version).

Written as SQL rather than peewee models because partial indexes, FTS5, triggers and the
bulk paths need exact SQL, and because several ledgers must live in one process.
Triggers keep the search index, daily totals and payee totals right for single writes; bulk
inserts mark themselves in `bulk_write` and index their batch set-wise (see ourmoney.db.bulk),
which is an order of magnitude faster than per-row triggers.
"""

from __future__ import annotations

import sqlite3

_SYNCED = """created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    hlc TEXT NOT NULL, local_seq INTEGER NOT NULL DEFAULT 0"""

_TOTALS_ADD = """INSERT INTO daily_total (day, type, category_id, member_id, amount, count)
    SELECT NEW.occurred_on, NEW.type, coalesce(NEW.category_id, ''),
           coalesce(NEW.member_id, ''), NEW.amount, 1 WHERE NEW.deleted = 0
    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount, count = count + 1;"""

_TOTALS_REMOVE = """UPDATE daily_total SET amount = amount - OLD.amount, count = count - 1
    WHERE OLD.deleted = 0 AND day = OLD.occurred_on AND type = OLD.type
      AND category_id = coalesce(OLD.category_id, '')
      AND member_id = coalesce(OLD.member_id, '');"""

# Payee totals (reports): expenses per month, member and exact description, with the smallest
# and largest amount and category id. A removal that takes a smallest or largest of differing
# values marks the group, read again once before the write commits (ourmoney.db.payees.settle),
# not once per removed row (an import's undo removes thousands).
_PAYEE_KEY = """month = substr({row}.occurred_on, 1, 7)
        AND member_id = coalesce({row}.member_id, '') AND description = {row}.description"""

_PAYEES_ADD = """INSERT INTO payee_month (month, member_id, description, amount, count, low, high,
        low_category, high_category)
    SELECT substr(NEW.occurred_on, 1, 7), coalesce(NEW.member_id, ''), NEW.description,
           NEW.amount, 1, NEW.amount, NEW.amount, coalesce(NEW.category_id, ''),
           coalesce(NEW.category_id, '')
    WHERE NEW.deleted = 0 AND NEW.type = 'expense'
    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount, count = count + 1,
        low = min(low, excluded.low), high = max(high, excluded.high),
        low_category = min(low_category, excluded.low_category),
        high_category = max(high_category, excluded.high_category);"""

_PAYEES_REMOVE = f"""UPDATE payee_month SET amount = amount - OLD.amount, count = count - 1
    WHERE OLD.deleted = 0 AND OLD.type = 'expense' AND {_PAYEE_KEY.format(row="OLD")};
    INSERT OR IGNORE INTO payee_stale (month, member_id, description)
    SELECT month, member_id, description FROM payee_month
    WHERE OLD.deleted = 0 AND OLD.type = 'expense' AND {_PAYEE_KEY.format(row="OLD")}
        AND count > 0 AND ((low < high AND OLD.amount IN (low, high))
          OR (low_category < high_category
              AND coalesce(OLD.category_id, '') IN (low_category, high_category)));
    DELETE FROM payee_month WHERE count = 0 AND OLD.deleted = 0 AND OLD.type = 'expense'
        AND {_PAYEE_KEY.format(row="OLD")};"""

MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE node (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL, name TEXT NOT NULL, clock TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE category (
        id TEXT PRIMARY KEY, name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('income', 'expense')), color TEXT NOT NULL,
        {_SYNCED});
    CREATE INDEX category_name ON category (name COLLATE NOCASE) WHERE deleted = 0;
    CREATE TABLE member (id TEXT PRIMARY KEY, name TEXT NOT NULL, {_SYNCED});
    -- No foreign keys to category/member: sync may deliver a row before what it refers to.
    CREATE TABLE transactions (
        id TEXT PRIMARY KEY, occurred_on TEXT NOT NULL, description TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('income', 'expense')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        category_id TEXT, member_id TEXT, notes TEXT NOT NULL DEFAULT '',
        {_SYNCED});
    CREATE INDEX transactions_order ON transactions (occurred_on, created_at, id)
        WHERE deleted = 0;
    CREATE INDEX transactions_category ON transactions (category_id, occurred_on, created_at, id)
        WHERE deleted = 0;
    CREATE INDEX transactions_member ON transactions (member_id, occurred_on, created_at, id)
        WHERE deleted = 0;
    CREATE INDEX transactions_pending ON transactions (local_seq) WHERE deleted = 0;
    CREATE TABLE change (
        seq INTEGER PRIMARY KEY, hlc TEXT NOT NULL UNIQUE, origin TEXT NOT NULL,
        entity TEXT NOT NULL, row_id TEXT NOT NULL, fields TEXT NOT NULL);
    CREATE TABLE daily_total (
        day TEXT NOT NULL, type TEXT NOT NULL, category_id TEXT NOT NULL, member_id TEXT NOT NULL,
        amount INTEGER NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (day, type, category_id, member_id)) WITHOUT ROWID;
    CREATE TABLE bulk_write (id INTEGER PRIMARY KEY CHECK (id = 1));
    CREATE TRIGGER transactions_total_insert AFTER INSERT ON transactions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_write) BEGIN
        {_TOTALS_ADD}
    END;
    CREATE TRIGGER transactions_total_update
        AFTER UPDATE OF occurred_on, type, amount, category_id, member_id, deleted ON transactions
    BEGIN
        {_TOTALS_REMOVE}
        {_TOTALS_ADD}
    END;
    CREATE TRIGGER transactions_total_delete AFTER DELETE ON transactions BEGIN
        {_TOTALS_REMOVE}
    END;
    CREATE VIRTUAL TABLE transaction_search USING fts5(
        description, notes, content='transactions', content_rowid='rowid', tokenize='trigram');
    CREATE TRIGGER transactions_search_insert AFTER INSERT ON transactions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_write) BEGIN
        INSERT INTO transaction_search (rowid, description, notes)
        VALUES (NEW.rowid, NEW.description, NEW.notes);
    END;
    CREATE TRIGGER transactions_search_update AFTER UPDATE OF description, notes ON transactions
    BEGIN
        INSERT INTO transaction_search (transaction_search, rowid, description, notes)
        VALUES ('delete', OLD.rowid, OLD.description, OLD.notes);
        INSERT INTO transaction_search (rowid, description, notes)
        VALUES (NEW.rowid, NEW.description, NEW.notes);
    END;
    CREATE TRIGGER transactions_search_delete AFTER DELETE ON transactions BEGIN
        INSERT INTO transaction_search (transaction_search, rowid, description, notes)
        VALUES ('delete', OLD.rowid, OLD.description, OLD.notes);
    END;
    """,
    """
    CREATE TABLE import_batch (
        id TEXT PRIMARY KEY, created_at TEXT NOT NULL, source TEXT NOT NULL,
        format TEXT NOT NULL, added INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
        undone_at TEXT);
    CREATE TABLE import_item (
        key TEXT PRIMARY KEY, batch_id TEXT NOT NULL, transaction_id TEXT NOT NULL)
        WITHOUT ROWID;
    CREATE INDEX import_item_batch ON import_item (batch_id);
    CREATE TABLE description_category (
        description TEXT PRIMARY KEY, category_id TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE bank_profile (
        name TEXT PRIMARY KEY, shape TEXT NOT NULL, mapping TEXT NOT NULL,
        created_at TEXT NOT NULL);
    CREATE INDEX bank_profile_shape ON bank_profile (shape);
    """,
    """
    CREATE INDEX transactions_income ON transactions (occurred_on, created_at, id)
        WHERE deleted = 0 AND type = 'income';
    """,
    """
    CREATE INDEX daily_total_type ON daily_total (type, amount, count);
    """,
    # Sync: a row's `hlc` is the clock of the change that created it, and `field_hlc` a JSON map
    # of the clocks of the fields written since (last writer wins per field).
    """
    ALTER TABLE transactions ADD COLUMN field_hlc TEXT;
    ALTER TABLE category ADD COLUMN field_hlc TEXT;
    ALTER TABLE member ADD COLUMN field_hlc TEXT;
    CREATE TABLE peer (
        device_id TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'device' CHECK (kind IN ('device', 'hub')),
        token TEXT NOT NULL DEFAULT '', token_hash TEXT NOT NULL DEFAULT '',
        pulled_seq INTEGER NOT NULL DEFAULT 0, acked_seq INTEGER NOT NULL DEFAULT 0,
        last_sync_at TEXT, last_error TEXT NOT NULL DEFAULT '',
        failures INTEGER NOT NULL DEFAULT 0, paired_at TEXT NOT NULL, revoked_at TEXT);
    CREATE INDEX peer_token ON peer (token_hash) WHERE revoked_at IS NULL;
    CREATE TABLE quarantine (
        hlc TEXT PRIMARY KEY, origin TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL,
        fields TEXT NOT NULL, sender TEXT NOT NULL, received_at TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE sync_waiting (
        hlc TEXT PRIMARY KEY, entity TEXT NOT NULL, row_id TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX sync_waiting_row ON sync_waiting (entity, row_id);
    CREATE TABLE sync_notice (
        id INTEGER PRIMARY KEY, entity TEXT NOT NULL, row_id TEXT NOT NULL,
        field TEXT NOT NULL, origin TEXT NOT NULL, hlc TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX sync_notice_row ON sync_notice (entity, row_id);
    """,
    # One-time codes (device pairing and the like), kept hashed; wrong guesses are counted per
    # purpose in the database so every server thread and process applies the same limit.
    """
    CREATE TABLE one_time_code (
        code_hash TEXT PRIMARY KEY, purpose TEXT NOT NULL, created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL, used_ms INTEGER) WITHOUT ROWID;
    CREATE INDEX one_time_code_live ON one_time_code (purpose, expires_ms) WHERE used_ms IS NULL;
    CREATE TABLE code_attempts (
        purpose TEXT PRIMARY KEY, wrong INTEGER NOT NULL DEFAULT 0,
        first_wrong_ms INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0)
        WITHOUT ROWID;
    """,
    # Phone access: a sign-in code names the member the phone signs in as; a phone's session is
    # a random token kept hashed, revoked from the desktop by setting `revoked_at`.
    """
    ALTER TABLE one_time_code ADD COLUMN member_id TEXT;
    CREATE TABLE phone_session (
        id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, member_id TEXT NOT NULL,
        browser TEXT NOT NULL DEFAULT '', signed_in_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL, revoked_ms INTEGER);
    """,
    # Budgets: a monthly amount per expense category, household data synced like categories.
    # The row id is the category's id, so two devices budgeting one category agree on one row.
    f"""
    CREATE TABLE budget (
        id TEXT PRIMARY KEY, amount INTEGER NOT NULL CHECK (amount > 0),
        {_SYNCED}, field_hlc TEXT);
    """,
    # Imports: the change-log seqs an import wrote. Rows imported with their own id keep no
    # import_item (the id itself dedupes); undo finds them through their changes instead.
    """
    ALTER TABLE import_batch ADD COLUMN first_seq INTEGER;
    ALTER TABLE import_batch ADD COLUMN last_seq INTEGER;
    """,
    # 10 kept payee totals per category too, one row per expense for files whose texts take any
    # category (the import paid for each). Replaced by 11, which drops what 10 made.
    "-- superseded by migration 11",
    # Reports: payees, recurring and largest expenses from expense totals per month, member and
    # exact description, not from a year of rows. Kept by the triggers below, the bulk path
    # (ourmoney.db.bulk) and ourmoney.db.payees.settle.
    f"""
    DROP TRIGGER IF EXISTS transactions_payee_insert;
    DROP TRIGGER IF EXISTS transactions_payee_update;
    DROP TRIGGER IF EXISTS transactions_payee_delete;
    DROP TABLE IF EXISTS payee_month;
    DROP TABLE IF EXISTS payee_stale;
    CREATE TABLE payee_month (
        month TEXT NOT NULL, member_id TEXT NOT NULL, description TEXT NOT NULL,
        amount INTEGER NOT NULL, count INTEGER NOT NULL, low INTEGER NOT NULL,
        high INTEGER NOT NULL, low_category TEXT NOT NULL, high_category TEXT NOT NULL,
        PRIMARY KEY (month, member_id, description)) WITHOUT ROWID;
    CREATE TABLE payee_stale (
        month TEXT NOT NULL, member_id TEXT NOT NULL, description TEXT NOT NULL,
        PRIMARY KEY (month, member_id, description)) WITHOUT ROWID;
    -- Row by row into the small table: a GROUP BY would sort a million rows in memory.
    INSERT INTO payee_month (month, member_id, description, amount, count, low, high,
        low_category, high_category)
    SELECT substr(occurred_on, 1, 7), coalesce(member_id, ''), description, amount, 1, amount,
           amount, coalesce(category_id, ''), coalesce(category_id, '')
    FROM transactions NOT INDEXED WHERE deleted = 0 AND type = 'expense'
    ON CONFLICT DO UPDATE SET amount = amount + excluded.amount, count = count + 1,
        low = min(low, excluded.low), high = max(high, excluded.high),
        low_category = min(low_category, excluded.low_category),
        high_category = max(high_category, excluded.high_category);
    CREATE TRIGGER transactions_payee_insert AFTER INSERT ON transactions
        WHEN NOT EXISTS (SELECT 1 FROM bulk_write) BEGIN
        {_PAYEES_ADD}
    END;
    -- WHEN: sync rewrites fields with their own values (a new row's clocks), which moves nothing.
    CREATE TRIGGER transactions_payee_update AFTER UPDATE
        OF occurred_on, type, amount, category_id, member_id, description, deleted ON transactions
        WHEN OLD.deleted IS NOT NEW.deleted OR OLD.amount IS NOT NEW.amount
          OR OLD.occurred_on IS NOT NEW.occurred_on OR OLD.type IS NOT NEW.type
          OR OLD.category_id IS NOT NEW.category_id OR OLD.member_id IS NOT NEW.member_id
          OR OLD.description IS NOT NEW.description
    BEGIN
        {_PAYEES_REMOVE}
        {_PAYEES_ADD}
    END;
    CREATE TRIGGER transactions_payee_delete AFTER DELETE ON transactions BEGIN
        {_PAYEES_REMOVE}
    END;
    """,
)


def version(cursor: sqlite3.Cursor) -> int:
    """Return the schema version the database is at."""
    return int(cursor.execute("PRAGMA user_version").fetchone()[0])


def migrate(cursor: sqlite3.Cursor) -> None:
    """Apply every migration the database has not had yet (inside the caller's transaction)."""
    current = version(cursor)
    if current > len(MIGRATIONS):
        raise RuntimeError("This database was written by a newer OurMoney; update the app.")
    for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
        for statement in _statements(script):
            cursor.execute(statement)
        cursor.execute(f"PRAGMA user_version = {number}")


def _statements(script: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return [s for s in statements if s]
