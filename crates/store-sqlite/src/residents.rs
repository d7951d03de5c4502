//! Tenants and residents on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};
use minside_store::{
    Resident, ResidentId, ResidentStore, Result, StoreError, Tenant, TenantStore, stored,
};

use crate::{
    SqliteStore,
    rows::{self, micros, resident_columns, tenant_columns},
};

#[async_trait]
impl TenantStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn upsert_tenant(&self, k: &Kommunenummer, name: &str, now: Timestamp) -> Result<Tenant> {
        const SQL: &str = concat!(
            "INSERT INTO tenants (kommunenummer, name, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (kommunenummer) DO UPDATE SET name = excluded.name RETURNING ",
            tenant_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(name)
            .bind(micros(now))
            .fetch_one(&self.pool)
            .await?;
        rows::tenant(&row)
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn get_tenant(&self, k: &Kommunenummer) -> Result<Tenant> {
        const SQL: &str = concat!(
            "SELECT ",
            tenant_columns!(),
            " FROM tenants WHERE kommunenummer = ?1"
        );
        let row = sqlx::query(SQL)
            .bind(k.as_str())
            .fetch_one(&self.pool)
            .await?;
        rows::tenant(&row)
    }

    #[tracing::instrument(skip_all)]
    async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        const SQL: &str = concat!(
            "SELECT ",
            tenant_columns!(),
            " FROM tenants ORDER BY kommunenummer"
        );
        let rows = sqlx::query(SQL).fetch_all(&self.pool).await?;
        rows.iter().map(rows::tenant).collect()
    }
}

#[async_trait]
impl ResidentStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn upsert_resident(
        &self,
        k: &Kommunenummer,
        pid: &Pid,
        name: &str,
        now: Timestamp,
    ) -> Result<Resident> {
        const SQL: &str = concat!(
            "INSERT INTO residents (id, kommunenummer, pid, name, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) \
             ON CONFLICT (kommunenummer, pid) DO UPDATE SET \
                 name = excluded.name, \
                 updated_at = CASE WHEN residents.name = excluded.name \
                     THEN residents.updated_at ELSE excluded.updated_at END \
             RETURNING ",
            resident_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(ResidentId::new_v7().0)
            .bind(k.as_str())
            .bind(pid.expose())
            .bind(name)
            .bind(micros(now))
            .fetch_one(&self.pool)
            .await?;
        rows::resident(&row)
    }

    #[tracing::instrument(skip_all)]
    async fn get_resident(&self, id: ResidentId) -> Result<Resident> {
        const SQL: &str = concat!(
            "SELECT ",
            resident_columns!(),
            " FROM residents WHERE id = ?1"
        );
        let row = sqlx::query(SQL).bind(id.0).fetch_one(&self.pool).await?;
        rows::resident(&row)
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn find_resident_by_pid(&self, k: &Kommunenummer, pid: &Pid) -> Result<Option<Resident>> {
        const SQL: &str = concat!(
            "SELECT ",
            resident_columns!(),
            " FROM residents WHERE kommunenummer = ?1 AND pid = ?2"
        );
        let row = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(pid.expose())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::resident).transpose()
    }

    /// One statement for the whole population: the people travel as one JSON array of
    /// `[pid, name]` pairs (read with `json_each`) and their new ids as one BLOB of 16-byte
    /// slices, so the parameter count stays at four whatever the size.
    #[tracing::instrument(skip_all, fields(kommunenummer = %k, people = people.len()))]
    async fn upsert_residents(
        &self,
        k: &Kommunenummer,
        people: &[(Pid, String)],
        now: Timestamp,
    ) -> Result<Vec<Resident>> {
        // `WHERE true` resolves SQLite's parsing ambiguity between a join and the upsert clause.
        const SQL: &str = concat!(
            "INSERT INTO residents (id, kommunenummer, pid, name, created_at, updated_at) \
             SELECT substr(?2, p.key * 16 + 1, 16), ?1, json_extract(p.value, '$[0]'), \
                 json_extract(p.value, '$[1]'), ?4, ?4 \
             FROM json_each(?3) AS p WHERE true ORDER BY p.key \
             ON CONFLICT (kommunenummer, pid) DO UPDATE SET \
                 name = excluded.name, \
                 updated_at = CASE WHEN residents.name = excluded.name \
                     THEN residents.updated_at ELSE excluded.updated_at END \
             RETURNING ",
            resident_columns!()
        );
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let distinct = stored::distinct_people(people);
        let ids: Vec<u8> = distinct
            .iter()
            .flat_map(|_| ResidentId::new_v7().0.into_bytes())
            .collect();
        let pairs: Vec<(&str, &str)> = distinct
            .iter()
            .map(|(pid, name)| (pid.expose(), *name))
            .collect();
        let pairs = serde_json::to_string(&pairs)
            .map_err(|e| StoreError::Invalid(format!("not JSON: {e}")))?;
        let rows = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(ids)
            .bind(pairs)
            .bind(micros(now))
            .fetch_all(&self.pool)
            .await?;
        let upserted = rows
            .iter()
            .map(rows::resident)
            .collect::<Result<Vec<_>>>()?;
        stored::in_input_order(people, upserted)
    }
}
