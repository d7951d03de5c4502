-- MinSide notices schema (PostgreSQL): caseworkers' notice rules, the notices created from
-- them, the transactional outbox that delivers them, residents' delivery preferences, and the
-- engine's job leases and markers.
--
-- Same conventions as 0001 (uuid ids, timestamptz times, jsonb JSON, date dates, constraint
-- names identical to the SQLite schema).

-- ----- notice_rules: what to tell whom, when, and how -----
--
-- trigger, content and channels are the JSON of minside-notices' typed model; audience is CEL
-- source text. version grows by one with every change (optimistic concurrency). Rules are
-- archived, never deleted, so the notices made from them keep their rule.
CREATE TABLE notice_rules (
    id uuid NOT NULL,
    kommunenummer text NOT NULL,
    name text NOT NULL,
    category text NOT NULL,
    opt_out_allowed boolean NOT NULL,
    status text NOT NULL,
    trigger jsonb NOT NULL,
    audience text NOT NULL,
    content jsonb NOT NULL,
    channels jsonb NOT NULL,
    priority smallint NOT NULL,
    valid_from date,
    valid_to date,
    version bigint NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT notice_rules_pkey PRIMARY KEY (id),
    CONSTRAINT notice_rules_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    -- Target of notices_rule_fkey: a notice names a rule of its own tenant.
    CONSTRAINT notice_rules_kommunenummer_id_key UNIQUE (kommunenummer, id),
    CONSTRAINT notice_rules_name_check CHECK (name <> ''),
    CONSTRAINT notice_rules_category_check CHECK (category <> ''),
    CONSTRAINT notice_rules_status_check
        CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    CONSTRAINT notice_rules_content_check CHECK (jsonb_typeof(content) = 'object'),
    CONSTRAINT notice_rules_channels_check CHECK (jsonb_typeof(channels) = 'array'),
    CONSTRAINT notice_rules_priority_check CHECK (priority BETWEEN 1 AND 3),
    CONSTRAINT notice_rules_valid_period_check
        CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to),
    CONSTRAINT notice_rules_version_check CHECK (version >= 1)
);

CREATE INDEX notice_rules_kommunenummer_created_at_idx
    ON notice_rules (kommunenummer, created_at DESC, id DESC);
CREATE INDEX notice_rules_active_idx ON notice_rules (kommunenummer) WHERE status = 'active';

-- ----- notices: one per (rule, recipient, occurrence), the idempotency key -----
--
-- The recipient gets it; the subject is who it is about (the recipient, or a child of theirs).
-- content holds the rendered texts per language. delivered_at is set when the inbox item is
-- delivered; only then does the recipient see it.
CREATE TABLE notices (
    id uuid NOT NULL,
    kommunenummer text NOT NULL,
    rule_id uuid NOT NULL,
    recipient_id uuid NOT NULL,
    subject_id uuid NOT NULL,
    occurrence text NOT NULL,
    category text NOT NULL,
    priority smallint NOT NULL,
    content jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    delivered_at timestamptz,
    read_at timestamptz,
    archived_at timestamptz,
    CONSTRAINT notices_pkey PRIMARY KEY (id),
    CONSTRAINT notices_rule_id_recipient_id_occurrence_key
        UNIQUE (rule_id, recipient_id, occurrence),
    CONSTRAINT notices_rule_fkey FOREIGN KEY (kommunenummer, rule_id)
        REFERENCES notice_rules (kommunenummer, id),
    CONSTRAINT notices_recipient_fkey FOREIGN KEY (kommunenummer, recipient_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT notices_subject_fkey FOREIGN KEY (kommunenummer, subject_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT notices_occurrence_check CHECK (occurrence <> ''),
    CONSTRAINT notices_priority_check CHECK (priority BETWEEN 1 AND 3),
    CONSTRAINT notices_content_check CHECK (jsonb_typeof(content) = 'object')
);

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
-- lease_until (claimable again once lease_until <= now), with FOR UPDATE SKIP LOCKED so
-- concurrent workers pass each other's rows by. sending is an e-mail or SMS handed to the
-- network; delivered, failed and skipped are final. skip_reason is set exactly for skipped
-- items.
CREATE TABLE notice_outbox (
    id uuid NOT NULL,
    notice_id uuid NOT NULL,
    channel text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    not_before timestamptz NOT NULL,
    lease_owner text,
    lease_until timestamptz,
    last_error text,
    skip_reason text,
    updated_at timestamptz NOT NULL,
    CONSTRAINT notice_outbox_pkey PRIMARY KEY (id),
    CONSTRAINT notice_outbox_notice_id_channel_key UNIQUE (notice_id, channel),
    CONSTRAINT notice_outbox_notice_id_fkey
        FOREIGN KEY (notice_id) REFERENCES notices (id) ON DELETE CASCADE,
    CONSTRAINT notice_outbox_channel_check CHECK (channel IN ('inbox', 'email', 'sms')),
    CONSTRAINT notice_outbox_status_check
        CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'skipped')),
    CONSTRAINT notice_outbox_attempts_check CHECK (attempts >= 0),
    CONSTRAINT notice_outbox_lease_check CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
    CONSTRAINT notice_outbox_skip_reason_check CHECK (
        (status = 'skipped') = (skip_reason IS NOT NULL)
        AND (skip_reason IS NULL OR skip_reason IN ('krr_reserved', 'krr_cannot_be_notified',
            'krr_outdated', 'no_contact', 'preference')))
);

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
    resident_id uuid NOT NULL,
    kommunenummer text NOT NULL,
    email boolean NOT NULL,
    sms boolean NOT NULL,
    opted_out jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT notice_preferences_pkey PRIMARY KEY (resident_id),
    CONSTRAINT notice_preferences_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT notice_preferences_opted_out_check CHECK (jsonb_typeof(opted_out) = 'array')
);

-- ----- job_leases: one holder at a time for a named job (e.g. the daily evaluation) -----
--
-- Held while now < lease_until.
CREATE TABLE job_leases (
    name text NOT NULL,
    owner text NOT NULL,
    lease_until timestamptz NOT NULL,
    CONSTRAINT job_leases_pkey PRIMARY KEY (name)
);

-- ----- markers: named read pointers and bookkeeping values of the engine -----
CREATE TABLE markers (
    name text NOT NULL,
    value text NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT markers_pkey PRIMARY KEY (name)
);
