-- MinSide notices schema (SQLite): caseworkers' notice rules, the notices created from them, the
-- transactional outbox that delivers them, residents' delivery preferences, and the engine's
-- job leases and markers.
--
-- Same conventions as 0001 (STRICT tables, 16-byte BLOB ids, INTEGER unix-microsecond times,
-- JSON as TEXT checked with json_valid(), dates as TEXT 'YYYY-MM-DD' checked with
-- date(x, '+0 days'), which normalises an impossible day such as 02-30, constraint names
-- identical to the PostgreSQL schema).

-- ----- notice_rules: what to tell whom, when, and how -----
--
-- trigger, content and channels are the JSON of minside-notices' typed model; audience is CEL
-- source text. version grows by one with every change (optimistic concurrency). Rules are
-- archived, never deleted, so the notices made from them keep their rule.
CREATE TABLE notice_rules (
    id BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    opt_out_allowed INTEGER NOT NULL,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    audience TEXT NOT NULL,
    content TEXT NOT NULL,
    channels TEXT NOT NULL,
    priority INTEGER NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT notice_rules_pkey PRIMARY KEY (id),
    CONSTRAINT notice_rules_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    -- Target of notices_rule_fkey: a notice names a rule of its own tenant.
    CONSTRAINT notice_rules_kommunenummer_id_key UNIQUE (kommunenummer, id),
    CONSTRAINT notice_rules_id_check CHECK (length(id) = 16),
    CONSTRAINT notice_rules_name_check CHECK (length(name) > 0),
    CONSTRAINT notice_rules_category_check CHECK (length(category) > 0),
    CONSTRAINT notice_rules_opt_out_allowed_check CHECK (opt_out_allowed IN (0, 1)),
    CONSTRAINT notice_rules_status_check
        CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    CONSTRAINT notice_rules_trigger_check CHECK (json_valid(trigger)),
    CONSTRAINT notice_rules_content_check
        CHECK (json_valid(content) AND json_type(content) = 'object'),
    CONSTRAINT notice_rules_channels_check
        CHECK (json_valid(channels) AND json_type(channels) = 'array'),
    CONSTRAINT notice_rules_priority_check CHECK (priority BETWEEN 1 AND 3),
    CONSTRAINT notice_rules_valid_from_check
        CHECK (valid_from IS NULL
            OR (length(valid_from) = 10 AND date(valid_from, '+0 days') IS valid_from)),
    CONSTRAINT notice_rules_valid_to_check
        CHECK (valid_to IS NULL
            OR (length(valid_to) = 10 AND date(valid_to, '+0 days') IS valid_to)),
    CONSTRAINT notice_rules_valid_period_check
        CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to),
    CONSTRAINT notice_rules_version_check CHECK (version >= 1)
) STRICT;

CREATE INDEX notice_rules_kommunenummer_created_at_idx
    ON notice_rules (kommunenummer, created_at DESC, id DESC);
CREATE INDEX notice_rules_active_idx ON notice_rules (kommunenummer) WHERE status = 'active';

