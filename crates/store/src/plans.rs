//! Participation in land-use plans: plans (KS Fiks Plan v2 / SOSI model) keyed by
//! `(kommunenummer, plan_id)`, their consultation phases, residents' comments on a phase, and
//! who follows a plan.
//!
//! The store keeps a plan's documents, processing events and area as JSON and its area's
//! bounding box as numbers (for "plans near this point" without a spatial extension); the typed
//! model, code lists, geometry validation and deadline rules live in `minside-plans`. A comment
//! is never deleted: a resident withdraws it, a caseworker hides it with a reason.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::Kommunenummer;

use crate::{ResidentFacts, ResidentId, Result};

uuid_id!(
    /// Id of a consultation phase (UUIDv7).
    PhaseId
);
uuid_id!(
    /// Id of a comment (UUIDv7).
    CommentId
);

text_enum!(
    /// The kind of a consultation phase, in the order of the planning process (pbl. §§ 12-8,
    /// 12-10, 12-12, 1-9).
    PhaseKind {
        Oppstart = "oppstart",
        Horing = "horing",
        Vedtak = "vedtak",
        Klage = "klage",
    }
);
text_enum!(
    /// What the commenter thinks of the proposal.
    Stance { For = "for", Neutral = "neutral", Against = "against" }
);
text_enum!(
    /// How the commenter's name is shown: `named` in public lists and exports, `hidden` only to
    /// the municipality (the public sees "Navn skjult").
    CommentDisplay { Named = "named", Hidden = "hidden" }
);

/// A rectangle in WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundingBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BoundingBox {
    /// Whether the two rectangles share a point (edges included).
    pub fn intersects(&self, other: &BoundingBox) -> bool {
        self.min_lon <= other.max_lon
            && other.min_lon <= self.max_lon
            && self.min_lat <= other.max_lat
            && other.min_lat <= self.max_lat
    }
}

/// The fields of a plan a caseworker or an import sets. `documents` and `events` are JSON
/// arrays of `minside-plans`' typed model; `area` is a GeoJSON geometry in EPSG:4326 and `bbox`
/// its bounding box (both `None` when the plan has no area yet).
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFields {
    /// The plan's `planidentifikasjon`, unique within the municipality.
    pub plan_id: String,
    pub name: String,
    /// Code from the plantyper list (`None` for a plan known only from a processing message).
    pub plan_type: Option<String>,
    /// Code from the planstatuser list.
    pub status: String,
    /// Code from the lovreferanser list.
    pub law_reference: Option<String>,
    /// `offentlig` or `privat`.
    pub proposer_type: Option<String>,
    /// Saksnummer: (saksår, sakssekvensnummer).
    pub case_number: Option<(i32, i64)>,
    pub description: Option<String>,
    pub documents: serde_json::Value,
    pub events: serde_json::Value,
    pub area: Option<serde_json::Value>,
    pub bbox: Option<BoundingBox>,
}

/// A stored plan. `version` starts at 1 and grows with every change of the plan or its phases,
/// so it serves as the ETag of the public plan detail.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPlan {
    pub kommunenummer: Kommunenummer,
    pub fields: PlanFields,
    pub version: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// The fields of a consultation phase. The phase is open for comments from `opens_on` 00:00
/// until `closes_on` 23:59:59.999999 Europe/Oslo (checked by the caller).
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseFields {
    pub kind: PhaseKind,
    /// 1 for the first hearing, 2 for a second one of a revised proposal, …; 1 for other kinds.
    pub hearing_version: i32,
    pub title: Option<String>,
    pub opens_on: Date,
    pub closes_on: Date,
}

/// A stored phase.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPhase {
    pub id: PhaseId,
    pub kommunenummer: Kommunenummer,
    pub plan_id: String,
    pub fields: PhaseFields,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A comment as the resident submits it. `geometry` is GeoJSON (EPSG:4326) and already
/// validated; `author_name` is the resident's name at the time of writing.
#[derive(Clone, Debug, PartialEq)]
pub struct NewComment {
    pub kommunenummer: Kommunenummer,
    pub plan_id: String,
    pub phase_id: PhaseId,
    pub resident_id: ResidentId,
    pub author_name: String,
    pub text: String,
    pub geometry: Option<serde_json::Value>,
    pub document_ref: Option<String>,
    pub stance: Stance,
    pub display: CommentDisplay,
    pub created_at: Timestamp,
}

/// A caseworker's note on a comment: who, when, and the text (a hiding reason or an answer).
#[derive(Clone, Debug, PartialEq)]
pub struct CaseworkerNote {
    pub text: String,
    pub by: String,
    pub at: Timestamp,
}

/// A stored comment.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredComment {
    pub id: CommentId,
    pub comment: NewComment,
    pub withdrawn_at: Option<Timestamp>,
    /// Set when a caseworker hid the comment from the public (never deleted).
    pub hidden: Option<CaseworkerNote>,
    pub answer: Option<CaseworkerNote>,
}

/// Comment counts of one phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhaseCounts {
    /// Every comment, withdrawn and hidden ones included.
    pub total: u64,
    pub withdrawn: u64,
    pub hidden: u64,
    pub answered: u64,
    pub for_: u64,
    pub neutral: u64,
    pub against: u64,
}

