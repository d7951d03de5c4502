-- MinSide plans schema (PostgreSQL): land-use plans (KS Fiks Plan v2 / SOSI model) per tenant,
-- their consultation phases, residents' comments on a phase, and who follows a plan.
--
-- Same conventions as 0001 (uuid ids, timestamptz times, jsonb JSON, date dates, constraint
-- names identical to the SQLite schema).

-- ----- plans: one per (tenant, planidentifikasjon) -----
--
-- Code values (plan type, status, law reference) are checked by minside-plans against the
-- national code lists; the store only keeps them. documents and events are JSON arrays of
-- minside-plans' typed model, area a GeoJSON geometry in EPSG:4326, and min_lon .. max_lat its
-- bounding box (for "plans near this point" without a spatial extension): both present or both
-- absent. version grows by one with every change of the plan or its phases (optimistic
-- concurrency and the ETag of the public plan).
CREATE TABLE plans (
    kommunenummer text NOT NULL,
    plan_id text NOT NULL,
    name text NOT NULL,
    plan_type text,
    status text NOT NULL,
    law_reference text,
    proposer_type text,
    case_year integer,
    case_sequence bigint,
    description text,
    documents jsonb NOT NULL,
    events jsonb NOT NULL,
    area jsonb,
    min_lon double precision,
    min_lat double precision,
    max_lon double precision,
    max_lat double precision,
    version bigint NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT plans_pkey PRIMARY KEY (kommunenummer, plan_id),
    CONSTRAINT plans_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT plans_plan_id_check CHECK (plan_id <> ''),
    CONSTRAINT plans_name_check CHECK (name <> ''),
    CONSTRAINT plans_status_check CHECK (status <> ''),
    CONSTRAINT plans_proposer_type_check
        CHECK (proposer_type IS NULL OR proposer_type IN ('offentlig', 'privat')),
    CONSTRAINT plans_case_number_check
        CHECK ((case_year IS NULL) = (case_sequence IS NULL)),
    CONSTRAINT plans_documents_check CHECK (jsonb_typeof(documents) = 'array'),
    CONSTRAINT plans_events_check CHECK (jsonb_typeof(events) = 'array'),
    CONSTRAINT plans_area_check CHECK (area IS NULL OR jsonb_typeof(area) = 'object'),
    -- The box: all four or none (with the area), within WGS84 (NaN is out of range), min <= max.
    CONSTRAINT plans_bbox_check CHECK (
        (area IS NULL AND min_lon IS NULL AND min_lat IS NULL AND max_lon IS NULL
            AND max_lat IS NULL)
        OR (area IS NOT NULL AND min_lon IS NOT NULL AND min_lat IS NOT NULL
            AND max_lon IS NOT NULL AND max_lat IS NOT NULL
            AND min_lon BETWEEN -180 AND 180 AND max_lon BETWEEN -180 AND 180
            AND min_lat BETWEEN -90 AND 90 AND max_lat BETWEEN -90 AND 90
            AND min_lon <= max_lon AND min_lat <= max_lat)),
    CONSTRAINT plans_version_check CHECK (version >= 1)
);

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
    id uuid NOT NULL,
    kommunenummer text NOT NULL,
    plan_id text NOT NULL,
    kind text NOT NULL,
    hearing_version integer NOT NULL,
    title text,
    opens_on date NOT NULL,
    closes_on date NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT plan_phases_pkey PRIMARY KEY (id),
    CONSTRAINT plan_phases_plan_fkey FOREIGN KEY (kommunenummer, plan_id)
        REFERENCES plans (kommunenummer, plan_id),
    -- Target of plan_comments_phase_fkey: a comment names a phase of its own plan and tenant.
    CONSTRAINT plan_phases_kommunenummer_plan_id_id_key UNIQUE (kommunenummer, plan_id, id),
    CONSTRAINT plan_phases_kind_check CHECK (kind IN ('oppstart', 'horing', 'vedtak', 'klage')),
    CONSTRAINT plan_phases_hearing_version_check CHECK (hearing_version >= 1),
    CONSTRAINT plan_phases_period_check CHECK (opens_on <= closes_on)
);

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
    id uuid NOT NULL,
    kommunenummer text NOT NULL,
    plan_id text NOT NULL,
    phase_id uuid NOT NULL,
    resident_id uuid NOT NULL,
    author_name text NOT NULL,
    text text NOT NULL,
    geometry jsonb,
    document_ref text,
    stance text NOT NULL,
    display text NOT NULL,
    created_at timestamptz NOT NULL,
    withdrawn_at timestamptz,
    hidden_reason text,
    hidden_by text,
    hidden_at timestamptz,
    answer text,
    answered_by text,
    answered_at timestamptz,
    CONSTRAINT plan_comments_pkey PRIMARY KEY (id),
    CONSTRAINT plan_comments_phase_fkey FOREIGN KEY (kommunenummer, plan_id, phase_id)
        REFERENCES plan_phases (kommunenummer, plan_id, id),
    CONSTRAINT plan_comments_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id),
    CONSTRAINT plan_comments_text_check CHECK (text <> ''),
    CONSTRAINT plan_comments_geometry_check
        CHECK (geometry IS NULL OR jsonb_typeof(geometry) = 'object'),
    CONSTRAINT plan_comments_stance_check CHECK (stance IN ('for', 'neutral', 'against')),
    CONSTRAINT plan_comments_display_check CHECK (display IN ('named', 'hidden')),
    CONSTRAINT plan_comments_hidden_check CHECK (
        (hidden_reason IS NULL AND hidden_by IS NULL AND hidden_at IS NULL)
        OR (hidden_reason IS NOT NULL AND hidden_by IS NOT NULL AND hidden_at IS NOT NULL)),
    CONSTRAINT plan_comments_answer_check CHECK (
        (answer IS NULL AND answered_by IS NULL AND answered_at IS NULL)
        OR (answer IS NOT NULL AND answered_by IS NOT NULL AND answered_at IS NOT NULL))
);

-- A phase's comments, oldest first; a resident's own comments on a plan.
CREATE INDEX plan_comments_phase_id_created_at_idx ON plan_comments (phase_id, created_at, id);
CREATE INDEX plan_comments_kommunenummer_plan_id_resident_id_idx
    ON plan_comments (kommunenummer, plan_id, resident_id);
-- The author check when a resident is deleted.
CREATE INDEX plan_comments_resident_idx ON plan_comments (kommunenummer, resident_id);

-- ----- plan_followers: residents who follow a plan -----
CREATE TABLE plan_followers (
    kommunenummer text NOT NULL,
    plan_id text NOT NULL,
    resident_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT plan_followers_pkey PRIMARY KEY (kommunenummer, plan_id, resident_id),
    CONSTRAINT plan_followers_plan_fkey FOREIGN KEY (kommunenummer, plan_id)
        REFERENCES plans (kommunenummer, plan_id),
    CONSTRAINT plan_followers_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE
);

-- Deleting a resident deletes their follows.
CREATE INDEX plan_followers_resident_idx ON plan_followers (kommunenummer, resident_id);

-- ----- residents: home points in a box (the residents near a plan) -----
CREATE INDEX residents_kommunenummer_lat_lon_idx
    ON residents (kommunenummer, lat, lon) WHERE lat IS NOT NULL;
