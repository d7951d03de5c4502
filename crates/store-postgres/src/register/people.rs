//! Writing the register's people into `residents` on PostgreSQL, many per statement: their
//! values travel as one array per column and come back as rows with `UNNEST`.
//!
//! A full load inserts the people the mirror does not know with a plain `INSERT` and updates
//! the known ones by id, only where something changed (an `INSERT ... ON CONFLICT` would check
//! for a conflict before every insert and lock every unchanged row); feed events, one person
//! at a time, use the upsert.

use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{RegisterPerson, Result};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use super::read::pg_date;
use crate::rows::pg_time;

/// The people as rows `p` (from `$3` on; `$1` is the tenant, `$2` the time).
const PEOPLE: &str = "UNNEST($3::uuid[], $4::text[], $5::text[], $6::text[], $7::date[], \
        $8::text[], $9::text[], $10::text[], $11::float8[], $12::float8[], $13::date[], \
        $14::text[]) \
    AS p(id, pid, name, given_name, birth_date, street, postcode, city, lon, lat, moved_in, \
        status)";

const INSERT: &str = "INSERT INTO residents (id, kommunenummer, pid, name, given_name, \
        birth_date, street, postcode, city, lon, lat, moved_in, status, status_changed_at, \
        created_at, updated_at) \
    SELECT p.id, $1, p.pid, p.name, p.given_name, p.birth_date, p.street, p.postcode, p.city, \
        p.lon, p.lat, p.moved_in, p.status, $2, $2, $2 FROM ";

/// What the register says about a resident, as a row to compare.
const STORED: &str = "(r.name, r.given_name, r.birth_date, r.street, r.postcode, r.city, \
    r.lon, r.lat, r.moved_in, r.status)";
const GIVEN: &str = "(p.name, p.given_name, p.birth_date, p.street, p.postcode, p.city, \
    p.lon, p.lat, p.moved_in, p.status)";

/// The columns of `residents` the register sets, assigned from `p`.
const SET: &str = "name = p.name, given_name = p.given_name, birth_date = p.birth_date, \
    street = p.street, postcode = p.postcode, city = p.city, lon = p.lon, lat = p.lat, \
    moved_in = p.moved_in, status = p.status, \
    status_changed_at = CASE WHEN r.status = p.status THEN r.status_changed_at ELSE $2 END, \
    updated_at = $2";

/// [`SET`] and its condition for an upsert.
const ON_CONFLICT: &str = " ON CONFLICT (kommunenummer, pid) DO UPDATE SET \
        name = excluded.name, given_name = excluded.given_name, \
        birth_date = excluded.birth_date, street = excluded.street, \
        postcode = excluded.postcode, city = excluded.city, lon = excluded.lon, \
        lat = excluded.lat, moved_in = excluded.moved_in, status = excluded.status, \
        status_changed_at = CASE WHEN residents.status = excluded.status \
            THEN residents.status_changed_at ELSE excluded.status_changed_at END, \
        updated_at = excluded.updated_at \
    WHERE (residents.name, residents.given_name, residents.birth_date, residents.street, \
        residents.postcode, residents.city, residents.lon, residents.lat, residents.moved_in, \
        residents.status) IS DISTINCT FROM (excluded.name, excluded.given_name, \
        excluded.birth_date, excluded.street, excluded.postcode, excluded.city, excluded.lon, \
        excluded.lat, excluded.moved_in, excluded.status)";

/// One chunk of people, column by column.
pub(super) struct PeopleArrays<'a> {
    ids: Vec<Uuid>,
    pids: Vec<&'a str>,
    names: Vec<String>,
    given: Vec<&'a str>,
    births: Vec<time::Date>,
    streets: Vec<Option<&'a str>>,
    postcodes: Vec<Option<&'a str>>,
    cities: Vec<Option<&'a str>>,
    lons: Vec<Option<f64>>,
    lats: Vec<Option<f64>>,
    moved: Vec<Option<time::Date>>,
    statuses: Vec<&'static str>,
}

