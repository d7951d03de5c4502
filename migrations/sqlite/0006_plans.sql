-- MinSide plans schema (SQLite): land-use plans (KS Fiks Plan v2 / SOSI model) per tenant, their
-- consultation phases, residents' comments on a phase, and who follows a plan.
--
-- Same conventions as 0001 (STRICT tables, 16-byte BLOB ids, INTEGER unix-microsecond times,
-- JSON as TEXT checked with json_valid(), dates as TEXT 'YYYY-MM-DD' checked with
-- date(x, '+0 days'), constraint names identical to the PostgreSQL schema).

-- ----- plans: one per (tenant, planidentifikasjon) -----
--
-- Code values (plan type, status, law reference) are checked by minside-plans against the
-- national code lists; the store only keeps them. documents and events are JSON arrays of
-- minside-plans' typed model, area a GeoJSON geometry in EPSG:4326, and min_lon .. max_lat its
-- bounding box (for "plans near this point" without a spatial extension): both present or both
-- absent. version grows by one with every change of the plan or its phases (optimistic
-- concurrency and the ETag of the public plan).
CREATE TABLE plans (
    kommunenummer TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    name TEXT NOT NULL,
    plan_type TEXT,
    status TEXT NOT NULL,
    law_reference TEXT,
    proposer_type TEXT,
    case_year INTEGER,
    case_sequence INTEGER,
    description TEXT,
    documents TEXT NOT NULL,
    events TEXT NOT NULL,
    area TEXT,
    min_lon REAL,
    min_lat REAL,
    max_lon REAL,
    max_lat REAL,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT plans_pkey PRIMARY KEY (kommunenummer, plan_id),
    CONSTRAINT plans_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT plans_plan_id_check CHECK (length(plan_id) > 0),
    CONSTRAINT plans_name_check CHECK (length(name) > 0),
    CONSTRAINT plans_status_check CHECK (length(status) > 0),
    CONSTRAINT plans_proposer_type_check
        CHECK (proposer_type IS NULL OR proposer_type IN ('offentlig', 'privat')),
    CONSTRAINT plans_case_number_check
        CHECK ((case_year IS NULL) = (case_sequence IS NULL)),
    CONSTRAINT plans_documents_check
        CHECK (json_valid(documents) AND json_type(documents) = 'array'),
    CONSTRAINT plans_events_check CHECK (json_valid(events) AND json_type(events) = 'array'),
    CONSTRAINT plans_area_check
        CHECK (area IS NULL OR (json_valid(area) AND json_type(area) = 'object')),
    -- The box: all four or none (with the area), within WGS84, min <= max.
    CONSTRAINT plans_bbox_check CHECK (
        (area IS NULL AND min_lon IS NULL AND min_lat IS NULL AND max_lon IS NULL
            AND max_lat IS NULL)
        OR (area IS NOT NULL AND min_lon IS NOT NULL AND min_lat IS NOT NULL
            AND max_lon IS NOT NULL AND max_lat IS NOT NULL
            AND min_lon BETWEEN -180 AND 180 AND max_lon BETWEEN -180 AND 180
            AND min_lat BETWEEN -90 AND 90 AND max_lat BETWEEN -90 AND 90
            AND min_lon <= max_lon AND min_lat <= max_lat)),
    CONSTRAINT plans_version_check CHECK (version >= 1)
) STRICT;

-- The caseworkers' list, most recently updated first.
CREATE INDEX plans_kommunenummer_updated_at_idx
    ON plans (kommunenummer, updated_at DESC, plan_id);
-- Plans whose box meets a box (the other three bounds are filtered from the index entries).
CREATE INDEX plans_kommunenummer_bbox_idx
    ON plans (kommunenummer, min_lat, max_lat, min_lon, max_lon) WHERE min_lat IS NOT NULL;

-- ----- plan_phases: consultation phases of a plan (oppstart, høring, vedtak, klage) -----
--
-- Open for comments from opens_on 00:00 to closes_on 23:59:59.999999 Europe/Oslo (checked by
-- the application). hearing_version counts the hearings of revised proposals.
CREATE TABLE plan_phases (
    id BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    hearing_version INTEGER NOT NULL,
    title TEXT,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT plan_phases_pkey PRIMARY KEY (id),
    CONSTRAINT plan_phases_plan_fkey FOREIGN KEY (kommunenummer, plan_id)
        REFERENCES plans (kommunenummer, plan_id),
    -- Target of plan_comments_phase_fkey: a comment names a phase of its own plan and tenant.
    CONSTRAINT plan_phases_kommunenummer_plan_id_id_key UNIQUE (kommunenummer, plan_id, id),
    CONSTRAINT plan_phases_id_check CHECK (length(id) = 16),
    CONSTRAINT plan_phases_kind_check CHECK (kind IN ('oppstart', 'horing', 'vedtak', 'klage')),
    CONSTRAINT plan_phases_hearing_version_check CHECK (hearing_version >= 1),
    CONSTRAINT plan_phases_opens_on_check
        CHECK (length(opens_on) = 10 AND date(opens_on, '+0 days') IS opens_on),
    CONSTRAINT plan_phases_closes_on_check
        CHECK (length(closes_on) = 10 AND date(closes_on, '+0 days') IS closes_on),
    CONSTRAINT plan_phases_period_check CHECK (opens_on <= closes_on)
) STRICT;

