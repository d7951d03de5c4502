//! Tenants and residents on PostgreSQL.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};
use minside_store::{Resident, ResidentId, ResidentStore, Result, Tenant, TenantStore, stored};

use crate::{
    PostgresStore,
    rows::{self, pg_time, resident_columns, tenant_columns},
};

#[async_trait]
impl TenantStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn upsert_tenant(&self, k: &Kommunenummer, name: &str, now: Timestamp) -> Result<Tenant> {
        const SQL: &str = concat!(
            "INSERT INTO tenants (kommunenummer, name, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (kommunenummer) DO UPDATE SET name = excluded.name RETURNING ",
            tenant_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(name)
            .bind(pg_time(now)?)
            .fetch_one(&self.pool)
            .await?;
        rows::tenant(&row)
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn get_tenant(&self, k: &Kommunenummer) -> Result<Tenant> {
        const SQL: &str = concat!(
            "SELECT ",
            tenant_columns!(),
            " FROM tenants WHERE kommunenummer = $1"
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
impl ResidentStore for PostgresStore {
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
             VALUES ($1, $2, $3, $4, $5, $5) \
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
            .bind(pg_time(now)?)
            .fetch_one(&self.pool)
            .await?;
        rows::resident(&row)
    }

    #[tracing::instrument(skip_all)]
    async fn get_resident(&self, id: ResidentId) -> Result<Resident> {
        const SQL: &str = concat!(
            "SELECT ",
            resident_columns!(),
            " FROM residents WHERE id = $1"
        );
        let row = sqlx::query(SQL).bind(id.0).fetch_one(&self.pool).await?;
        rows::resident(&row)
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn find_resident_by_pid(&self, k: &Kommunenummer, pid: &Pid) -> Result<Option<Resident>> {
        const SQL: &str = concat!(
            "SELECT ",
            resident_columns!(),
            " FROM residents WHERE kommunenummer = $1 AND pid = $2"
        );
        let row = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(pid.expose())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::resident).transpose()
    }

    /// One statement for the whole population (`UNNEST` of three arrays), in pid order so that
    /// concurrent bulk upserts lock rows in the same order.
    #[tracing::instrument(skip_all, fields(kommunenummer = %k, people = people.len()))]
    async fn upsert_residents(
        &self,
        k: &Kommunenummer,
        people: &[(Pid, String)],
        now: Timestamp,
    ) -> Result<Vec<Resident>> {
        const SQL: &str = concat!(
            "INSERT INTO residents (id, kommunenummer, pid, name, created_at, updated_at) \
             SELECT p.id, $1, p.pid, p.name, $5, $5 \
             FROM UNNEST($2::uuid[], $3::text[], $4::text[]) \
                 WITH ORDINALITY AS p(id, pid, name, n) \
             ORDER BY p.n \
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
        let ids: Vec<_> = distinct.iter().map(|_| ResidentId::new_v7().0).collect();
        let pids: Vec<&str> = distinct.iter().map(|(pid, _)| pid.expose()).collect();
        let names: Vec<&str> = distinct.iter().map(|(_, name)| *name).collect();
        let rows = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(&ids)
            .bind(&pids)
            .bind(&names)
            .bind(pg_time(now)?)
            .fetch_all(&self.pool)
            .await?;
        let upserted = rows
            .iter()
            .map(rows::resident)
            .collect::<Result<Vec<_>>>()?;
        stored::in_input_order(people, upserted)
    }
}
