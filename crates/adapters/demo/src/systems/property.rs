//! `demo-property`: the properties the subject owns (gnr/bnr, property tax, fees), their
//! building cases with milestones, and the waste collection calendar of the subject's address.

use jiff::civil::Date;
use minside_adapter::Record;

use super::{Factory, SITE, amount, date, int, status, text};
use crate::DemoMunicipality;
use crate::dates::{add_days, days_between, weekday_name};
use crate::municipality::model::{BuildingCase, Property, WasteRoute};

pub(crate) fn records(m: &DemoMunicipality, index: usize, f: &Factory) -> Vec<Record> {
    let mut out = Vec::new();
    if let Some(s) = m.services.of(index) {
        for &p in &s.properties {
            let property = &m.services.properties[p];
            out.push(property_record(property, index, f));
            for case in &property.cases {
                out.push(case_record(property, case, f));
            }
        }
    }
    let register = m.register();
    let pop = &register.pop;
    if pop.is_resident(index)
        && let Some(h) = pop.meta[index].household
    {
        let household = &pop.households[h];
        out.extend(waste(&household.address.street, h, household.waste, f));
    }
    out
}

fn matrikkel(p: &Property) -> String {
    match p.snr {
        Some(snr) => format!("{}-{}-0-{snr}", p.gnr, p.bnr),
        None => format!("{}-{}", p.gnr, p.bnr),
    }
}

fn property_record(p: &Property, owner: usize, f: &Factory) -> Record {
    let share = format!(
        "{}/{}",
        u8::from(p.owners.contains(&owner)),
        p.owners.len().max(1)
    );
    let mut fields = vec![
        text(
            "address",
            "Adresse",
            format!("{}, {} {}", p.address, p.postcode, p.city),
        ),
        int("gnr", "Gårdsnummer", p.gnr),
        int("bnr", "Bruksnummer", p.bnr),
    ];
    if let Some(snr) = p.snr {
        fields.push(int("snr", "Seksjonsnummer", snr));
    }
    fields.extend([
        text("property_type", "Type eiendom", p.kind.label()),
        text("ownership_share", "Eierandel", share),
        amount("tax_base", "Eiendomsskattegrunnlag", p.tax_base),
        amount("property_tax", "Eiendomsskatt per år", p.annual_tax),
        amount("municipal_fees", "Kommunale avgifter per år", p.annual_fees),
    ]);
    f.record(
        "property",
        format!("eiendom-{}", matrikkel(p)),
        format!("{} (gnr. {}, bnr. {})", p.address, p.gnr, p.bnr),
        fields,
        Some(format!(
            "{SITE}/eiendomsskatt/?eiendom=3203-{}",
            matrikkel(p)
        )),
    )
}

fn case_record(p: &Property, case: &BuildingCase, f: &Factory) -> Record {
    let (code, label) = match (case.completion_certificate, case.decision, case.complete) {
        (Some(_), _, _) => ("ferdigattest", "Ferdigattest gitt"),
        (None, Some((_, true)), _) => ("innvilget", "Innvilget"),
        (None, Some((_, false)), _) => ("avslatt", "Avslått"),
        (None, None, Some(_)) => ("under_behandling", "Under behandling"),
        (None, None, None) => ("mottatt", "Mottatt"),
    };
    let mut fields = vec![
        text("saksnummer", "Saksnummer", &case.saksnummer),
        text("measure", "Tiltak", case.measure),
        text("address", "Adresse", &p.address),
        text("matrikkel", "Gnr./bnr.", format!("{}/{}", p.gnr, p.bnr)),
        status("status", "Status", code, label),
        date("received", "Mottatt", case.received),
    ];
    if let Some(complete) = case.complete {
        fields.push(date("complete", "Søknaden komplett", complete));
    }
    if let Some((decided, granted)) = case.decision {
        fields.push(date("decision", "Vedtak", decided));
        let (code, label) = if granted {
            ("innvilget", "Innvilget")
        } else {
            ("avslatt", "Avslått")
        };
        fields.push(status("decision_result", "Vedtaksresultat", code, label));
    }
    if let Some(certificate) = case.completion_certificate {
        fields.push(date("completion_certificate", "Ferdigattest", certificate));
    }
    f.record(
        "building-cases",
        format!("byggesak-{}", case.saksnummer.replace('/', "-")),
        format!("Byggesak {}: {}", case.saksnummer, case.measure),
        fields,
        Some(format!(
            "{SITE}/byggesak/innsyn/?saksnummer={}",
            case.saksnummer.replace('/', "-")
        )),
    )
}

/// Weeks are counted from Monday 1 January 2024.
const EPOCH: Date = jiff::civil::date(2024, 1, 1);

/// The first collection day on or after `from` for a fraction collected every `interval`
/// weeks in week `offset` of the cycle.
pub(crate) fn next_collection(route: WasteRoute, interval: u8, offset: u8, from: Date) -> Date {
    (0..i64::from(interval) * 7 + 7)
        .map(|d| add_days(from, d))
        .find(|&d| {
            let week = days_between(EPOCH, d).div_euclid(7);
            d.weekday() == route.weekday
                && week.rem_euclid(i64::from(interval)) == i64::from(offset)
        })
        .unwrap_or(from)
}

fn waste(street: &str, household: usize, route: WasteRoute, f: &Factory) -> Vec<Record> {
    let fractions = [
        (
            "restavfall",
            "Restavfall og matavfall",
            2,
            route.residual_week,
        ),
        ("papir", "Papp og papir", 4, route.paper_week),
        (
            "glass-metall",
            "Glass- og metallemballasje",
            8,
            route.glass_week,
        ),
    ];
    fractions
        .into_iter()
        .map(|(key, name, interval, offset)| {
            let next = next_collection(route, interval, offset, f.today);
            let after = add_days(next, 7 * i64::from(interval));
            f.record(
                "waste",
                format!("tomming-{household}-{key}"),
                format!("{name}: {street}"),
                vec![
                    text("fraction", "Avfallstype", name),
                    text("address", "Adresse", street),
                    text("weekday", "Tømmedag", weekday_name(next)),
                    int("interval_weeks", "Intervall (uker)", interval),
                    date("next_collection", "Neste tømming", next),
                    date("following_collection", "Tømming etter det", after),
                ],
                Some(format!("{SITE}/avfall-og-gjenvinning/tommekalender/")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Weekday, date};

    use super::*;

    #[test]
    fn collections_follow_the_weekday_and_the_cycle() {
        let route = WasteRoute {
            weekday: Weekday::Wednesday,
            residual_week: 1,
            paper_week: 2,
            glass_week: 7,
        };
        // Monday 23 November 2026 is in week 151 since Monday 1 January 2024 (151 % 2 == 1).
        let from = date(2026, 11, 23);
        assert_eq!(next_collection(route, 2, 1, from), date(2026, 11, 25));
        assert_eq!(next_collection(route, 2, 0, from), date(2026, 12, 2));
        for (interval, offset) in [(4, 2), (8, 7)] {
            let next = next_collection(route, interval, offset, from);
            assert_eq!(next.weekday(), Weekday::Wednesday);
            assert!(next >= from && days_between(from, next) < 7 * i64::from(interval));
            let week = days_between(EPOCH, next) / 7;
            assert_eq!(week % i64::from(interval), i64::from(offset));
        }
        // On the collection day itself, that day is the next collection.
        assert_eq!(
            next_collection(route, 2, 1, date(2026, 11, 25)),
            date(2026, 11, 25)
        );
    }
}
