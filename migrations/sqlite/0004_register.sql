-- MinSide resident register mirror (SQLite): what the population register says about each
-- resident (given name, birth date, address, status), the change feed's read pointer per
-- (tenant, source), and the feed's events for the notice engine to follow.
--
-- Same conventions as 0001 (STRICT tables, 16-byte BLOB ids, INTEGER unix-microsecond times,
-- constraint names identical to the PostgreSQL schema); dates are TEXT 'YYYY-MM-DD', checked
-- with date(x, '+0 days'), which normalises an impossible day such as 02-30 (date(x) alone
-- does not). SQLite
-- cannot add table constraints to an existing table, and rebuilding residents would mean
-- rebuilding every table that refers to it, so the new columns are added with ALTER TABLE and
-- carry their checks as column constraints (a column check may name other columns; each is
-- tested against the existing rows as it is added).

-- ----- residents: the register's view of each resident -----
--
-- NULL means "not from the register" (a resident created by a login before the register knew
-- them); status is 'active' for those. status_changed_at is when the mirror last saw the status
-- change (NULL: never, or before the mirror existed).
ALTER TABLE residents ADD COLUMN given_name TEXT;
ALTER TABLE residents ADD COLUMN birth_date TEXT
    CONSTRAINT residents_birth_date_check
        CHECK (birth_date IS NULL
            OR (length(birth_date) = 10 AND date(birth_date, '+0 days') IS birth_date));
ALTER TABLE residents ADD COLUMN street TEXT;
ALTER TABLE residents ADD COLUMN postcode TEXT;
-- An address is street, postcode and city together, with a Norwegian four-digit postcode.
ALTER TABLE residents ADD COLUMN city TEXT
    CONSTRAINT residents_address_check
        CHECK ((street IS NULL AND postcode IS NULL AND city IS NULL)
            OR (street IS NOT NULL AND city IS NOT NULL AND postcode IS NOT NULL
                AND length(postcode) = 4 AND postcode NOT GLOB '*[^0-9]*'));
ALTER TABLE residents ADD COLUMN lon REAL;
-- WGS84: both or neither, within range.
ALTER TABLE residents ADD COLUMN lat REAL
    CONSTRAINT residents_point_check
        CHECK ((lon IS NULL AND lat IS NULL)
            OR (lon IS NOT NULL AND lat IS NOT NULL
                AND lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90));
ALTER TABLE residents ADD COLUMN moved_in TEXT
    CONSTRAINT residents_moved_in_check
        CHECK (moved_in IS NULL
            OR (length(moved_in) = 10 AND date(moved_in, '+0 days') IS moved_in));
ALTER TABLE residents ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CONSTRAINT residents_status_check CHECK (status IN ('active', 'moved_out', 'dead'));
ALTER TABLE residents ADD COLUMN status_changed_at INTEGER;

-- Residents from before the mirror: the first word of the name as the given name.
UPDATE residents SET given_name = CASE
    WHEN instr(trim(name), ' ') > 0 THEN substr(trim(name), 1, instr(trim(name), ' ') - 1)
    ELSE trim(name)
END;

-- Date triggers ("turns 6 this year") and keyset paging over the active population.
CREATE INDEX residents_kommunenummer_birth_date_idx ON residents (kommunenummer, birth_date);
CREATE INDEX residents_kommunenummer_status_id_idx ON residents (kommunenummer, status, id);

-- ----- register_pointers: how far the mirror has read each source's change feed -----
CREATE TABLE register_pointers (
    kommunenummer TEXT NOT NULL,
    source TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CONSTRAINT register_pointers_pkey PRIMARY KEY (kommunenummer, source),
    CONSTRAINT register_pointers_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT register_pointers_source_check CHECK (length(source) > 0),
    CONSTRAINT register_pointers_sequence_check CHECK (sequence >= 0)
) STRICT;

-- ----- register_events: the change feed as applied, for the notice engine -----
--
-- id is the mirror's own increasing number, the engine's read pointer: AUTOINCREMENT, so an id
-- is never used twice, even after the newest events went with their resident.
CREATE TABLE register_events (
    id INTEGER NOT NULL CONSTRAINT register_events_pkey PRIMARY KEY AUTOINCREMENT,
    kommunenummer TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred TEXT NOT NULL,
    resident_id BLOB NOT NULL,
    recorded_at INTEGER NOT NULL,
    CONSTRAINT register_events_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT register_events_kind_check CHECK (kind IN ('moved_in', 'moved_out',
        'address_changed', 'birth', 'death', 'parental_responsibility_changed', 'name_changed')),
    CONSTRAINT register_events_occurred_check
        CHECK (length(occurred) = 10 AND date(occurred, '+0 days') IS occurred)
) STRICT;

CREATE INDEX register_events_kommunenummer_id_idx ON register_events (kommunenummer, id);
CREATE INDEX register_events_resident_id_idx ON register_events (resident_id);
