-- MinSide service catalogue and statistics schema (SQLite): municipal services per tenant, and
-- public statistics datasets (KOSTRA and other SSB tables) with their cells.
--
-- Same conventions as 0001 (STRICT tables, INTEGER unix-microsecond times, JSON as TEXT checked
-- with json_valid(), constraint names identical to the PostgreSQL schema).

-- ----- services: one per (tenant, service slug) -----
--
-- content is the minside-services model serialised (a JSON object); theme ('top/sub') and
-- status are kept beside it for the public list. version grows by one with every change
-- (optimistic concurrency and the ETag of the public service).
CREATE TABLE services (
    kommunenummer TEXT NOT NULL,
    service_id TEXT NOT NULL,
    theme TEXT NOT NULL,
    status TEXT NOT NULL,
    content TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT services_pkey PRIMARY KEY (kommunenummer, service_id),
    CONSTRAINT services_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT services_service_id_check CHECK (length(service_id) > 0),
    CONSTRAINT services_theme_check CHECK (length(theme) > 0),
    CONSTRAINT services_status_check CHECK (status IN ('published', 'draft', 'archived')),
    CONSTRAINT services_content_check
        CHECK (json_valid(content) AND json_type(content) = 'object'),
    CONSTRAINT services_version_check CHECK (version >= 1)
) STRICT;

-- A tenant's catalogue by theme (exact theme or a top-level prefix).
CREATE INDEX services_kommunenummer_theme_idx ON services (kommunenummer, theme, service_id);

-- ----- statistics_datasets: one per (source, table id), public (no tenant) -----
--
-- metadata holds dimensions, units and roles as the importer provides them; fingerprint is the
-- content hash of the last import that changed the dataset (an import with the same one
-- changes nothing); cell_count is the number of its cells.
CREATE TABLE statistics_datasets (
    source TEXT NOT NULL,
    table_id TEXT NOT NULL,
    label TEXT NOT NULL,
    metadata TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    cell_count INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    CONSTRAINT statistics_datasets_pkey PRIMARY KEY (source, table_id),
    CONSTRAINT statistics_datasets_source_check CHECK (length(source) > 0),
    CONSTRAINT statistics_datasets_table_id_check CHECK (length(table_id) > 0),
    CONSTRAINT statistics_datasets_metadata_check
        CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    CONSTRAINT statistics_datasets_fingerprint_check CHECK (length(fingerprint) > 0),
    CONSTRAINT statistics_datasets_cell_count_check CHECK (cell_count >= 0)
) STRICT;

-- ----- statistics_cells: one per (dataset, metric, region as given, time, other key) -----
--
-- region is the code as the source gives it, region_normalised the same in the 2024
-- kommunenummer numbering (3025 Asker -> 3203), so series over the change join up. other
-- holds the remaining dimensions' coordinates as one key ('' when there are none). value and
-- status are independent: both NULL (missing), a status alone ('.', '..', ':') or a value with
-- a status ('e'); a missing value is never 0. Values are finite.
CREATE TABLE statistics_cells (
    source TEXT NOT NULL,
    table_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    region TEXT NOT NULL,
    region_normalised TEXT NOT NULL,
    time TEXT NOT NULL,
    other TEXT NOT NULL,
    value REAL,
    status TEXT,
    CONSTRAINT statistics_cells_pkey PRIMARY KEY (source, table_id, metric, region, time, other),
    CONSTRAINT statistics_cells_dataset_fkey FOREIGN KEY (source, table_id)
        REFERENCES statistics_datasets (source, table_id) ON DELETE CASCADE,
    CONSTRAINT statistics_cells_metric_check CHECK (length(metric) > 0),
    CONSTRAINT statistics_cells_region_check
        CHECK (length(region) > 0 AND length(region_normalised) > 0),
    CONSTRAINT statistics_cells_time_check CHECK (length(time) > 0),
    CONSTRAINT statistics_cells_value_check
        CHECK (value IS NULL OR (value > -9e999 AND value < 9e999)),
    CONSTRAINT statistics_cells_status_check CHECK (status IS NULL OR length(status) > 0)
) STRICT;

-- A series: one metric of a dataset for some regions (2024 numbering), in region and time
-- order. The primary key serves the metrics of a dataset and the replacement of its cells.
CREATE INDEX statistics_cells_series_idx
    ON statistics_cells (source, table_id, metric, region_normalised, time, other);