/// Plans, phases, comments and followers.
#[async_trait]
pub trait PlanStore {
    // ----- plans -----
    /// Stores a new plan, version 1; [`Conflict`](crate::StoreError::Conflict) (`plans_pkey`)
    /// when `(k, plan_id)` exists.
    async fn create_plan(
        &self,
        k: &Kommunenummer,
        fields: &PlanFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredPlan>;
    /// Replaces the fields (the plan id stays) when the stored version is `expected_version`,
    /// else [`Conflict`](crate::StoreError::Conflict) (`plans_version`); NotFound when absent.
    async fn update_plan(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        expected_version: i64,
        fields: &PlanFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredPlan>;
    /// The plan of tenant `k`; [`NotFound`](crate::StoreError::NotFound) also for another
    /// tenant's plan.
    async fn get_plan(&self, k: &Kommunenummer, plan_id: &str) -> Result<StoredPlan>;
    /// Plans of `k`, most recently updated first.
    async fn list_plans(&self, k: &Kommunenummer) -> Result<Vec<StoredPlan>>;
    /// Plans of `k` whose bounding box intersects `area` (the caller checks the exact distance).
    async fn plans_in_box(&self, k: &Kommunenummer, area: &BoundingBox) -> Result<Vec<StoredPlan>>;

    // ----- phases -----
    /// Adds a phase to the plan and bumps the plan's version; NotFound when the plan is absent.
    async fn create_phase(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        fields: &PhaseFields,
        now: Timestamp,
    ) -> Result<StoredPhase>;
    /// Replaces a phase's fields and bumps the plan's version; NotFound when absent or another
    /// tenant's.
    async fn update_phase(
        &self,
        k: &Kommunenummer,
        id: PhaseId,
        fields: &PhaseFields,
        now: Timestamp,
    ) -> Result<StoredPhase>;
    async fn get_phase(&self, k: &Kommunenummer, id: PhaseId) -> Result<StoredPhase>;
    /// The plan's phases, ordered by `opens_on`, then creation.
    async fn phases_of(&self, k: &Kommunenummer, plan_id: &str) -> Result<Vec<StoredPhase>>;
    /// Phases of every tenant with `opens_on <= day <= closes_on`.
    async fn phases_open_on(&self, day: Date) -> Result<Vec<StoredPhase>>;

    // ----- comments -----
    async fn add_comment(&self, comment: &NewComment) -> Result<StoredComment>;
    /// One comment of tenant `k`; NotFound also for another tenant's.
    async fn get_comment(&self, k: &Kommunenummer, id: CommentId) -> Result<StoredComment>;
    /// The resident's own comments on the plan (withdrawn ones included), oldest first.
    async fn comments_of_resident(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        resident: ResidentId,
    ) -> Result<Vec<StoredComment>>;
    /// Every comment of the phase (withdrawn and hidden ones included), oldest first.
    async fn comments_of_phase(
        &self,
        k: &Kommunenummer,
        phase: PhaseId,
    ) -> Result<Vec<StoredComment>>;
    /// Sets `withdrawn_at` on the resident's own comment (first time only); NotFound for
    /// anyone else's comment.
    async fn withdraw_comment(
        &self,
        k: &Kommunenummer,
        id: CommentId,
        resident: ResidentId,
        now: Timestamp,
    ) -> Result<StoredComment>;
    /// Hides the comment from the public with a reason (`Some`) or shows it again (`None`).
    async fn set_comment_hidden(
        &self,
        k: &Kommunenummer,
        id: CommentId,
        hidden: Option<&CaseworkerNote>,
    ) -> Result<StoredComment>;
    /// Sets (or replaces) the municipality's answer.
    async fn answer_comment(
        &self,
        k: &Kommunenummer,
        id: CommentId,
        answer: &CaseworkerNote,
    ) -> Result<StoredComment>;
    /// Counts per phase of the plan, for every phase that has comments.
    async fn comment_counts(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
    ) -> Result<Vec<(PhaseId, PhaseCounts)>>;

    // ----- followers and neighbours -----
    /// Follows (`true`) or unfollows the plan; idempotent. NotFound when the plan is absent.
    async fn set_following(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        resident: ResidentId,
        follow: bool,
        now: Timestamp,
    ) -> Result<()>;
    async fn is_following(
        &self,
        k: &Kommunenummer,
        plan_id: &str,
        resident: ResidentId,
    ) -> Result<bool>;
    /// Residents following the plan, in id order.
    async fn followers(&self, k: &Kommunenummer, plan_id: &str) -> Result<Vec<ResidentId>>;
    /// Plan ids of `k` the resident follows, in id order.
    async fn plans_followed_by(
        &self,
        k: &Kommunenummer,
        resident: ResidentId,
    ) -> Result<Vec<String>>;
    /// Active residents of `k` whose home point lies in `area`, in id order.
    async fn residents_in_box(
        &self,
        k: &Kommunenummer,
        area: &BoundingBox,
    ) -> Result<Vec<ResidentFacts>>;
}