impl<'a> PeopleArrays<'a> {
    /// The people with these ids (new ones for an insert, the stored ones for an update).
    pub(super) fn new(people: &[&'a RegisterPerson], ids: Vec<Uuid>) -> Result<Self> {
        let n = people.len();
        let mut a = Self {
            ids,
            pids: Vec::with_capacity(n),
            names: Vec::with_capacity(n),
            given: Vec::with_capacity(n),
            births: Vec::with_capacity(n),
            streets: Vec::with_capacity(n),
            postcodes: Vec::with_capacity(n),
            cities: Vec::with_capacity(n),
            lons: Vec::with_capacity(n),
            lats: Vec::with_capacity(n),
            moved: Vec::with_capacity(n),
            statuses: Vec::with_capacity(n),
        };
        for person in people {
            let address = person.address.as_ref();
            let point = address.and_then(|x| x.point);
            a.pids.push(person.pid.expose());
            a.names.push(full_name(person));
            a.given.push(person.given_name.as_str());
            a.births.push(pg_date(person.birth_date)?);
            a.streets.push(address.map(|x| x.street.as_str()));
            a.postcodes.push(address.map(|x| x.postcode.as_str()));
            a.cities.push(address.map(|x| x.city.as_str()));
            a.lons.push(point.map(|p| p.0));
            a.lats.push(point.map(|p| p.1));
            a.moved.push(person.moved_in.map(pg_date).transpose()?);
            a.statuses.push(person.status.as_str());
        }
        Ok(a)
    }

    fn bind<'q>(
        &'q self,
        sql: &'q str,
        k: &'q Kommunenummer,
        now: Timestamp,
    ) -> Result<Query<'q, Postgres, PgArguments>> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(k.as_str())
            .bind(pg_time(now)?)
            .bind(&self.ids)
            .bind(&self.pids)
            .bind(&self.names)
            .bind(&self.given)
            .bind(&self.births)
            .bind(&self.streets)
            .bind(&self.postcodes)
            .bind(&self.cities)
            .bind(&self.lons)
            .bind(&self.lats)
            .bind(&self.moved)
            .bind(&self.statuses))
    }

    /// Inserts these (new) people. A resident with one of the identity numbers, created
    /// meanwhile by a login, makes it fail with `residents_kommunenummer_pid_key`.
    pub(super) async fn insert(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        k: &Kommunenummer,
        now: Timestamp,
    ) -> Result<()> {
        let sql = format!("{INSERT}{PEOPLE}");
        self.bind(&sql, k, now)?.execute(&mut **tx).await?;
        Ok(())
    }

    /// Updates these (known) residents, by id, where the register says something new.
    pub(super) async fn update(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        k: &Kommunenummer,
        now: Timestamp,
    ) -> Result<()> {
        let sql = format!(
            "UPDATE residents r SET {SET} FROM {PEOPLE} \
             WHERE r.id = p.id AND r.kommunenummer = $1 AND {STORED} IS DISTINCT FROM {GIVEN}"
        );
        self.bind(&sql, k, now)?.execute(&mut **tx).await?;
        Ok(())
    }

    /// Inserts these people or updates them where the register says something new.
    pub(super) async fn upsert(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        k: &Kommunenummer,
        now: Timestamp,
    ) -> Result<()> {
        let sql = format!("{INSERT}{PEOPLE}{ON_CONFLICT}");
        self.bind(&sql, k, now)?.execute(&mut **tx).await?;
        Ok(())
    }
}

/// The full name as the mirror stores it: given and family name.
fn full_name(person: &RegisterPerson) -> String {
    match (person.given_name.is_empty(), person.family_name.is_empty()) {
        (false, false) => format!("{} {}", person.given_name, person.family_name),
        (false, true) => person.given_name.clone(),
        _ => person.family_name.clone(),
    }
}
