//! The five simulated legacy systems, each an [`Adapter`] with its own id, name, categories and
//! legal basis, all reading the same generated municipality through a [`Simulation`] of
//! latency, failures and capacity.

mod fields;
mod folkeregister;
mod invoices;
mod property;
mod schools;

use std::sync::Arc;

use async_trait::async_trait;
use minside_adapter::{
    Adapter, AdapterError, Category, CategoryInfo, FetchContext, Kommunenummer, PopulationEvent,
    PopulationSnapshot, PopulationSource, Record, Sensitivity, Subject, Timestamp,
};
use minside_core::lifephase::today_in_oslo;

pub(crate) use self::fields::{Factory, SITE, amount, date, flag, int, slug, status, text};
use crate::sim::{CallFor, Simulation};
use crate::{DemoMunicipality, DemoSettings, SimulatedSystem, SystemControl, SystemStats};

/// Which legacy system a [`DemoSystem`] simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemoSystemKind {
    /// The population register: person, address, household, parental responsibility.
    Folkeregister,
    Kindergarten,
    /// School and SFO.
    School,
    /// Property, property tax, waste collection and building cases.
    Property,
    Invoices,
}

/// (system, category id, title nb, title en, legal basis)
const CATEGORIES: &[(DemoSystemKind, &str, &str, &str, &str)] = &[
    (
        DemoSystemKind::Folkeregister,
        "person",
        "Folkeregisteret",
        "Population register",
        "folkeregisterloven § 10-2",
    ),
    (
        DemoSystemKind::Kindergarten,
        "kindergarten",
        "Barnehage",
        "Kindergarten",
        "barnehageloven §§ 16–19",
    ),
    (
        DemoSystemKind::School,
        "school",
        "Skole og SFO",
        "School and after-school care",
        "opplæringslova §§ 2-1 og 4-5",
    ),
    (
        DemoSystemKind::Property,
        "property",
        "Eiendom og eiendomsskatt",
        "Property and property tax",
        "eigedomsskattelova §§ 13–15",
    ),
    (
        DemoSystemKind::Property,
        "waste",
        "Tømmekalender",
        "Waste collection",
        "forurensningsloven §§ 30 og 34",
    ),
    (
        DemoSystemKind::Property,
        "building-cases",
        "Byggesaker",
        "Building applications",
        "plan- og bygningsloven § 21-4",
    ),
    (
        DemoSystemKind::Invoices,
        "invoices",
        "Fakturaer",
        "Invoices",
        "kommuneloven § 14-1 og forskrift om foreldrebetaling i barnehager",
    ),
];

impl DemoSystemKind {
    pub const ALL: [Self; 5] = [
        Self::Folkeregister,
        Self::Kindergarten,
        Self::School,
        Self::Property,
        Self::Invoices,
    ];

    /// The adapter id, e.g. `"demo-kindergarten"`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Folkeregister => "demo-folkeregister",
            Self::Kindergarten => "demo-kindergarten",
            Self::School => "demo-school",
            Self::Property => "demo-property",
            Self::Invoices => "demo-invoices",
        }
    }

    /// The system's name as residents see it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Folkeregister => "Folkeregisteret (demo)",
            Self::Kindergarten => "Barnehagesystemet (demo)",
            Self::School => "Skolesystemet (demo)",
            Self::Property => "Eiendom, renovasjon og byggesak (demo)",
            Self::Invoices => "Fakturasystemet (demo)",
        }
    }

    pub fn categories(self) -> Vec<CategoryInfo> {
        CATEGORIES
            .iter()
            .filter(|c| c.0 == self)
            .map(|&(_, id, title_nb, title_en, legal_basis)| CategoryInfo {
                id: category(id),
                title_nb: title_nb.into(),
                title_en: title_en.into(),
                legal_basis: legal_basis.into(),
                sensitivity: Sensitivity::Normal,
            })
            .collect()
    }
}

fn category(id: &str) -> Category {
    Category::parse(id).expect("the demo category ids are valid")
}

/// One simulated legacy system over the shared municipality.
#[derive(Debug)]
pub struct DemoSystem {
    kind: DemoSystemKind,
    municipality: Arc<DemoMunicipality>,
    sim: Simulation,
}

impl DemoSystem {
    /// `seed` seeds the system's latency and failure draws.
    pub fn new(
        kind: DemoSystemKind,
        municipality: Arc<DemoMunicipality>,
        settings: &SimulatedSystem,
        seed: u64,
    ) -> Self {
        let sim = Simulation::new(settings, seed ^ (kind as u64 + 1).wrapping_mul(0x9E37_79B9));
        Self {
            kind,
            municipality,
            sim,
        }
    }

    pub fn kind(&self) -> DemoSystemKind {
        self.kind
    }

    /// The switches (outage, hang, error rate) and counters, to hold on to.
    pub fn control(&self) -> Arc<SystemControl> {
        Arc::clone(self.sim.control())
    }

    pub fn stats(&self) -> SystemStats {
        self.sim.control().stats()
    }

