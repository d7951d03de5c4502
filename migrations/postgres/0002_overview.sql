-- MinSide overview schema (PostgreSQL): the hash-chained access log, sessions acting for
-- another resident, last-known-good snapshots, corrections and guardianships.
--
-- Same conventions as 0001 (uuid ids, timestamptz times, bytea hashes and payloads, constraint
-- names identical to the SQLite schema).

-- ----- access_log: a hash chain per resident (see minside_store::access_chain) -----
--
-- seq numbers a resident's entries 1, 2, 3, ... in append order; hash = SHA-256(prev_hash ||
-- canonical encoding of the entry), prev_hash is the previous entry's hash (32 zero bytes for
-- the first). Writers serialise per resident with pg_advisory_xact_lock before reading the last
-- hash. UPDATE is rejected by a trigger. DELETE stays possible, for retention only: it removes
-- the oldest entries of a chain, and verification anchors at the oldest remaining entry's
-- prev_hash (a trigger cannot tell retention from tampering, so this is a rule of the
-- application, not of the schema).
--
-- Entries written before the chain existed cannot be hashed in SQL. No release wrote any (the
-- foundation only defined the table); should one exist, adding the NOT NULL columns fails and
-- stops this migration rather than let it invent hashes.
ALTER TABLE access_log
    ADD COLUMN seq bigint NOT NULL,
    ADD COLUMN prev_hash bytea NOT NULL,
    ADD COLUMN hash bytea NOT NULL,
    -- One writer at a time extends a chain; this makes a second one fail instead of forking it.
    ADD CONSTRAINT access_log_resident_id_seq_key UNIQUE (resident_id, seq),
    ADD CONSTRAINT access_log_seq_check CHECK (seq >= 1),
    ADD CONSTRAINT access_log_prev_hash_check CHECK (octet_length(prev_hash) = 32),
    ADD CONSTRAINT access_log_hash_check CHECK (octet_length(hash) = 32);

CREATE INDEX access_log_at_idx ON access_log (at);

CREATE FUNCTION access_log_reject_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only';
END;
$$;

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_reject_update();

-- ----- sessions: acting for another resident of the same tenant -----
--
-- acting_for is NULL while the session acts for its own resident. The foreign key keeps it in
-- the session's tenant; a session acting for a resident is deleted with that resident.
ALTER TABLE sessions
    ADD COLUMN acting_for uuid,
    ADD CONSTRAINT sessions_acting_for_fkey FOREIGN KEY (kommunenummer, acting_for)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE;

CREATE INDEX sessions_acting_for_idx ON sessions (acting_for) WHERE acting_for IS NOT NULL;

-- ----- snapshots: last-known-good source answers, sealed by the application -----
--
-- One per (source, resident). The resident id implies the tenant, so no kommunenummer here;
-- snapshots go with their resident.
CREATE TABLE snapshots (
    source text NOT NULL,
    resident_id uuid NOT NULL,
    sealed bytea NOT NULL,
    fetched_at timestamptz NOT NULL,
    CONSTRAINT snapshots_pkey PRIMARY KEY (source, resident_id),
    CONSTRAINT snapshots_resident_id_fkey
        FOREIGN KEY (resident_id) REFERENCES residents (id) ON DELETE CASCADE,
    CONSTRAINT snapshots_source_check CHECK (source <> '')
);

CREATE INDEX snapshots_resident_id_idx ON snapshots (resident_id);
CREATE INDEX snapshots_fetched_at_idx ON snapshots (fetched_at);

-- ----- corrections: residents' reports of errors in their records -----
CREATE TABLE corrections (
    id uuid NOT NULL,
    kommunenummer text NOT NULL,
    resident_id uuid NOT NULL,
    source text NOT NULL,
    category text NOT NULL,
    record_id text NOT NULL,
    field_key text,
    message text NOT NULL,
    reported_by text NOT NULL,
    status text NOT NULL,
    status_note text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT corrections_pkey PRIMARY KEY (id),
    CONSTRAINT corrections_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT corrections_status_check
        CHECK (status IN ('received', 'forwarded', 'resolved', 'rejected')),
    -- Characters, not bytes.
    CONSTRAINT corrections_message_check CHECK (char_length(message) BETWEEN 1 AND 4000),
    CONSTRAINT corrections_status_note_check
        CHECK (status_note IS NULL OR char_length(status_note) <= 4000)
);

CREATE INDEX corrections_resident_id_created_at_idx
    ON corrections (resident_id, created_at DESC, id DESC);

-- ----- guardianships: parental responsibility from the population register -----
--
-- Both foreign keys go through (kommunenummer, id), so guardian and child are residents of the
-- same tenant; the row goes when either resident goes.
CREATE TABLE guardianships (
    kommunenummer text NOT NULL,
    guardian_id uuid NOT NULL,
    child_id uuid NOT NULL,
    since timestamptz NOT NULL,
    CONSTRAINT guardianships_pkey PRIMARY KEY (guardian_id, child_id),
    CONSTRAINT guardianships_guardian_fkey FOREIGN KEY (kommunenummer, guardian_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT guardianships_child_fkey FOREIGN KEY (kommunenummer, child_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT guardianships_not_self_check CHECK (guardian_id <> child_id)
);

CREATE INDEX guardianships_child_id_idx ON guardianships (child_id);
