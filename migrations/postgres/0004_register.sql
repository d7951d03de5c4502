-- MinSide resident register mirror (PostgreSQL): what the population register says about each
-- resident (given name, birth date, address, status), the change feed's read pointer per
-- (tenant, source), and the feed's events for the notice engine to follow.
--
-- Same conventions as 0001 (uuid ids, timestamptz times, constraint names identical to the
-- SQLite schema); dates are date.

-- ----- residents: the register's view of each resident -----
--
-- NULL means "not from the register" (a resident created by a login before the register knew
-- them); status is 'active' for those. status_changed_at is when the mirror last saw the status
-- change (NULL: never, or before the mirror existed).
ALTER TABLE residents
    ADD COLUMN given_name text,
    ADD COLUMN birth_date date,
    ADD COLUMN street text,
    ADD COLUMN postcode text,
    ADD COLUMN city text,
    ADD COLUMN lon double precision,
    ADD COLUMN lat double precision,
    ADD COLUMN moved_in date,
    ADD COLUMN status text NOT NULL DEFAULT 'active',
    ADD COLUMN status_changed_at timestamptz,
    -- An address is street, postcode and city together, with a Norwegian four-digit postcode.
    ADD CONSTRAINT residents_address_check
        CHECK ((street IS NULL AND postcode IS NULL AND city IS NULL)
            OR (street IS NOT NULL AND city IS NOT NULL AND postcode IS NOT NULL
                AND postcode ~ '^[0-9]{4}$')),
    -- WGS84: both or neither, within range (NaN is out of range).
    ADD CONSTRAINT residents_point_check
        CHECK ((lon IS NULL AND lat IS NULL)
            OR (lon IS NOT NULL AND lat IS NOT NULL
                AND lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90)),
    ADD CONSTRAINT residents_status_check CHECK (status IN ('active', 'moved_out', 'dead'));

-- Residents from before the mirror: the first word of the name as the given name.
UPDATE residents SET given_name = split_part(btrim(name), ' ', 1);

-- Date triggers ("turns 6 this year") and keyset paging over the active population.
CREATE INDEX residents_kommunenummer_birth_date_idx ON residents (kommunenummer, birth_date);
CREATE INDEX residents_kommunenummer_status_id_idx ON residents (kommunenummer, status, id);

-- ----- register_pointers: how far the mirror has read each source's change feed -----
CREATE TABLE register_pointers (
    kommunenummer text NOT NULL,
    source text NOT NULL,
    sequence bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT register_pointers_pkey PRIMARY KEY (kommunenummer, source),
    CONSTRAINT register_pointers_kommunenummer_fkey
        FOREIGN KEY (kommunenummer) REFERENCES tenants (kommunenummer),
    CONSTRAINT register_pointers_source_check CHECK (source <> ''),
    CONSTRAINT register_pointers_sequence_check CHECK (sequence >= 0)
);

-- ----- register_events: the change feed as applied, for the notice engine -----
--
-- id is the mirror's own increasing number, the engine's read pointer. Writers of a tenant's
-- events serialise on a transaction-scoped advisory lock, so ids of one tenant become visible
-- in id order.
CREATE TABLE register_events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    kommunenummer text NOT NULL,
    kind text NOT NULL,
    occurred date NOT NULL,
    resident_id uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    CONSTRAINT register_events_pkey PRIMARY KEY (id),
    CONSTRAINT register_events_resident_fkey FOREIGN KEY (kommunenummer, resident_id)
        REFERENCES residents (kommunenummer, id) ON DELETE CASCADE,
    CONSTRAINT register_events_kind_check CHECK (kind IN ('moved_in', 'moved_out',
        'address_changed', 'birth', 'death', 'parental_responsibility_changed', 'name_changed'))
);

CREATE INDEX register_events_kommunenummer_id_idx ON register_events (kommunenummer, id);
CREATE INDEX register_events_resident_id_idx ON register_events (resident_id);