    pub fn municipality(&self) -> &Arc<DemoMunicipality> {
        &self.municipality
    }

    fn records(&self, index: usize, now: Timestamp) -> Vec<Record> {
        let f = Factory {
            kind: self.kind,
            now,
            today: today_in_oslo(now),
        };
        let m = &self.municipality;
        match self.kind {
            DemoSystemKind::Folkeregister => folkeregister::records(m, index, &f),
            DemoSystemKind::Kindergarten => schools::kindergarten(m, index, &f),
            DemoSystemKind::School => schools::school(m, index, &f),
            DemoSystemKind::Property => property::records(m, index, &f),
            DemoSystemKind::Invoices => invoices::records(m, index, &f),
        }
    }

    fn tenant_ok(&self, tenant: &Kommunenummer) -> bool {
        *tenant == self.municipality.kommunenummer()
    }
}

#[async_trait]
impl Adapter for DemoSystem {
    fn id(&self) -> &str {
        self.kind.id()
    }

    fn name(&self) -> &str {
        self.kind.name()
    }

    fn categories(&self) -> Vec<CategoryInfo> {
        self.kind.categories()
    }

    /// The subject's records in `categories` (all of the system's when empty). An identity
    /// number the municipality does not know is [`AdapterError::NotFound`]; a known resident
    /// without data in this system gets `Ok(vec![])`.
    async fn fetch(
        &self,
        subject: &Subject,
        categories: &[Category],
        _ctx: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError> {
        let index = if self.tenant_ok(&subject.kommunenummer) {
            self.municipality.index_of(&subject.pid)
        } else {
            None
        };
        self.sim
            .call(CallFor::from_index(index), || {
                let index = index.ok_or(AdapterError::NotFound)?;
                let mut records = self.records(index, Timestamp::now());
                if !categories.is_empty() {
                    records.retain(|r| categories.contains(&r.category));
                }
                Ok(records)
            })
            .await
    }

    fn population(&self) -> Option<&dyn PopulationSource> {
        (self.kind == DemoSystemKind::Folkeregister).then_some(self as &dyn PopulationSource)
    }
}

#[async_trait]
impl PopulationSource for DemoSystem {
    async fn snapshot(&self, tenant: &Kommunenummer) -> Result<PopulationSnapshot, AdapterError> {
        let ok = self.tenant_ok(tenant) && self.kind == DemoSystemKind::Folkeregister;
        self.sim
            .call(CallFor::None, || {
                ok.then(|| self.municipality.snapshot())
                    .ok_or(AdapterError::NotFound)
            })
            .await
    }

    async fn changes(
        &self,
        tenant: &Kommunenummer,
        after: u64,
        limit: u32,
    ) -> Result<Vec<PopulationEvent>, AdapterError> {
        let ok = self.tenant_ok(tenant) && self.kind == DemoSystemKind::Folkeregister;
        self.sim
            .call(CallFor::None, || {
                ok.then(|| self.municipality.changes(after, limit))
                    .ok_or(AdapterError::NotFound)
            })
            .await
    }
}

/// The five systems over one municipality.
#[derive(Debug, Clone)]
pub struct DemoSystems {
    pub folkeregister: Arc<DemoSystem>,
    pub kindergarten: Arc<DemoSystem>,
    pub school: Arc<DemoSystem>,
    pub property: Arc<DemoSystem>,
    pub invoices: Arc<DemoSystem>,
}

impl DemoSystems {
    pub fn new(municipality: Arc<DemoMunicipality>, settings: &DemoSettings) -> Self {
        let system = |kind, s: &SimulatedSystem| {
            Arc::new(DemoSystem::new(
                kind,
                Arc::clone(&municipality),
                s,
                settings.seed,
            ))
        };
        Self {
            folkeregister: system(DemoSystemKind::Folkeregister, &settings.folkeregister),
            kindergarten: system(DemoSystemKind::Kindergarten, &settings.kindergarten),
            school: system(DemoSystemKind::School, &settings.school),
            property: system(DemoSystemKind::Property, &settings.property),
            invoices: system(DemoSystemKind::Invoices, &settings.invoices),
        }
    }

    /// The five systems in [`DemoSystemKind::ALL`] order.
    pub fn all(&self) -> [&Arc<DemoSystem>; 5] {
        [
            &self.folkeregister,
            &self.kindergarten,
            &self.school,
            &self.property,
            &self.invoices,
        ]
    }

    pub fn get(&self, kind: DemoSystemKind) -> &Arc<DemoSystem> {
        match kind {
            DemoSystemKind::Folkeregister => &self.folkeregister,
            DemoSystemKind::Kindergarten => &self.kindergarten,
            DemoSystemKind::School => &self.school,
            DemoSystemKind::Property => &self.property,
            DemoSystemKind::Invoices => &self.invoices,
        }
    }

    pub fn adapters(&self) -> Vec<Arc<dyn Adapter>> {
        self.all()
            .into_iter()
            .map(|s| Arc::clone(s) as Arc<dyn Adapter>)
            .collect()
    }
}