-- Phases open on a day (every tenant), and a plan's phases.
CREATE INDEX plan_phases_opens_on_closes_on_idx ON plan_phases (opens_on, closes_on);
CREATE INDEX plan_phases_kommunenummer_plan_id_idx
    ON plan_phases (kommunenummer, plan_id, opens_on);

-- ----- plan_comments: residents' comments (merknader) on a phase -----
--
-- Never deleted: the resident withdraws a comment (withdrawn_at), a caseworker hides it from
-- the public with a reason (hidden_*) and may answer it (answer*). A comment is part of the
-- case record, so its author cannot be deleted while it exists (no cascade). author_name is
-- the resident's name when writing; display says whether the public may see it.
CREATE TABLE plan_comments (
    id BLOB NOT NULL,
    kommunenummer TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    phase_id BLOB NOT NULL,
    resident_id BLOB NOT NULL,
    author_name TEXT NOT NULL,
    text TEXT NOT NULL,
    geometry TEXT,
    document_ref TEXT,
    stance TEXT NOT NULL,
    display TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    withdrawn_at INTEGER,
    hidden_reason TEXT,
    hidden_by TEXT,
    hidden_at INTEGER,
    answer TEXT,
    answered_by TEXT,
    answered_at INTEGER,
    CONSTRAINT plan_comments_pkey PRIMARY KEY (id),
    CONSTRAINT plan_comments_phase_fkey FOREIGN KEY (kommunenummer, plan_id, phase_id)
        REFERENCES plan_phases (kommunenummer, plan_id, id),
    CONSTRAINT plan_comments_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id),
    CONSTRAINT plan_comments_id_check CHECK (length(id) = 16),
    CONSTRAINT plan_comments_text_check CHECK (length(text) > 0),
    CONSTRAINT plan_comments_geometry_check
        CHECK (geometry IS NULL OR (json_valid(geometry) AND json_type(geometry) = 'object')),
    CONSTRAINT plan_comments_stance_check CHECK (stance IN ('for', 'neutral', 'against')),
    CONSTRAINT plan_comments_display_check CHECK (display IN ('named', 'hidden')),
    CONSTRAINT plan_comments_hidden_check CHECK (
        (hidden_reason IS NULL AND hidden_by IS NULL AND hidden_at IS NULL)
        OR (hidden_reason IS NOT NULL AND hidden_by IS NOT NULL AND hidden_at IS NOT NULL)),
    CONSTRAINT plan_comments_answer_check CHECK (
        (answer IS NULL AND answered_by IS NULL AND answered_at IS NULL)
        OR (answer IS NOT NULL AND answered_by IS NOT NULL AND answered_at IS NOT NULL))
) STRICT;

-- A phase's comments, oldest first; a resident's own comments on a plan.
CREATE INDEX plan_comments_phase_id_created_at_idx ON plan_comments (phase_id, created_at, id);
CREATE INDEX plan_comments_kommunenummer_plan_id_resident_id_idx
    ON plan_comments (kommunenummer, plan_id, resident_id);
-- The author check when a resident is deleted.
CREATE INDEX plan_comments_resident_idx ON plan_comments (kommunenummer, resident_id);

-- ----- plan_followers: residents who follow a plan -----
CREATE TABLE plan_followers (
    kommunenummer TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    resident_id BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT plan_followers_pkey PRIMARY KEY (kommunenummer, plan_id, resident_id),
    CONSTRAINT plan_followers_plan_fkey FOREIGN KEY (kommunenummer, plan_id)
        REFERENCES plans (kommunenummer, plan_id),
    CONSTRAINT plan_followers_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE
) STRICT;

-- Deleting a resident deletes their follows.
CREATE INDEX plan_followers_resident_idx ON plan_followers (kommunenummer, resident_id);

-- ----- residents: home points in a box (the residents near a plan) -----
CREATE INDEX residents_kommunenummer_lat_lon_idx
    ON residents (kommunenummer, lat, lon) WHERE lat IS NOT NULL;
