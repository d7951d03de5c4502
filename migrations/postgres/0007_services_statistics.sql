-- MinSide service catalogue and statistics schema (PostgreSQL): municipal services per tenant,
-- and public statistics datasets (KOSTRA and other SSB tables) with their cells.
--
-- Same conventions as 0001 (timestamptz times, jsonb JSON, constraint names identical to the
-- SQLite schema). Codes and slugs that lists are ordered by are COLLATE "C", so the order is
-- bytewise whatever the database's locale, as on SQLite.

-- ----- services: one per (tenant, service slug) -----
--
-- content is the minside-services model serialised (a JSON object); theme ('top/sub') and
-- status are kept beside it for the public list. version grows by one with every change
-- (optimistic concurrency and the ETag of the public service).
CREATE TABLE services (
    kommunenummer text NOT NULL,
    service_id text COLLATE "C" NOT NULL,
    theme text COLLATE "C" NOT NULL,
    status text NOT NULL,
    content jsonb NOT NULL,
    version bigint NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT services_pkey PRIMARY KEY (kommunenummer, service_id),
    CONSTRAINT services_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT services_service_id_check CHECK (service_id <> ''),
    CONSTRAINT services_theme_check CHECK (theme <> ''),
    CONSTRAINT services_status_check CHECK (status IN ('published', 'draft', 'archived')),
    CONSTRAINT services_content_check CHECK (jsonb_typeof(content) = 'object'),
    CONSTRAINT services_version_check CHECK (version >= 1)
);

-- A tenant's catalogue by theme (exact theme or a top-level prefix).
CREATE INDEX services_kommunenummer_theme_idx ON services (kommunenummer, theme, service_id);

-- ----- statistics_datasets: one per (source, table id), public (no tenant) -----
--
-- metadata holds dimensions, units and roles as the importer provides them; fingerprint is the
-- content hash of the last import that changed the dataset (an import with the same one
-- changes nothing); cell_count is the number of its cells.
CREATE TABLE statistics_datasets (
    source text COLLATE "C" NOT NULL,
    table_id text COLLATE "C" NOT NULL,
    label text NOT NULL,
    metadata jsonb NOT NULL,
    fingerprint text NOT NULL,
    cell_count bigint NOT NULL,
    imported_at timestamptz NOT NULL,
    CONSTRAINT statistics_datasets_pkey PRIMARY KEY (source, table_id),
    CONSTRAINT statistics_datasets_source_check CHECK (source <> ''),
    CONSTRAINT statistics_datasets_table_id_check CHECK (table_id <> ''),
    CONSTRAINT statistics_datasets_metadata_check CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT statistics_datasets_fingerprint_check CHECK (fingerprint <> ''),
    CONSTRAINT statistics_datasets_cell_count_check CHECK (cell_count >= 0)
);

-- ----- statistics_cells: one per (dataset, metric, region as given, time, other key) -----
--
-- region is the code as the source gives it, region_normalised the same in the 2024
-- kommunenummer numbering (3025 Asker -> 3203), so series over the change join up. other
-- holds the remaining dimensions' coordinates as one key ('' when there are none). value and
-- status are independent: both NULL (missing), a status alone ('.', '..', ':') or a value with
-- a status ('e'); a missing value is never 0. Values are finite (NaN and ±Infinity refused;
-- NaN sorts above 'Infinity', so the upper bound catches it).
CREATE TABLE statistics_cells (
    source text COLLATE "C" NOT NULL,
    table_id text COLLATE "C" NOT NULL,
    metric text COLLATE "C" NOT NULL,
    region text COLLATE "C" NOT NULL,
    region_normalised text COLLATE "C" NOT NULL,
    time text COLLATE "C" NOT NULL,
    other text COLLATE "C" NOT NULL,
    value double precision,
    status text,
    CONSTRAINT statistics_cells_pkey PRIMARY KEY (source, table_id, metric, region, time, other),
    CONSTRAINT statistics_cells_dataset_fkey FOREIGN KEY (source, table_id)
        REFERENCES statistics_datasets (source, table_id) ON DELETE CASCADE,
    CONSTRAINT statistics_cells_metric_check CHECK (metric <> ''),
    CONSTRAINT statistics_cells_region_check CHECK (region <> '' AND region_normalised <> ''),
    CONSTRAINT statistics_cells_time_check CHECK (time <> ''),
    CONSTRAINT statistics_cells_value_check
        CHECK (value IS NULL OR (value > '-Infinity' AND value < 'Infinity')),
    CONSTRAINT statistics_cells_status_check CHECK (status IS NULL OR status <> '')
);

-- A series: one metric of a dataset for some regions (2024 numbering), in region and time
-- order. The primary key serves the metrics of a dataset and the replacement of its cells.
CREATE INDEX statistics_cells_series_idx
    ON statistics_cells (source, table_id, metric, region_normalised, time, other);

-- ----- a caseworker role for the catalogue -----
--
-- service-editor writes and publishes services; sessions may now hold it.
ALTER TABLE caseworker_sessions
    DROP CONSTRAINT caseworker_sessions_roles_check,
    ADD CONSTRAINT caseworker_sessions_roles_check
        CHECK (cardinality(roles) > 0
            AND roles <@ ARRAY['notice-editor', 'plan-manager', 'service-editor', 'admin']::text[]);
