-- MinSide foundation schema (SQLite): tenants, residents, sessions, login attempts, audit and
-- access logs.
--
-- Storage conventions (the PostgreSQL schema is the same model with native types):
--   * ids are UUIDv7 stored as 16-byte BLOBs (byte order = time order);
--   * times are UTC, INTEGER unix microseconds (they sort and compare as numbers);
--   * JSON is TEXT checked with json_valid();
--   * every table is STRICT; constraint names follow PostgreSQL's defaults
--     ({table}_pkey, {table}_{columns}_key, ..._fkey, ..._check) so both backends report the
--     same name for the same violation.
-- The national identity number (pid) is stored once, in residents; everything else refers to
-- the internal resident id.

CREATE TABLE tenants (
    kommunenummer TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT tenants_pkey PRIMARY KEY (kommunenummer),
    CONSTRAINT tenants_kommunenummer_check
        CHECK (length(kommunenummer) = 4 AND kommunenummer NOT GLOB '*[^0-9]*')
) STRICT;

CREATE TABLE residents (
    id BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    pid TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT residents_pkey PRIMARY KEY (id),
    CONSTRAINT residents_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT residents_kommunenummer_pid_key UNIQUE (kommunenummer, pid),
    -- Target of the tenant-checked foreign keys below: a row that names a resident must name
    -- the resident's own tenant.
    CONSTRAINT residents_kommunenummer_id_key UNIQUE (kommunenummer, id),
    CONSTRAINT residents_id_check CHECK (length(id) = 16),
    CONSTRAINT residents_pid_check CHECK (length(pid) = 11 AND pid NOT GLOB '*[^0-9]*')
) STRICT;

CREATE TABLE sessions (
    id BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    resident_id BLOB NOT NULL,
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
    CONSTRAINT sessions_id_check CHECK (length(id) = 16),
    CONSTRAINT sessions_token_hash_check CHECK (length(token_hash) = 32),
    CONSTRAINT sessions_principal_check CHECK (principal IN ('resident')),
    CONSTRAINT sessions_locale_check CHECK (locale IN ('nb', 'nn', 'en', 'se'))
) STRICT;

CREATE INDEX sessions_idp_issuer_idp_sid_idx ON sessions (idp_issuer, idp_sid);
CREATE INDEX sessions_resident_id_idx ON sessions (resident_id);
CREATE INDEX sessions_idle_expires_at_idx ON sessions (idle_expires_at);
CREATE INDEX sessions_absolute_expires_at_idx ON sessions (absolute_expires_at);

CREATE TABLE login_attempts (
    state_hash BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_to TEXT NOT NULL,
    acr_requested TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CONSTRAINT login_attempts_pkey PRIMARY KEY (state_hash),
    CONSTRAINT login_attempts_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT login_attempts_state_hash_check CHECK (length(state_hash) = 32),
    CONSTRAINT login_attempts_locale_check CHECK (locale IN ('nb', 'nn', 'en', 'se'))
) STRICT;

CREATE INDEX login_attempts_expires_at_idx ON login_attempts (expires_at);

-- Append-only: the triggers below reject UPDATE and DELETE. The subject is deliberately not a
-- foreign key, so the trail outlives the resident row.
CREATE TABLE audit_log (
    id INTEGER NOT NULL,
    kommunenummer TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_id BLOB,
    detail TEXT NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id),
    CONSTRAINT audit_log_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT audit_log_subject_id_check CHECK (subject_id IS NULL OR length(subject_id) = 16),
    CONSTRAINT audit_log_detail_check CHECK (json_valid(detail))
) STRICT;

CREATE INDEX audit_log_kommunenummer_at_idx ON audit_log (kommunenummer, at);
CREATE INDEX audit_log_subject_id_at_idx ON audit_log (subject_id, at)
    WHERE subject_id IS NOT NULL;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Who looked at a resident's data, shown to the resident newest first.
CREATE TABLE access_log (
    id INTEGER NOT NULL,
    kommunenummer TEXT NOT NULL,
    resident_id BLOB NOT NULL,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_ref TEXT NOT NULL,
    categories TEXT NOT NULL,
    purpose TEXT NOT NULL,
    CONSTRAINT access_log_pkey PRIMARY KEY (id),
    CONSTRAINT access_log_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT access_log_categories_check
        CHECK (json_valid(categories) AND json_type(categories) = 'array')
) STRICT;

CREATE INDEX access_log_resident_id_at_idx ON access_log (resident_id, at DESC, id DESC);
