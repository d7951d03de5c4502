-- MinSide caseworkers (SQLite): sessions and pending logins of the municipalities' employees,
-- who log in through their tenant's employee identity provider (Entra ID style).
--
-- Same conventions as 0001 (STRICT tables, 16-byte BLOB ids, INTEGER unix-microsecond times,
-- JSON as checked TEXT, constraint names identical to the PostgreSQL schema). Caseworkers are
-- not residents: their sessions name the employee by the provider's stable id (`subject`: the
-- Entra `oid`, else `sub`) and carry the MinSide roles mapped from the provider's `roles` claim
-- at login. Their logins are kept apart from the residents' `login_attempts`, so a state
-- started in one flow cannot be completed in the other.

CREATE TABLE caseworker_sessions (
    id BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    -- JSON array of role names (notice-editor, plan-manager, admin), sorted, at least one.
    roles TEXT NOT NULL,
    idp_issuer TEXT NOT NULL,
    idp_sid TEXT,
    id_token TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    CONSTRAINT caseworker_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT caseworker_sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT caseworker_sessions_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT caseworker_sessions_id_check CHECK (length(id) = 16),
    CONSTRAINT caseworker_sessions_token_hash_check CHECK (length(token_hash) = 32),
    CONSTRAINT caseworker_sessions_subject_check CHECK (length(subject) > 0),
    CONSTRAINT caseworker_sessions_roles_check
        CHECK (json_valid(roles) AND json_type(roles) = 'array' AND json_array_length(roles) > 0)
) STRICT;

CREATE INDEX caseworker_sessions_idp_issuer_idp_sid_idx
    ON caseworker_sessions (idp_issuer, idp_sid);
CREATE INDEX caseworker_sessions_idle_expires_at_idx ON caseworker_sessions (idle_expires_at);
CREATE INDEX caseworker_sessions_absolute_expires_at_idx
    ON caseworker_sessions (absolute_expires_at);

CREATE TABLE caseworker_login_attempts (
    state_hash BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_to TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CONSTRAINT caseworker_login_attempts_pkey PRIMARY KEY (state_hash),
    CONSTRAINT caseworker_login_attempts_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT caseworker_login_attempts_state_hash_check CHECK (length(state_hash) = 32)
) STRICT;

CREATE INDEX caseworker_login_attempts_expires_at_idx ON caseworker_login_attempts (expires_at);

-- The caseworkers' audit view pages a tenant's trail newest first by (at, id).
DROP INDEX audit_log_kommunenummer_at_idx;
CREATE INDEX audit_log_kommunenummer_at_id_idx ON audit_log (kommunenummer, at, id);
