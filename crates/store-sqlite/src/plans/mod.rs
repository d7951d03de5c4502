//! Land-use plans on SQLite: plans, consultation phases, residents' comments and followers
//! ([`PlanStore`]).
//!
//! A phase change bumps its plan's version in the same `BEGIN IMMEDIATE` transaction, so the
//! plan's version (its ETag) always moves with what the public plan page shows. A comment is
//! inserted from its phase's row (`INSERT … SELECT … FROM plan_phases`), so it can only name a
//! phase of its own plan and tenant. The residents near a plan are read with the register
//! mirror's facts query.

mod comments;
mod phases;
mod plan;

use async_trait::async_trait;
use jiff::{Timestamp, civil::Date};
use minside_core::Kommunenummer;
use minside_store::{
    BoundingBox, CaseworkerNote, CommentId, NewComment, PhaseCounts, PhaseFields, PhaseId,
    PlanFields, PlanStore, ResidentFacts, ResidentId, Result, StoreError, StoredComment,
    StoredPhase, StoredPlan, stored,
};
use sqlx::{Row, sqlite::SqliteRow};

use crate::{SqliteStore, register::read, rows::micros};

fn optional_time(row: &SqliteRow, column: &str) -> Result<Option<Timestamp>> {
    row.try_get::<Option<i64>, _>(column)?
        .map(stored::timestamp_from_micros)
        .transpose()
}

/// JSON as stored.
pub(crate) fn json_text(value: &serde_json::Value) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("not JSON: {e}")))
}

/// Stored JSON text; `column` names it in the error.
pub(crate) fn json_value(text: &str, column: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Invalid(format!("stored {column} does not parse")))
}

/// A stored `YYYY-MM-DD` date.
fn date(row: &SqliteRow, column: &str) -> Result<Date> {
    row.try_get::<&str, _>(column)?
        .parse()
        .map_err(|_| StoreError::Invalid(format!("stored {column} does not parse")))
}

#[async_trait]
impl PlanStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn create_plan(
        &self,
        k: &Kommunenummer,
        fields: &PlanFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredPlan> {
        plan::create(&self.pool, k, fields, by, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn update_plan(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        expected_version: i64,
        fields: &PlanFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredPlan> {
        plan::update(&self.pool, k, plan_id, expected_version, fields, by, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn get_plan(&self, k: &Kommunenummer, plan_id: &str) -> Result<StoredPlan> {
        plan::get(&self.pool, k, plan_id).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn list_plans(&self, k: &Kommunenummer) -> Result<Vec<StoredPlan>> {
        plan::list(&self.pool, k).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn plans_in_box(&self, k: &Kommunenummer, area: &BoundingBox) -> Result<Vec<StoredPlan>> {
        plan::in_box(&self.pool, k, area).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn create_phase(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        fields: &PhaseFields,
        now: Timestamp,
    ) -> Result<StoredPhase> {
        phases::create(&self.pool, k, plan_id, fields, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, phase = %id))]
    async fn update_phase(
        &self,
        k: &Kommunenummer,
        id: PhaseId,
        fields: &PhaseFields,
        now: Timestamp,
    ) -> Result<StoredPhase> {
        phases::update(&self.pool, k, id, fields, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, phase = %id))]
    async fn get_phase(&self, k: &Kommunenummer, id: PhaseId) -> Result<StoredPhase> {
        phases::get(&self.pool, k, id).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn phases_of(&self, k: &Kommunenummer, plan_id: &str) -> Result<Vec<StoredPhase>> {
        phases::of_plan(&self.pool, k, plan_id).await
    }

    #[tracing::instrument(skip_all, fields(day = %day))]
    async fn phases_open_on(&self, day: Date) -> Result<Vec<StoredPhase>> {
        phases::open_on(&self.pool, day).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %comment.kommunenummer))]
    async fn add_comment(&self, comment: &NewComment) -> Result<StoredComment> {
        comments::add(&self.pool, comment).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, comment = %id))]
    async fn get_comment(&self, k: &Kommunenummer, id: CommentId) -> Result<StoredComment> {
        comments::get(&self.pool, k, id).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn comments_of_resident(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        resident: ResidentId,
    ) -> Result<Vec<StoredComment>> {
        comments::of_resident(&self.pool, k, plan_id, resident).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, phase = %phase))]
    async fn comments_of_phase(
        &self,
        k: &Kommunenummer,
        phase: PhaseId,
    ) -> Result<Vec<StoredComment>> {
        comments::of_phase(&self.pool, k, phase).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, comment = %id))]
    async fn withdraw_comment(
        &self,
        k: &Kommunenummer,
        id: CommentId,
        resident: ResidentId,
        now: Timestamp,
    ) -> Result<StoredComment> {
        comments::withdraw(&self.pool, k, id, resident, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, comment = %id))]
    async fn set_comment_hidden(
        &self,
        k: &Kommunenummer,
        id: CommentId,
        hidden: Option<&CaseworkerNote>,
    ) -> Result<StoredComment> {
        comments::set_hidden(&self.pool, k, id, hidden).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, comment = %id))]
    async fn answer_comment(
        &self,
        k: &Kommunenummer,
        id: CommentId,
        answer: &CaseworkerNote,
    ) -> Result<StoredComment> {
        comments::answer(&self.pool, k, id, answer).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn comment_counts(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
    ) -> Result<Vec<(PhaseId, PhaseCounts)>> {
        comments::counts(&self.pool, k, plan_id).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, follow = follow))]
    async fn set_following(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        resident: ResidentId,
        follow: bool,
        now: Timestamp,
    ) -> Result<()> {
        if !plan::exists(&self.pool, k, plan_id).await? {
            return Err(StoreError::NotFound);
        }
        if follow {
            sqlx::query(
                "INSERT INTO plan_followers (kommunenummer, plan_id, resident_id, created_at) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            )
            .bind(k.as_str())
            .bind(plan_id)
            .bind(resident.0)
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        } else {
            sqlx::query(
                "DELETE FROM plan_followers \
                 WHERE kommunenummer = ?1 AND plan_id = ?2 AND resident_id = ?3",
            )
            .bind(k.as_str())
            .bind(plan_id)
            .bind(resident.0)
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn is_following(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        resident: ResidentId,
    ) -> Result<bool> {
        let found = sqlx::query(
            "SELECT 1 FROM plan_followers \
             WHERE kommunenummer = ?1 AND plan_id = ?2 AND resident_id = ?3",
        )
        .bind(k.as_str())
        .bind(plan_id)
        .bind(resident.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn followers(&self, k: &Kommunenummer, plan_id: &str) -> Result<Vec<ResidentId>> {
        let ids = sqlx::query_scalar(
            "SELECT resident_id FROM plan_followers \
             WHERE kommunenummer = ?1 AND plan_id = ?2 ORDER BY resident_id",
        )
        .bind(k.as_str())
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(ResidentId).collect())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn plans_followed_by(
        &self,
        k: &Kommunenummer,
        resident: ResidentId,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT plan_id FROM plan_followers \
             WHERE kommunenummer = ?1 AND resident_id = ?2 ORDER BY plan_id",
        )
        .bind(k.as_str())
        .bind(resident.0)
        .fetch_all(&self.pool)
        .await?)
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn residents_in_box(
        &self,
        k: &Kommunenummer,
        area: &BoundingBox,
    ) -> Result<Vec<ResidentFacts>> {
        read::in_box(&self.pool, k, area).await
    }
}
