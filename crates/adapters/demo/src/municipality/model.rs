//! What the generated municipality holds beyond the register's `PersonRecord`s: households,
//! homes and the data of the municipal systems (kindergarten, school, property, invoices).
//! Residents are referred to by their index in the population, which never changes.

use jiff::civil::{Date, Weekday};
use minside_adapter::Address;

use crate::data::names::{Origin, Sex};

/// Register facts about a resident that `PersonRecord` does not carry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta {
    pub sex: Sex,
    pub origin: Origin,
    /// The household the resident lives in; `None` after moving out of Asker.
    pub household: Option<usize>,
    /// Legal parents (the guardians are among them).
    pub parents: Vec<usize>,
}

/// People living at one address.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Household {
    pub address: Address,
    /// Index into [`crate::data::places::AREAS`].
    pub area: usize,
    pub members: Vec<usize>,
    pub moved_in: Date,
    pub waste: WasteRoute,
    /// The property the household owns and lives on, if it owns its home.
    pub property: Option<usize>,
}

/// When the refuse truck comes to an address: one weekday, and for each fraction which week
/// of its cycle (weeks counted from Monday 1 January 2024).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WasteRoute {
    pub weekday: Weekday,
    /// Restavfall and matavfall, every 2nd week: 0 or 1.
    pub residual_week: u8,
    /// Papp og papir, every 4th week: 0..4.
    pub paper_week: u8,
    /// Glass- og metallemballasje, every 8th week: 0..8.
    pub glass_week: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropertyKind {
    Detached,
    Terraced,
    Flat,
}

impl PropertyKind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Detached => "Enebolig",
            Self::Terraced => "Rekkehus",
            Self::Flat => "Eierseksjon (leilighet)",
        }
    }
}

/// A registered property (matrikkelenhet) owned by residents.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Property {
    pub gnr: u16,
    pub bnr: u16,
    /// Seksjonsnummer, for flats.
    pub snr: Option<u16>,
    pub address: String,
    pub postcode: String,
    pub city: String,
    pub kind: PropertyKind,
    pub owners: Vec<usize>,
    /// Eiendomsskattegrunnlag in øre.
    pub tax_base: i64,
    /// Eiendomsskatt per year in øre.
    pub annual_tax: i64,
    /// Vann, avløp, renovasjon og feiing per year in øre.
    pub annual_fees: i64,
    pub cases: Vec<BuildingCase>,
}

/// A byggesak with its milestones so far.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BuildingCase {
    pub saksnummer: String,
    pub measure: &'static str,
    pub received: Date,
    pub complete: Option<Date>,
    /// Date of the decision and whether it was granted.
    pub decision: Option<(Date, bool)>,
    pub completion_certificate: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlaceStatus {
    Active,
    /// Offered and accepted, starting later.
    Accepted,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KindergartenPlace {
    pub kindergarten: &'static str,
    pub department: &'static str,
    pub start: Date,
    pub hours_per_week: u8,
    pub status: PlaceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApplicationStatus {
    Received,
    InProgress,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KindergartenApplication {
    pub submitted: Date,
    pub desired_start: Date,
    pub first_choice: &'static str,
    pub second_choice: &'static str,
    pub status: ApplicationStatus,
    /// Lovfestet rett til plass (the child turns one by the end of November that year).
    pub right_to_place: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SchoolPlace {
    pub school: &'static str,
    pub grade: u8,
    pub school_year: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SfoKind {
    Full,
    Part,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SfoPlace {
    pub school: &'static str,
    pub kind: SfoKind,
    pub start: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvoiceKind {
    MunicipalFees,
    Kindergarten,
    Sfo,
    BuildingFee,
}

/// Fiks Innsyn-like invoice statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvoiceStatus {
    Unpaid,
    Paid,
    Overdue,
    Reminded,
    DebtCollection,
    Credited,
}

impl InvoiceStatus {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Unpaid => "ubetalt",
            Self::Paid => "betalt",
            Self::Overdue => "forfalt",
            Self::Reminded => "purret",
            Self::DebtCollection => "inkasso",
            Self::Credited => "kreditert",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Unpaid => "Ubetalt",
            Self::Paid => "Betalt",
            Self::Overdue => "Forfalt",
            Self::Reminded => "Purret",
            Self::DebtCollection => "Sendt til inkasso",
            Self::Credited => "Kreditert",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invoice {
    pub number: String,
    pub kind: InvoiceKind,
    /// E.g. "4. termin 2026" or "november 2026".
    pub period: String,
    pub issued: Date,
    pub due: Date,
    /// In øre.
    pub amount: i64,
    pub kid: String,
    pub status: InvoiceStatus,
    pub paid: Option<Date>,
}

/// What the municipal systems know about one resident.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ResidentServices {
    pub kindergarten: Option<KindergartenPlace>,
    pub application: Option<KindergartenApplication>,
    pub school: Option<SchoolPlace>,
    pub sfo: Option<SfoPlace>,
    /// Indexes into [`Services::properties`].
    pub properties: Vec<usize>,
    /// Invoices addressed to the resident.
    pub invoices: Vec<Invoice>,
}

/// The data of the municipal systems, fixed at generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Services {
    pub residents: Vec<ResidentServices>,
    pub properties: Vec<Property>,
}

impl Services {
    /// The resident's data; residents added by the change feed have none.
    pub(crate) fn of(&self, index: usize) -> Option<&ResidentServices> {
        self.residents.get(index)
    }
}
