//! The service catalogue on PostgreSQL ([`ServiceStore`]).
//!
//! An update names the version it is based on (`WHERE version = $3`), so a stale one changes
//! nothing. Replacing a catalogue runs in one transaction holding a transaction-scoped
//! advisory lock per tenant (so two replacements of one catalogue never interleave) and
//! compares each given service with the stored one, so unchanged services are not rewritten.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{
    CatalogueReplaced, Result, ServiceFields, ServiceFilter, ServiceStatus, ServiceStore,
    StoreError, StoredService, services::check_distinct_ids, stored,
};
use sqlx::{PgConnection, Postgres, Row, postgres::PgRow};

use crate::{
    PostgresStore,
    rows::{pg_time, time},
};

/// Serialises replacements of one tenant's catalogue (namespaced like the other locks).
const LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended('minside.services:' || $1::text, 0))";

macro_rules! service_columns {
    () => {
        "kommunenummer, service_id, theme, status, content, version, created_by, created_at, \
         updated_by, updated_at"
    };
}

/// What a version mismatch is reported as.
const VERSION_CONFLICT: &str = "services_version";

fn service(row: &PgRow) -> Result<StoredService> {
    Ok(StoredService {
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        fields: ServiceFields {
            service_id: row.try_get("service_id")?,
            theme: row.try_get("theme")?,
            status: ServiceStatus::parse(row.try_get("status")?)?,
            content: row.try_get("content")?,
        },
        version: row.try_get("version")?,
        created_by: row.try_get("created_by")?,
        created_at: time(row, "created_at")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: time(row, "updated_at")?,
    })
}

async fn insert(
    conn: &mut PgConnection,
    k: &Kommunenummer,
    fields: &ServiceFields,
    by: &str,
    now: Timestamp,
) -> Result<StoredService> {
    const SQL: &str = concat!(
        "INSERT INTO services (",
        service_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $6, $7) RETURNING ",
        service_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(&fields.service_id)
        .bind(&fields.theme)
        .bind(fields.status.as_str())
        .bind(&fields.content)
        .bind(by)
        .bind(pg_time(now)?)
        .fetch_one(conn)
        .await?;
    service(&row)
}

/// Updates the service when its version is `expected_version`; `None` when no row matched.
async fn update_if_version(
    conn: &mut PgConnection,
    k: &Kommunenummer,
    service_id: &str,
    expected_version: i64,
    fields: &ServiceFields,
    by: &str,
    now: Timestamp,
) -> Result<Option<StoredService>> {
    const SQL: &str = concat!(
        "UPDATE services SET theme = $4, status = $5, content = $6, version = version + 1, \
             updated_by = $7, updated_at = $8 \
         WHERE kommunenummer = $1 AND service_id = $2 AND version = $3 RETURNING ",
        service_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(service_id)
        .bind(expected_version)
        .bind(&fields.theme)
        .bind(fields.status.as_str())
        .bind(&fields.content)
        .bind(by)
        .bind(pg_time(now)?)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(service).transpose()
}

async fn select<'e>(
    executor: impl sqlx::Executor<'e, Database = Postgres>,
    k: &Kommunenummer,
    service_id: &str,
) -> Result<Option<StoredService>> {
    const SQL: &str = concat!(
        "SELECT ",
        service_columns!(),
        " FROM services WHERE kommunenummer = $1 AND service_id = $2"
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(service_id)
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(service).transpose()
}

#[async_trait]
impl ServiceStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn create_service(
        &self,
        k: &Kommunenummer,
        fields: &ServiceFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredService> {
        let mut conn = self.pool.acquire().await?;
        insert(&mut conn, k, fields, by, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn update_service(
        &self,
        k: &Kommunenummer,
        service_id: &str,
        expected_version: i64,
        fields: &ServiceFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredService> {
        let mut conn = self.pool.acquire().await?;
        let updated =
            update_if_version(&mut conn, k, service_id, expected_version, fields, by, now).await?;
        match updated {
            Some(service) => Ok(service),
            // Why nothing changed: the service is not `k`'s, or its version moved on.
            None => match select(&mut *conn, k, service_id).await? {
                Some(_) => Err(StoreError::Conflict(VERSION_CONFLICT.into())),
                None => Err(StoreError::NotFound),
            },
        }
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn get_service(&self, k: &Kommunenummer, service_id: &str) -> Result<StoredService> {
        select(&self.pool, k, service_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn list_services(
        &self,
        k: &Kommunenummer,
        filter: ServiceFilter<'_>,
    ) -> Result<Vec<StoredService>> {
        // The theme as a path prefix: itself, or anything below it (`theme/…`).
        const SQL: &str = concat!(
            "SELECT ",
            service_columns!(),
            " FROM services WHERE kommunenummer = $1 \
                 AND ($2::text IS NULL OR theme = $2 \
                     OR left(theme, length($2) + 1) = $2 || '/') \
                 AND ($3 OR status = 'published') \
             ORDER BY theme, service_id"
        );
        let rows = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(filter.theme)
            .bind(filter.include_drafts)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(service).collect()
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, services = items.len()))]
    async fn replace_catalogue(
        &self,
        k: &Kommunenummer,
        items: &[ServiceFields],
        by: &str,
        now: Timestamp,
    ) -> Result<CatalogueReplaced> {
        const CURRENT: &str = concat!(
            "SELECT ",
            service_columns!(),
            " FROM services WHERE kommunenummer = $1"
        );
        check_distinct_ids(items)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(LOCK).bind(k.as_str()).execute(&mut *tx).await?;
        let current: BTreeMap<String, StoredService> = sqlx::query(CURRENT)
            .bind(k.as_str())
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| service(row).map(|s| (s.fields.service_id.clone(), s)))
            .collect::<Result<_>>()?;
        let mut outcome = CatalogueReplaced::default();
        for item in items {
            match current.get(&item.service_id) {
                None => {
                    insert(&mut tx, k, item, by, now).await?;
                    outcome.created += 1;
                }
                Some(stored) if stored.fields == *item => outcome.unchanged += 1,
                Some(stored) => {
                    update_if_version(&mut tx, k, &item.service_id, stored.version, item, by, now)
                        .await?
                        .ok_or_else(|| StoreError::Conflict(VERSION_CONFLICT.into()))?;
                    outcome.updated += 1;
                }
            }
        }
        let given: BTreeSet<&str> = items.iter().map(|s| s.service_id.as_str()).collect();
        for gone in current.keys().filter(|id| !given.contains(id.as_str())) {
            sqlx::query("DELETE FROM services WHERE kommunenummer = $1 AND service_id = $2")
                .bind(k.as_str())
                .bind(gone)
                .execute(&mut *tx)
                .await?;
            outcome.deleted += 1;
        }
        tx.commit().await?;
        Ok(outcome)
    }
}
