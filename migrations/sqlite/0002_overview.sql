-- MinSide overview schema (SQLite): the hash-chained access log, sessions acting for another
-- resident, last-known-good snapshots, corrections and guardianships.
--
-- Same conventions as 0001 (STRICT tables, 16-byte BLOB ids, INTEGER unix-microsecond times,
-- constraint names identical to the PostgreSQL schema). SQLite cannot add table constraints to
-- an existing table, so access_log and sessions are rebuilt: created under a new name, filled,
-- the old table dropped and the new one renamed (nothing references either table).

-- ----- access_log: a hash chain per resident (see minside_store::access_chain) -----
--
-- seq numbers a resident's entries 1, 2, 3, ... in append order; hash = SHA-256(prev_hash ||
-- canonical encoding of the entry), prev_hash is the previous entry's hash (32 zero bytes for
-- the first). UPDATE is rejected by a trigger. DELETE stays possible, for retention only: it
-- removes the oldest entries of a chain, and verification anchors at the oldest remaining
-- entry's prev_hash (a trigger cannot tell retention from tampering, so this is a rule of the
-- application, not of the schema).
CREATE TABLE access_log_chained (
    id INTEGER NOT NULL,
    kommunenummer TEXT NOT NULL,
    resident_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_ref TEXT NOT NULL,
    categories TEXT NOT NULL,
    purpose TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL,
    CONSTRAINT access_log_pkey PRIMARY KEY (id),
    CONSTRAINT access_log_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    -- One writer at a time extends a chain; this makes a second one fail instead of forking it.
    CONSTRAINT access_log_resident_id_seq_key UNIQUE (resident_id, seq),
    CONSTRAINT access_log_seq_check CHECK (seq >= 1),
    CONSTRAINT access_log_categories_check
        CHECK (json_valid(categories) AND json_type(categories) = 'array'),
    CONSTRAINT access_log_prev_hash_check CHECK (length(prev_hash) = 32),
    CONSTRAINT access_log_hash_check CHECK (length(hash) = 32)
) STRICT;

-- Entries written before the chain existed cannot be hashed in SQL. No release wrote any (the
-- foundation only defined the table); should one exist, the NOT NULL constraints stop this
-- migration here rather than let it invent hashes.
INSERT INTO access_log_chained (id, kommunenummer, resident_id, seq, at, actor_kind, actor_ref,
    categories, purpose, prev_hash, hash)
SELECT id, kommunenummer, resident_id, NULL, at, actor_kind, actor_ref, categories, purpose,
    NULL, NULL
FROM access_log;

DROP TABLE access_log;
ALTER TABLE access_log_chained RENAME TO access_log;

CREATE INDEX access_log_resident_id_at_idx ON access_log (resident_id, at DESC, id DESC);
CREATE INDEX access_log_at_idx ON access_log (at);

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;

-- ----- sessions: acting for another resident of the same tenant -----
--
-- acting_for is NULL while the session acts for its own resident. The foreign key keeps it in
-- the session's tenant; a session acting for a resident is deleted with that resident.
CREATE TABLE sessions_acting (
    id BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    resident_id BLOB NOT NULL,
    acting_for BLOB,
    principal TEXT NOT NULL,
    acr TEXT NOT NULL,
    idp_issuer TEXT NOT NULL,
    idp_sid TEXT,
    id_token TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT sessions_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT sessions_acting_for_fkey FOREIGN KEY (kommunenummer, acting_for)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT sessions_id_check CHECK (length(id) = 16),
    CONSTRAINT sessions_token_hash_check CHECK (length(token_hash) = 32),
    CONSTRAINT sessions_principal_check CHECK (principal IN ('resident')),
    CONSTRAINT sessions_locale_check CHECK (locale IN ('nb', 'nn', 'en', 'se'))
) STRICT;

INSERT INTO sessions_acting (id, token_hash, kommunenummer, resident_id, acting_for, principal,
    acr, idp_issuer, idp_sid, id_token, csrf_token, locale, created_at, last_seen_at,
    idle_expires_at, absolute_expires_at)
SELECT id, token_hash, kommunenummer, resident_id, NULL, principal, acr, idp_issuer, idp_sid,
    id_token, csrf_token, locale, created_at, last_seen_at, idle_expires_at, absolute_expires_at
FROM sessions;

DROP TABLE sessions;
ALTER TABLE sessions_acting RENAME TO sessions;

CREATE INDEX sessions_idp_issuer_idp_sid_idx ON sessions (idp_issuer, idp_sid);
CREATE INDEX sessions_resident_id_idx ON sessions (resident_id);
CREATE INDEX sessions_acting_for_idx ON sessions (acting_for) WHERE acting_for IS NOT NULL;
CREATE INDEX sessions_idle_expires_at_idx ON sessions (idle_expires_at);
CREATE INDEX sessions_absolute_expires_at_idx ON sessions (absolute_expires_at);

-- ----- snapshots: last-known-good source answers, sealed by the application -----
--
-- One per (source, resident). The resident id implies the tenant, so no kommunenummer here;
-- snapshots go with their resident.
CREATE TABLE snapshots (
    source TEXT NOT NULL,
    resident_id BLOB NOT NULL,
    sealed BLOB NOT NULL,
    fetched_at INTEGER NOT NULL,
    CONSTRAINT snapshots_pkey PRIMARY KEY (source, resident_id),
    CONSTRAINT snapshots_resident_id_fkey
        FOREIGN KEY (resident_id) REFERENCES residents (id) ON DELETE CASCADE,
    CONSTRAINT snapshots_source_check CHECK (length(source) > 0)
) STRICT;

CREATE INDEX snapshots_resident_id_idx ON snapshots (resident_id);
CREATE INDEX snapshots_fetched_at_idx ON snapshots (fetched_at);

-- ----- corrections: residents' reports of errors in their records -----
CREATE TABLE corrections (
    id BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    resident_id BLOB NOT NULL,
    source TEXT NOT NULL,
    category TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field_key TEXT,
    message TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    status TEXT NOT NULL,
    status_note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT corrections_pkey PRIMARY KEY (id),
    CONSTRAINT corrections_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT corrections_id_check CHECK (length(id) = 16),
    CONSTRAINT corrections_status_check
        CHECK (status IN ('received', 'forwarded', 'resolved', 'rejected')),
    -- Characters, not bytes (length() of TEXT counts characters, like char_length).
    CONSTRAINT corrections_message_check CHECK (length(message) BETWEEN 1 AND 4000),
    CONSTRAINT corrections_status_note_check
        CHECK (status_note IS NULL OR length(status_note) <= 4000)
) STRICT;

CREATE INDEX corrections_resident_id_created_at_idx
    ON corrections (resident_id, created_at DESC, id DESC);

-- ----- guardianships: parental responsibility from the population register -----
--
-- Both foreign keys go through (kommunenummer, id), so guardian and child are residents of the
-- same tenant; the row goes when either resident goes.
CREATE TABLE guardianships (
    kommunenummer TEXT NOT NULL,
    guardian_id BLOB NOT NULL,
    child_id BLOB NOT NULL,
    since INTEGER NOT NULL,
    CONSTRAINT guardianships_pkey PRIMARY KEY (guardian_id, child_id),
    CONSTRAINT guardianships_guardian_fkey FOREIGN KEY (kommunenummer, guardian_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT guardianships_child_fkey FOREIGN KEY (kommunenummer, child_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT guardianships_not_self_check CHECK (guardian_id <> child_id)
) STRICT;

CREATE INDEX guardianships_child_id_idx ON guardianships (child_id);
