//! The Fiks Plan v2 code lists (plan types, statuses, processing types, document types,
//! proposer types, law references), embedded from `data/` (see `data/README.md` for the
//! source), with the SOSI plan types 34 and 35 added and the old processing codes 11.1/11.2
//! read as 24/25.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// One entry of a code list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    /// The code (`kodeverdi`), e.g. `"24"`.
    pub code: String,
    /// The Norwegian description (`kodebeskrivelse`).
    pub description: String,
}

/// The code lists the plan model uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeList {
    /// Plantyper (`plan_type`).
    PlanType,
    /// Planstatuser (`status`).
    PlanStatus,
    /// Behandlingstyper (`event_type` of a processing event).
    ProcessingType,
    /// Dokumenttyper (`doc_type` of a document).
    DocumentType,
    /// Forslagsstillertyper (`proposer_type`: 1 offentlig, 2 privat).
    ProposerType,
    /// Lovreferanser (`law_reference`).
    LawReference,
}

impl CodeList {
    /// Every list.
    pub const ALL: [CodeList; 6] = [
        CodeList::PlanType,
        CodeList::PlanStatus,
        CodeList::ProcessingType,
        CodeList::DocumentType,
        CodeList::ProposerType,
        CodeList::LawReference,
    ];

    /// The list's Fiks name, e.g. `"plantyper"`.
    pub fn name(self) -> &'static str {
        match self {
            CodeList::PlanType => "plantyper",
            CodeList::PlanStatus => "planstatuser",
            CodeList::ProcessingType => "behandlingstyper",
            CodeList::DocumentType => "dokumenttyper",
            CodeList::ProposerType => "forslagsstillertyper",
            CodeList::LawReference => "lovreferanser",
        }
    }

    fn source(self) -> &'static str {
        match self {
            CodeList::PlanType => include_str!("../data/plantyper.json"),
            CodeList::PlanStatus => include_str!("../data/planstatuser.json"),
            CodeList::ProcessingType => include_str!("../data/behandlingstyper.json"),
            CodeList::DocumentType => include_str!("../data/dokumenttyper.json"),
            CodeList::ProposerType => include_str!("../data/forslagsstillertyper.json"),
            CodeList::LawReference => include_str!("../data/lovreferanser.json"),
        }
    }

    fn index(self) -> usize {
        match self {
            CodeList::PlanType => 0,
            CodeList::PlanStatus => 1,
            CodeList::ProcessingType => 2,
            CodeList::DocumentType => 3,
            CodeList::ProposerType => 4,
            CodeList::LawReference => 5,
        }
    }
}

/// Plan types of the SOSI code list `RpPlantype` that Fiks messages use but the Fiks
/// plantyper list lacks (plans under PBL 2008).
const SOSI_PLAN_TYPES: [(&str, &str); 2] = [("34", "Områderegulering"), ("35", "Detaljregulering")];

#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
struct FileList {
    kodeliste: Vec<FileEntry>,
}

#[derive(Deserialize)]
struct FileEntry {
    kodeverdi: &'static str,
    kodebeskrivelse: &'static str,
}

type Entries = Vec<(&'static str, &'static str)>;

fn load(list: CodeList) -> Entries {
    // The files are compiled in and checked by the tests, so this cannot fail at run time.
    let file: FileList =
        serde_json::from_str(list.source()).expect("the embedded code lists are valid JSON");
    let mut entries: Entries = file
        .kodeliste
        .into_iter()
        .map(|e| (e.kodeverdi, e.kodebeskrivelse))
        .collect();
    if list == CodeList::PlanType {
        entries.extend(SOSI_PLAN_TYPES);
    }
    entries
}

/// Every `(code, description)` of the list, in the list's order.
pub fn all(list: CodeList) -> &'static [(&'static str, &'static str)] {
    static LISTS: OnceLock<[Entries; 6]> = OnceLock::new();
    let lists = LISTS.get_or_init(|| CodeList::ALL.map(load));
    &lists[list.index()]
}

/// The list as [`Code`]s (for an API that shows the lists).
pub fn codes(list: CodeList) -> Vec<Code> {
    all(list)
        .iter()
        .map(|(code, description)| Code {
            code: (*code).to_owned(),
            description: (*description).to_owned(),
        })
        .collect()
}

/// The Norwegian description of `code` in `list`; `None` for a code not in it. Processing
/// codes are normalised first (`"11.1"` is described as `"24"`).
pub fn describe(list: CodeList, code: &str) -> Option<&'static str> {
    let code = match list {
        CodeList::ProcessingType => normalise_processing_type(code),
        _ => code,
    };
    all(list)
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, description)| *description)
}

/// Whether `code` is in `list` (after [`normalise_processing_type`] for processing codes).
pub fn contains(list: CodeList, code: &str) -> bool {
    describe(list, code).is_some()
}

/// Old processing codes to today's: `"11.1"` -> `"24"` (Kunngjøring av offentlig ettersyn),
/// `"11.2"` -> `"25"` (Høringsfrist utgått); others unchanged.
pub fn normalise_processing_type(code: &str) -> &str {
    match code {
        "11.1" => "24",
        "11.2" => "25",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_loads_with_codes_and_descriptions() {
        for list in CodeList::ALL {
            let entries = all(list);
            assert!(!entries.is_empty(), "{list:?}");
            for (code, description) in entries {
                assert!(!code.is_empty() && !description.is_empty(), "{list:?}");
            }
        }
        assert_eq!(all(CodeList::ProcessingType).len(), 22);
        assert_eq!(all(CodeList::DocumentType).len(), 20);
    }

    #[test]
    fn descriptions_are_norwegian_text() {
        assert_eq!(
            describe(CodeList::ProcessingType, "24"),
            Some("Kunngjøring av offentlig ettersyn")
        );
        assert_eq!(
            describe(CodeList::PlanStatus, "3"),
            Some("Endelig vedtatt arealplan")
        );
        assert_eq!(describe(CodeList::LawReference, "6"), Some("PBL 2008"));
        assert_eq!(
            describe(CodeList::DocumentType, "ROS-ANALYSE"),
            Some("Ros-Analyse")
        );
        assert_eq!(describe(CodeList::ProposerType, "2"), Some("privat"));
        assert_eq!(describe(CodeList::PlanStatus, "7"), None);
    }

    #[test]
    fn sosi_plan_types_are_accepted() {
        assert_eq!(describe(CodeList::PlanType, "34"), Some("Områderegulering"));
        assert_eq!(describe(CodeList::PlanType, "35"), Some("Detaljregulering"));
        assert_eq!(describe(CodeList::PlanType, "30"), Some("Reguleringsplan"));
        assert_eq!(describe(CodeList::PlanType, "1"), None);
    }

    #[test]
    fn old_processing_codes_are_read_as_todays() {
        assert_eq!(normalise_processing_type("11.1"), "24");
        assert_eq!(normalise_processing_type("11.2"), "25");
        assert_eq!(normalise_processing_type("11"), "11");
        assert_eq!(
            describe(CodeList::ProcessingType, "11.2"),
            Some("Høringsfrist utgått")
        );
        assert!(contains(CodeList::ProcessingType, "11.1"));
        assert!(!contains(CodeList::DocumentType, "11.1"));
    }

    #[test]
    fn codes_serialize_as_code_and_description() {
        let v = serde_json::to_value(codes(CodeList::ProposerType)).expect("serializes");
        assert_eq!(
            v,
            serde_json::json!([
                {"code": "1", "description": "offentlig"},
                {"code": "2", "description": "privat"}
            ])
        );
    }
}
