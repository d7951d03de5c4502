//! Reading Fiks Plan v2 JSON (with or without a UTF-8 BOM) into the plan model, with a JSON
//! pointer for every problem.

use jiff::civil::Date;
use serde_json::{Map, Value, json};

use super::{FiksMessage, PlanPatch, PlanRef};
use crate::codes::{self, CodeList};
use crate::geometry;
use crate::model::{CaseNumber, Document, FieldError, ProcessingEvent};

#[derive(Default)]
struct Reader {
    errors: Vec<FieldError>,
}

type Object = Map<String, Value>;

impl Reader {
    fn fail(&mut self, at: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(at, message));
    }

    fn object<'a>(&mut self, v: &'a Value, at: &str) -> Option<&'a Object> {
        let o = v.as_object();
        if o.is_none() {
            self.fail(at, "expected an object");
        }
        o
    }

    /// A text member; `None` (and an error when `required`) when absent or not text.
    fn text(&mut self, o: &Object, key: &str, at: &str, required: bool) -> Option<String> {
        match o.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            None | Some(Value::Null) if !required => None,
            Some(Value::String(_)) if !required => None,
            _ => {
                self.fail(&format!("{at}/{key}"), "expected a non-empty text");
                None
            }
        }
    }

    /// A code member: `{"kodeverdi": "24", "kodebeskrivelse": ...}`, or the code alone.
    fn code(&mut self, o: &Object, key: &str, at: &str, required: bool) -> Option<String> {
        let found = match o.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(c)) => match c.get("kodeverdi") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => {
                    self.fail(&format!("{at}/{key}/kodeverdi"), "expected a code");
                    return None;
                }
            },
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                self.fail(
                    &format!("{at}/{key}"),
                    "expected a code object with kodeverdi",
                );
                return None;
            }
        };
        if found.is_none() && required {
            self.fail(&format!("{at}/{key}"), "missing");
        }
        found
    }

    fn integer(&mut self, o: &Object, key: &str, at: &str) -> Option<i64> {
        let n = match o.get(key) {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        if n.is_none() {
            self.fail(&format!("{at}/{key}"), "expected a whole number");
        }
        n
    }

    fn date(&mut self, o: &Object, key: &str, at: &str) -> Option<Date> {
        let text = self.text(o, key, at, true)?;
        // A date, or a date-time whose date part counts.
        match text.get(..10).and_then(|d| d.parse::<Date>().ok()) {
            Some(d) if text.len() == 10 || text.as_bytes().get(10) == Some(&b'T') => Some(d),
            _ => {
                self.fail(&format!("{at}/{key}"), "expected a date (YYYY-MM-DD)");
                None
            }
        }
    }

    fn case_number(&mut self, o: &Object, at: &str) -> Option<CaseNumber> {
        let v = o.get("saksnummer").filter(|v| !v.is_null())?;
        let at = format!("{at}/saksnummer");
        let s = self.object(v, &at)?;
        let year = self.integer(s, "saksaar", &at);
        let sequence = self.integer(s, "sakssekvensnummer", &at);
        let year = year.and_then(|y| match i32::try_from(y) {
            Ok(y) => Some(y),
            Err(_) => {
                self.fail(&format!("{at}/saksaar"), "not a year");
                None
            }
        });
        Some(CaseNumber {
            year: year?,
            sequence: sequence?,
        })
    }

    fn plan_ref(&mut self, v: &Value, at: &str) -> Option<PlanRef> {
        let o = self.object(v, at)?;
        let unit_at = format!("{at}/administrativEnhet");
        let kommunenummer = match o.get("administrativEnhet") {
            Some(Value::Object(unit)) => match (unit.get("kommunenummer"), unit.get("nummer")) {
                (Some(Value::String(k)), _) => Some(k.trim().to_owned()),
                (Some(Value::Number(k)), _) => Some(format!("{:0>4}", k.to_string())),
                // The schema's other form: {"type": "kommunenummer", "nummer": "0821"}.
                (None, Some(Value::String(k)))
                    if unit.get("type").and_then(Value::as_str) == Some("kommunenummer") =>
                {
                    Some(k.trim().to_owned())
                }
                _ => None,
            },
            _ => None,
        };
        if kommunenummer.is_none() {
            self.fail(&format!("{unit_at}/kommunenummer"), "missing");
        }
        let plan_id = self.text(o, "planidentifikasjon", at, true);
        Some(PlanRef {
            kommunenummer: kommunenummer?,
            plan_id: plan_id?,
        })
    }

    fn document(&mut self, v: &Value, at: &str) -> Option<Document> {
        let o = self.object(v, at)?;
        let title = self.text(o, "tittel", at, true);
        let doc_type = self.code(o, "dokumenttype", at, true);
        let file_name = self
            .text(o, "filnavn", at, false)
            .or_else(|| self.text(o, "referanseDokumentfil", at, false));
        let url = self.text(o, "url", at, false);
        let archive_name = self.text(o, "arkivnavn", at, false);
        Some(Document {
            doc_type: doc_type?,
            title: title?,
            url,
            file_name,
            archive_name,
        })
    }

    /// Documents under any of `keys` of `o` (the samples say `plandokument`, the schema
    /// `plandokumenter`).
    fn documents(&mut self, o: &Object, keys: &[&str], at: &str) -> Vec<Document> {
        let mut out = Vec::new();
        for key in keys {
            match o.get(*key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, d) in items.iter().enumerate() {
                        out.extend(self.document(d, &format!("{at}/{key}/{i}")));
                    }
                }
                Some(_) => self.fail(&format!("{at}/{key}"), "expected an array of documents"),
            }
        }
        out
    }

    fn position(&mut self, v: &Value, at: &str) -> Option<Value> {
        let point = match v.get("koordinater") {
            // The schema's own form: koordinater + koordinatsystem.kodeverdi.
            Some(coordinates) => {
                let system = v
                    .get("koordinatsystem")
                    .and_then(|s| s.get("kodeverdi").or(Some(s)))
                    .and_then(|c| match c {
                        Value::String(s) => Some(s.trim().to_owned()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .map(|c| crs_name(&c));
                let mut point = json!({"type": "Point", "coordinates": coordinates});
                if let Some(name) = system {
                    point["crs"] = json!({"type": "name", "properties": {"name": name}});
                }
                point
            }
            None => v.clone(),
        };
        match geometry::point_to_wgs84(&point) {
            Ok(p) => Some(p),
            Err(e) => {
                let pointer = if v.get("koordinater").is_some() {
                    e.pointer
                        .replacen("/coordinates", "/koordinater", 1)
                        .replacen("/crs", "/koordinatsystem", 1)
                } else {
                    e.pointer
                };
                self.fail(&format!("{at}{pointer}"), e.message);
                None
            }
        }
    }

    fn event(&mut self, v: &Value, at: &str) -> Option<ProcessingEvent> {
        let o = self.object(v, at)?;
        let event_type = self.code(o, "planbehandlingtype", at, true);
        let date = self.date(o, "dato", at);
        let name = self.text(o, "navn", at, false);
        let case_number = self.case_number(o, at);
        let position = match o.get("posisjon") {
            None | Some(Value::Null) => None,
            Some(p) => self.position(p, &format!("{at}/posisjon")),
        };
        Some(ProcessingEvent {
            event_type: codes::normalise_processing_type(&event_type?).to_owned(),
            date: date?,
            name,
            case_number,
            position,
        })
    }

    fn events(&mut self, o: &Object, at: &str) -> (Vec<ProcessingEvent>, Vec<Document>) {
        let mut events = Vec::new();
        let mut documents = Vec::new();
        match o.get("planbehandlinger") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, e) in items.iter().enumerate() {
                    let at = format!("{at}/planbehandlinger/{i}");
                    events.extend(self.event(e, &at));
                    if let Some(e) = e.as_object() {
                        documents.extend(self.documents(
                            e,
                            &["plandokumenter", "plandokument"],
                            &at,
                        ));
                    }
                }
            }
            Some(_) => self.fail(&format!("{at}/planbehandlinger"), "expected an array"),
        }
        (events, documents)
    }

    /// The fields of an arealplan (or of OppdaterArealplan, which has them at the top).
    fn patch(&mut self, o: &Object, at: &str) -> PlanPatch {
        let proposer = self
            .code(o, "forslagstillerType", at, false)
            .or_else(|| self.code(o, "forslagsstillerType", at, false))
            .map(|p| {
                codes::describe(CodeList::ProposerType, &p)
                    .map_or_else(|| p.to_lowercase(), str::to_owned)
            });
        PlanPatch {
            name: self.text(o, "plannavn", at, false),
            plan_type: self.code(o, "plantype", at, false),
            status: self.code(o, "planstatus", at, false),
            law_reference: self.code(o, "lovreferanse", at, false),
            proposer_type: proposer,
            case_number: self.case_number(o, at),
            description: self.text(o, "beskrivelse", at, false),
            area: None,
            documents: self.documents(o, &["plandokumenter", "plandokument"], at),
        }
    }

    fn arealplan(&mut self, v: &Value, at: &str) -> Option<(PlanRef, PlanPatch)> {
        let o = self.object(v, at)?;
        self.arealplan_fields(o, at)
    }

    /// The plan of `o`'s `arealplanId` (OppdaterArealplan) or `nasjonalArealplanId`.
    fn plan_of(&mut self, o: &Object, at: &str) -> Option<PlanRef> {
        let key = if o.contains_key("arealplanId") {
            "arealplanId"
        } else {
            "nasjonalArealplanId"
        };
        match o.get(key) {
            Some(id) => self.plan_ref(id, &format!("{at}/{key}")),
            None => {
                self.fail(&format!("{at}/{key}"), "missing");
                None
            }
        }
    }

    fn arealplan_fields(&mut self, o: &Object, at: &str) -> Option<(PlanRef, PlanPatch)> {
        let plan = self.plan_of(o, at);
        let patch = self.patch(o, at);
        Some((plan?, patch))
    }

    fn message(&mut self, top: &Object) -> Option<FiksMessage> {
        if let Some(behandling) = top.get("planbehandling") {
            let plan = self.plan_of(top, "");
            let event = self.event(behandling, "/planbehandling");
            let mut documents = self.documents(top, &["plandokument", "plandokumenter"], "");
            if let Some(b) = behandling.as_object() {
                documents.extend(self.documents(
                    b,
                    &["plandokumenter", "plandokument"],
                    "/planbehandling",
                ));
            }
            return Some(FiksMessage::Processing {
                plan: plan?,
                event: event?,
                documents,
            });
        }
        if top.contains_key("arealplanId") || top.contains_key("nasjonalArealplanId") {
            let (plan, patch) = self.arealplan_fields(top, "")?;
            return Some(FiksMessage::UpdatePlan { plan, patch });
        }
        if let Some(arealplan) = top.get("arealplan") {
            let found = self.arealplan(arealplan, "/arealplan");
            let (events, documents) = self.events(top, "");
            let (plan, mut patch) = found?;
            patch.documents.extend(documents);
            return Some(FiksMessage::Plans {
                plans: vec![(plan, patch, events)],
            });
        }
        for key in ["plan", "arealplaner"] {
            if let Some(list) = top.get(key) {
                let Some(items) = list.as_array() else {
                    self.fail(&format!("/{key}"), "expected an array of plans");
                    return None;
                };
                let plans: Vec<_> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        let at = format!("/{key}/{i}");
                        let (plan, mut patch) = self.arealplan(p, &at)?;
                        let (events, documents) = p
                            .as_object()
                            .map(|o| self.events(o, &at))
                            .unwrap_or_default();
                        patch.documents.extend(documents);
                        Some((plan, patch, events))
                    })
                    .collect();
                return Some(FiksMessage::Plans { plans });
            }
        }
        if top.contains_key("planbehandlinger") {
            self.fail(
                "/arealplan",
                "a ResultatPlanbehandling without arealplan does not say which plan its \
                 events belong to",
            );
        } else {
            self.fail(
                "",
                "not a known Fiks Plan v2 message (expected planbehandling, arealplanId, \
                 nasjonalArealplanId, arealplan, plan or arealplaner)",
            );
        }
        None
    }
}