-- ----- notices: one per (rule, recipient, occurrence), the idempotency key -----
--
-- The recipient gets it; the subject is who it is about (the recipient, or a child of theirs).
-- content holds the rendered texts per language. delivered_at is set when the inbox item is
-- delivered; only then does the recipient see it.
CREATE TABLE notices (
    id BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    rule_id BLOB NOT NULL,
    recipient_id BLOB NOT NULL,
    subject_id BLOB NOT NULL,
    occurrence TEXT NOT NULL,
    category TEXT NOT NULL,
    priority INTEGER NOT NULL,
    content TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    read_at INTEGER,
    archived_at INTEGER,
    CONSTRAINT notices_pkey PRIMARY KEY (id),
    CONSTRAINT notices_rule_id_recipient_id_occurrence_key
        UNIQUE (rule_id, recipient_id, occurrence),
    CONSTRAINT notices_rule_fkey FOREIGN KEY (kommunenummer, rule_id)
        REFERENCES notice_rules (kommunenummer, id),
    CONSTRAINT notices_recipient_fkey FOREIGN KEY (kommunenummer, recipient_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT notices_subject_fkey FOREIGN KEY (kommunenummer, subject_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT notices_id_check CHECK (length(id) = 16),
    CONSTRAINT notices_occurrence_check CHECK (length(occurrence) > 0),
    CONSTRAINT notices_priority_check CHECK (priority BETWEEN 1 AND 3),
    CONSTRAINT notices_content_check
        CHECK (json_valid(content) AND json_type(content) = 'object')
) STRICT;

-- The inbox, newest first.
CREATE INDEX notices_recipient_id_created_at_idx
    ON notices (recipient_id, created_at DESC, id DESC);
-- Deleting a resident deletes the notices about them.
CREATE INDEX notices_subject_id_idx ON notices (subject_id);
-- Retention.
CREATE INDEX notices_created_at_idx ON notices (created_at);

-- ----- notice_outbox: one delivery item per (notice, channel) -----
--
-- pending items wait for not_before; a worker claims one by setting lease_owner and
-- lease_until (claimable again once lease_until <= now). sending is an e-mail or SMS handed to
-- the network; delivered, failed and skipped are final. skip_reason is set exactly for skipped
-- items.
CREATE TABLE notice_outbox (
    id BLOB NOT NULL,
    notice_id BLOB NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    not_before INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER,
    last_error TEXT,
    skip_reason TEXT,
    updated_at INTEGER NOT NULL,
    CONSTRAINT notice_outbox_pkey PRIMARY KEY (id),
    CONSTRAINT notice_outbox_notice_id_channel_key UNIQUE (notice_id, channel),
    CONSTRAINT notice_outbox_notice_id_fkey
        FOREIGN KEY (notice_id) REFERENCES notices (id) ON DELETE CASCADE,
    CONSTRAINT notice_outbox_id_check CHECK (length(id) = 16),
    CONSTRAINT notice_outbox_channel_check CHECK (channel IN ('inbox', 'email', 'sms')),
    CONSTRAINT notice_outbox_status_check
        CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'skipped')),
    CONSTRAINT notice_outbox_attempts_check CHECK (attempts >= 0),
    CONSTRAINT notice_outbox_lease_check CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
    CONSTRAINT notice_outbox_skip_reason_check CHECK (
        (status = 'skipped') = (skip_reason IS NOT NULL)
        AND (skip_reason IS NULL OR skip_reason IN ('krr_reserved', 'krr_cannot_be_notified',
            'krr_outdated', 'no_contact', 'preference')))
) STRICT;

-- What workers claim: pending items by channel, oldest first.
CREATE INDEX notice_outbox_claimable_idx ON notice_outbox (channel, not_before, id)
    WHERE status = 'pending';
-- Items interrupted while sending.
CREATE INDEX notice_outbox_sending_idx ON notice_outbox (lease_until) WHERE status = 'sending';
-- The caseworkers' "needs paper letter" list starts from these.
CREATE INDEX notice_outbox_paper_idx ON notice_outbox (notice_id)
    WHERE status = 'skipped' AND skip_reason <> 'preference';

-- ----- notice_preferences: a resident's channels and opted-out categories -----
--
-- No row means the default: every channel, nothing opted out.
CREATE TABLE notice_preferences (
    resident_id BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    email INTEGER NOT NULL,
    sms INTEGER NOT NULL,
    opted_out TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT notice_preferences_pkey PRIMARY KEY (resident_id),
    CONSTRAINT notice_preferences_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT notice_preferences_email_check CHECK (email IN (0, 1)),
    CONSTRAINT notice_preferences_sms_check CHECK (sms IN (0, 1)),
    CONSTRAINT notice_preferences_opted_out_check
        CHECK (json_valid(opted_out) AND json_type(opted_out) = 'array')
) STRICT;

-- ----- job_leases: one holder at a time for a named job (e.g. the daily evaluation) -----
--
-- Held while now < lease_until.
CREATE TABLE job_leases (
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    CONSTRAINT job_leases_pkey PRIMARY KEY (name)
) STRICT;

-- ----- markers: named read pointers and bookkeeping values of the engine -----
CREATE TABLE markers (
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT markers_pkey PRIMARY KEY (name)
) STRICT;
