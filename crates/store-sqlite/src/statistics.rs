//! Public statistics on SQLite ([`StatisticsStore`]).
//!
//! An import runs in one `BEGIN IMMEDIATE` transaction: it reads the stored fingerprint (and
//! stops there when it is the same), then rewrites the dataset row, deletes the old cells and
//! inserts the new ones [`CELL_ROWS`] per statement. Any error rolls the whole import back.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_store::{
    DatasetMeta, ImportOutcome, Result, SeriesPoint, StatCell, StatisticsStore, StoreError,
    StoredDataset, statistics::check_finite,
};
use sqlx::{AssertSqlSafe, Row, SqliteConnection, sqlite::SqliteRow};

use crate::{
    SqliteStore,
    plans::{json_text, json_value},
    rows::{micros, time},
};

/// Cells per INSERT statement: nine anonymous parameters each, below SQLite's limit of
/// 32 766 (numbered parameters would be looked up by a linear search).
const CELL_ROWS: usize = 3_000;
/// One cell's values.
const CELL_ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";

macro_rules! dataset_columns {
    () => {
        "source, table_id, label, metadata, fingerprint, cell_count, imported_at"
    };
}

fn dataset(row: &SqliteRow) -> Result<StoredDataset> {
    let cells: i64 = row.try_get("cell_count")?;
    Ok(StoredDataset {
        meta: DatasetMeta {
            source: row.try_get("source")?,
            table_id: row.try_get("table_id")?,
            label: row.try_get("label")?,
            metadata: json_value(row.try_get("metadata")?, "metadata")?,
        },
        fingerprint: row.try_get("fingerprint")?,
        cells: u64::try_from(cells)
            .map_err(|_| StoreError::Invalid("stored cell_count does not parse".into()))?,
        imported_at: time(row, "imported_at")?,
    })
}

fn point(row: &SqliteRow) -> Result<SeriesPoint> {
    Ok(SeriesPoint {
        region: row.try_get("region_normalised")?,
        region_given: row.try_get("region")?,
        time: row.try_get("time")?,
        other: row.try_get("other")?,
        value: row.try_get("value")?,
        status: row.try_get("status")?,
    })
}

/// Inserts the cells of the dataset `meta`, chunk by chunk.
async fn insert_cells(
    conn: &mut SqliteConnection,
    meta: &DatasetMeta,
    cells: &[StatCell],
) -> Result<()> {
    const HEAD: &str = "INSERT INTO statistics_cells (source, table_id, metric, region, \
         region_normalised, time, other, value, status) VALUES ";
    for chunk in cells.chunks(CELL_ROWS) {
        // Built from the constants above only, never from values.
        let sql = format!("{HEAD}{}", vec![CELL_ROW; chunk.len()].join(","));
        // Only full chunks repeat often enough to keep their prepared statement.
        let mut insert = sqlx::query(AssertSqlSafe(sql)).persistent(chunk.len() == CELL_ROWS);
        for cell in chunk {
            insert = insert
                .bind(&meta.source)
                .bind(&meta.table_id)
                .bind(&cell.metric)
                .bind(&cell.region)
                .bind(&cell.region_normalised)
                .bind(&cell.time)
                .bind(&cell.other)
                .bind(cell.value)
                .bind(&cell.status);
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}

#[async_trait]
impl StatisticsStore for SqliteStore {
    #[tracing::instrument(
        skip_all,
        fields(source = %meta.source, table_id = %meta.table_id, cells = cells.len())
    )]
    async fn import_dataset(
        &self,
        meta: &DatasetMeta,
        fingerprint: &str,
        cells: &[StatCell],
        now: Timestamp,
    ) -> Result<ImportOutcome> {
        check_finite(cells)?;
        let stored_count = i64::try_from(cells.len())
            .map_err(|_| StoreError::Invalid("statistics_datasets_cell_count_check".into()))?;
        let cell_count = stored_count.unsigned_abs();
        let metadata = json_text(&meta.metadata)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT fingerprint FROM statistics_datasets WHERE source = ?1 AND table_id = ?2",
        )
        .bind(&meta.source)
        .bind(&meta.table_id)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match stored {
            Some(stored) if stored == fingerprint => return Ok(ImportOutcome::Unchanged),
            Some(_) => {
                sqlx::query(
                    "UPDATE statistics_datasets SET label = ?3, metadata = ?4, \
                         fingerprint = ?5, cell_count = ?6, imported_at = ?7 \
                     WHERE source = ?1 AND table_id = ?2",
                )
                .bind(&meta.source)
                .bind(&meta.table_id)
                .bind(&meta.label)
                .bind(&metadata)
                .bind(fingerprint)
                .bind(stored_count)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM statistics_cells WHERE source = ?1 AND table_id = ?2")
                    .bind(&meta.source)
                    .bind(&meta.table_id)
                    .execute(&mut *tx)
                    .await?;
                ImportOutcome::Replaced { cells: cell_count }
            }
            None => {
                sqlx::query(concat!(
                    "INSERT INTO statistics_datasets (",
                    dataset_columns!(),
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))
                .bind(&meta.source)
                .bind(&meta.table_id)
                .bind(&meta.label)
                .bind(&metadata)
                .bind(fingerprint)
                .bind(stored_count)
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
                ImportOutcome::Created { cells: cell_count }
            }
        };
        insert_cells(&mut tx, meta, cells).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    #[tracing::instrument(skip_all)]
    async fn list_datasets(&self) -> Result<Vec<StoredDataset>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            dataset_columns!(),
            " FROM statistics_datasets ORDER BY source, table_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(dataset).collect()
    }

    #[tracing::instrument(skip_all, fields(source = %source, table_id = %table_id))]
    async fn get_dataset(&self, source: &str, table_id: &str) -> Result<StoredDataset> {
        let row = sqlx::query(concat!(
            "SELECT ",
            dataset_columns!(),
            " FROM statistics_datasets WHERE source = ?1 AND table_id = ?2"
        ))
        .bind(source)
        .bind(table_id)
        .fetch_one(&self.pool)
        .await?;
        dataset(&row)
    }

    #[tracing::instrument(
        skip_all,
        fields(source = %source, table_id = %table_id, metric = %metric, regions = regions.len())
    )]
    async fn series(
        &self,
        source: &str,
        table_id: &str,
        metric: &str,
        regions: &[&str],
        other: Option<&str>,
    ) -> Result<Vec<SeriesPoint>> {
        // The regions travel as one JSON array; `[]` means every region.
        const SQL: &str = "SELECT region, region_normalised, time, other, value, status \
             FROM statistics_cells \
             WHERE source = ?1 AND table_id = ?2 AND metric = ?3 \
                 AND (?4 = '[]' OR region_normalised IN (SELECT value FROM json_each(?4))) \
                 AND (?5 IS NULL OR other = ?5) \
             ORDER BY region_normalised, time, other, region";
        let regions = serde_json::to_string(regions)
            .map_err(|e| StoreError::Invalid(format!("regions: {e}")))?;
        let rows = sqlx::query(SQL)
            .bind(source)
            .bind(table_id)
            .bind(metric)
            .bind(regions)
            .bind(other)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(point).collect()
    }

    #[tracing::instrument(skip_all, fields(source = %source, table_id = %table_id))]
    async fn metrics_of(&self, source: &str, table_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT metric FROM statistics_cells \
             WHERE source = ?1 AND table_id = ?2 ORDER BY metric",
        )
        .bind(source)
        .bind(table_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