/// A koordinatsystem code as a CRS name: SOSI codes 22/23/25 (EUREF89 UTM 32/33/35) and 84
/// (EUREF89 geographic), a bare EPSG number, or the name itself.
fn crs_name(code: &str) -> String {
    match code {
        "22" => "EPSG:25832".to_owned(),
        "23" => "EPSG:25833".to_owned(),
        "25" => "EPSG:25835".to_owned(),
        "84" => "EPSG:4326".to_owned(),
        c if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) => format!("EPSG:{c}"),
        c => c.to_owned(),
    }
}

fn top_object(bytes: &[u8]) -> Result<Object, Vec<FieldError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(vec![FieldError::new("", "expected a JSON object")]),
        Err(e) => Err(vec![FieldError::new("", format!("not valid JSON: {e}"))]),
    }
}

/// Reads a Fiks Plan v2 message (a UTF-8 BOM is skipped), recognised by its keys; every
/// problem is reported with its JSON pointer. Codes are kept as given (checked later by
/// [`validate_plan`](crate::validate_plan)), except that processing types 11.1/11.2 become
/// 24/25; event positions are converted to EPSG:4326.
pub fn parse_message(bytes: &[u8]) -> Result<FiksMessage, Vec<FieldError>> {
    let top = top_object(bytes)?;
    let mut reader = Reader::default();
    let message = reader.message(&top);
    match message {
        Some(m) if reader.errors.is_empty() => Ok(m),
        _ => Err(reader.errors),
    }
}

/// Reads the `planbehandlinger` of a ResultatPlanbehandling, which may come without the
/// arealplan they belong to (the caller knows which plan it asked for).
pub fn parse_events(bytes: &[u8]) -> Result<Vec<ProcessingEvent>, Vec<FieldError>> {
    let top = top_object(bytes)?;
    let mut reader = Reader::default();
    if !top.contains_key("planbehandlinger") {
        reader.fail("/planbehandlinger", "missing");
    }
    let (events, _) = reader.events(&top, "");
    if reader.errors.is_empty() {
        Ok(events)
    } else {
        Err(reader.errors)
    }
}
