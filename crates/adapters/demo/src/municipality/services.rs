//! The data of the municipal systems, derived from the population at generation: kindergarten
//! places and applications, school and SFO places, property tax, fees and building cases, and
//! the invoices that follow from them, with Fiks Innsyn-like payment statuses.

use jiff::civil::{Date, date};
use minside_core::lifephase::date_reaching_age;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::generate::{Builder, weighted};
use super::model::*;
use super::showcase;
use crate::data::places::AREAS;
use crate::dates::{MONTHS, add_days, days_between, next_on_or_after, school_year_start};

const DEPARTMENTS: &[&str] = &[
    "Blåbær",
    "Tyttebær",
    "Maurtua",
    "Ekornet",
    "Solsikke",
    "Bikuben",
    "Reven",
    "Måltrosten",
];
const MEASURES: &[&str] = &[
    "Tilbygg",
    "Påbygg",
    "Garasje",
    "Bruksendring",
    "Terrasse",
    "Fasadeendring",
    "Riving av uthus",
    "Tilbygg med kjeller",
    "Veranda",
    "Støttemur",
];

/// How a payer pays: how many of their most recent past-due invoices are still unpaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    Good,
    Late,
    Forgetful,
    Bad,
}

pub(crate) fn generate(b: &mut Builder) -> Services {
    let mut services = Services {
        residents: vec![ResidentServices::default(); b.pop.people.len()],
        properties: std::mem::take(&mut b.properties),
    };
    for (i, resident) in services.residents.iter_mut().enumerate() {
        places(b, i, resident);
    }
    let mut serial = 1000 + b.rng.random_range(0..500_u32);
    for (p, property) in services.properties.iter_mut().enumerate() {
        values(b, property, &mut serial);
        for &owner in &property.owners {
            services.residents[owner].properties.push(p);
        }
    }
    showcase::adjust(&mut services);
    invoices(b, &mut services);
    services
}

/// Kindergarten, school and SFO places of a child.
fn places(b: &mut Builder, i: usize, out: &mut ResidentServices) {
    let today = b.today;
    let Some(h) = b.pop.meta[i].household else {
        return;
    };
    let area = &AREAS[b.pop.households[h].area % AREAS.len()];
    let birth = b.pop.people[i].birth_date;
    let year_start = school_year_start(today);
    let grade = i32::from(year_start.year()) - i32::from(birth.year()) - 5;
    if (1..=10).contains(&grade) {
        let school = if grade <= 7 {
            area.primary_school
        } else {
            area.lower_secondary
        };
        out.school = Some(SchoolPlace {
            school,
            grade: u8::try_from(grade).unwrap_or(1),
            school_year: format!("{}/{}", year_start.year(), year_start.year() + 1),
        });
        if grade <= 4 && b.chance(80) {
            let kind = if b.chance(70) {
                SfoKind::Full
            } else {
                SfoKind::Part
            };
            let first_year = i32::from(year_start.year()) - (grade - 1);
            out.sfo = Some(SfoPlace {
                school,
                kind,
                start: date(i16::try_from(first_year).unwrap_or(2020), 8, 15),
            });
        }
        return;
    }
    if grade > 0 {
        return;
    }
    let first_birthday = date_reaching_age(birth, 1);
    let start = if (9..=11).contains(&first_birthday.month()) {
        first_birthday.first_of_month()
    } else {
        next_on_or_after(8, 15, add_days(first_birthday, -31))
    };
    let kindergarten = if b.chance(85) {
        area.kindergartens.choose(&mut b.rng).copied()
    } else {
        AREAS
            .choose(&mut b.rng)
            .and_then(|a| a.kindergartens.first().copied())
    }
    .unwrap_or("Trudvang barnehage");
    if start <= today && b.chance(93) || start > today && days_between(today, start) <= 60 {
        let status = if start <= today {
            PlaceStatus::Active
        } else {
            PlaceStatus::Accepted
        };
        let hours = [41, 33, 25][weighted(&mut b.rng, &[75, 15, 10])];
        out.kindergarten = Some(KindergartenPlace {
            kindergarten,
            department: DEPARTMENTS.choose(&mut b.rng).copied().unwrap_or("Maurtua"),
            start,
            hours_per_week: hours,
            status,
        });
    } else if start > today && b.chance(55) {
        let earliest = add_days(birth, 14);
        let submitted = add_days(today, -b.rng.random_range(0..=120_i64)).max(earliest);
        let second = area
            .kindergartens
            .iter()
            .copied()
            .find(|&k| k != kindergarten)
            .unwrap_or(area.kindergartens[0]);
        out.application = Some(KindergartenApplication {
            submitted: submitted.min(today),
            desired_start: start,
            first_choice: kindergarten,
            second_choice: second,
            status: if b.chance(70) {
                ApplicationStatus::Received
            } else {
                ApplicationStatus::InProgress
            },
            right_to_place: first_birthday <= date(start.year(), 11, 30),
        });
    }
}

/// Tax base, property tax, fees and perhaps a building case of a property.
fn values(b: &mut Builder, property: &mut Property, serial: &mut u32) {
    let (base, fees) = match property.kind {
        PropertyKind::Detached => (450..=950, 170..=230),
        PropertyKind::Terraced => (320..=580, 130..=170),
        PropertyKind::Flat => (240..=520, 85..=115),
    };
    // Ten thousands and hundreds of kroner, in øre.
    property.tax_base = i64::from(b.rng.random_range(base)) * 10_000 * 100;
    property.annual_fees = i64::from(b.rng.random_range(fees)) * 100 * 100;
    // Eiendomsskatt: 2 promille of 70 % of the base above a bunnfradrag of 2 MNOK.
    property.annual_tax = (property.tax_base * 7 / 10 - 200_000_000).max(0) * 2 / 1000;
    if b.chance(6) {
        let today = b.today;
        let received = add_days(today, -b.rng.random_range(10..=700_i64));
        let complete = Some(add_days(received, b.rng.random_range(3..=40)))
            .filter(|&d| d <= today && b.chance(90));
        let decision = complete
            .map(|c| add_days(c, b.rng.random_range(10..=84)))
            .filter(|&d| d <= today)
            .map(|d| (d, b.chance(92)));
        let completion_certificate = decision
            .filter(|&(_, granted)| granted)
            .map(|(d, _)| add_days(d, b.rng.random_range(120..=540)))
            .filter(|&d| d <= today && b.chance(75));
        *serial += b.rng.random_range(1..=40);
        property.cases.push(BuildingCase {
            saksnummer: format!("{}/{:05}", received.year(), serial),
            measure: MEASURES.choose(&mut b.rng).copied().unwrap_or("Tilbygg"),
            received,
            complete,
            decision,
            completion_certificate,
        });
    }
}

/// An invoice before its status is known.
struct Draft {
    kind: InvoiceKind,
    period: String,
    issued: Date,
    due: Date,
    amount: i64,
}

fn invoices(b: &mut Builder, services: &mut Services) {
    let today = b.today;
    let mut serial: u32 = 100_000;
    for payer in 0..services.residents.len() {
        let mut drafts = Vec::new();
        municipal_fees(b, services, payer, &mut drafts);
        monthly(b, services, payer, &mut drafts);
        drafts.retain(|d| d.issued <= today && days_between(d.issued, today) < 365);
        drafts.sort_by_key(|d| (d.issued, d.due));
        if drafts.is_empty() {
            continue;
        }
        let behaviour = showcase::behaviour(payer).unwrap_or_else(|| {
            [
                Behaviour::Good,
                Behaviour::Late,
                Behaviour::Forgetful,
                Behaviour::Bad,
            ][weighted(&mut b.rng, &[85, 9, 4, 2])]
        });
        let pays_early = !showcase::is_showcase(payer) && b.chance(25);
        let unpaid_past = match behaviour {
            Behaviour::Good => 0,
            Behaviour::Late => 1,
            Behaviour::Forgetful => 2,
            Behaviour::Bad => usize::MAX,
        };
        let mut past_due_seen = drafts.iter().filter(|d| d.due < today).count();
        let mut list = Vec::with_capacity(drafts.len());
        for d in drafts {
            serial += 1;
            let (mut status, mut paid) = (InvoiceStatus::Unpaid, None);
            if d.due < today {
                // Counted down from the oldest: the last `unpaid_past` past-due stay unpaid.
                if past_due_seen <= unpaid_past {
                    status = match days_between(d.due, today) {
                        ..=14 => InvoiceStatus::Overdue,
                        15..=100 => InvoiceStatus::Reminded,
                        _ => InvoiceStatus::DebtCollection,
                    };
                } else {
                    status = InvoiceStatus::Paid;
                    paid = Some(add_days(d.due, -b.rng.random_range(0..=10_i64)).max(d.issued));
                }
                past_due_seen -= 1;
            } else if pays_early {
                let on = add_days(d.issued, b.rng.random_range(1..=5_i64));
                if on <= today {
                    (status, paid) = (InvoiceStatus::Paid, Some(on));
                }
            }
            if !showcase::is_showcase(payer) && b.rng.random_range(0..1000) < 15 {
                (status, paid) = (InvoiceStatus::Credited, None);
            }
            let customer = 1_000_000 + payer;
            list.push(Invoice {
                number: format!("{}{serial:06}", d.issued.year()),
                kind: d.kind,
                period: d.period,
                issued: d.issued,
                due: d.due,
                amount: d.amount,
                kid: with_luhn(&format!("{customer:07}{serial:06}")),
                status,
                paid,
            });
        }
        services.residents[payer].invoices = list;
    }
}

/// Quarterly kommunale avgifter and eiendomsskatt, and building case fees, for the first owner.
fn municipal_fees(b: &mut Builder, services: &Services, payer: usize, out: &mut Vec<Draft>) {
    let today = b.today;
    for &p in &services.residents[payer].properties {
        let property = &services.properties[p];
        if property.owners.first() != Some(&payer) {
            continue;
        }
        for year in [today.year() - 1, today.year()] {
            for (term, month) in [(1, 2), (2, 5), (3, 8), (4, 11)] {
                let due = date(year, month, 20);
                out.push(Draft {
                    kind: InvoiceKind::MunicipalFees,
                    period: format!("{term}. termin {year}"),
                    issued: add_days(due, -21),
                    due,
                    amount: (property.annual_fees + property.annual_tax) / 4 / 100 * 100,
                });
            }
        }
        for case in &property.cases {
            if let Some((decided, _)) = case.decision {
                let issued = add_days(decided, 27);
                out.push(Draft {
                    kind: InvoiceKind::BuildingFee,
                    period: format!("Byggesak {}", case.saksnummer),
                    issued,
                    due: add_days(issued, 28),
                    amount: i64::from(b.rng.random_range(120..=380)) * 100 * 100,
                });
            }
        }
    }
}

/// Monthly kindergarten and SFO invoices for the children whose first guardian is the payer.
fn monthly(b: &Builder, services: &Services, payer: usize, out: &mut Vec<Draft>) {
    let today = b.today;
    let payer_pid = &b.pop.people[payer].pid;
    for &child in b.pop.households[b.pop.meta[payer].household.unwrap_or(0)]
        .members
        .iter()
        .filter(|&&c| b.pop.people[c].guardians.first() == Some(payer_pid))
    {
        let Some(s) = services.of(child) else {
            continue;
        };
        let place = s.kindergarten.as_ref().map(|k| {
            (
                InvoiceKind::Kindergarten,
                k.start,
                i64::from(k.hours_per_week) * 2_927,
            )
        });
        let sfo = s.sfo.as_ref().map(|f| {
            let amount = if f.kind == SfoKind::Full {
                295_000
            } else {
                189_000
            };
            (InvoiceKind::Sfo, f.start, amount)
        });
        for (kind, start, amount) in place.into_iter().chain(sfo) {
            for back in 0..6_i16 {
                let months = i32::from(today.year()) * 12 + i32::from(today.month()) - 1;
                let m = months - i32::from(back);
                let (year, month) = (i16::try_from(m / 12).unwrap_or(2026), (m % 12) as i8 + 1);
                let issued = date(year, month, 5);
                if month == 7 || issued < start.first_of_month() {
                    continue;
                }
                out.push(Draft {
                    kind,
                    period: format!("{} {year}", MONTHS[usize::from(month.unsigned_abs()) - 1]),
                    issued,
                    due: date(year, month, 25),
                    amount: amount / 100 * 100,
                });
            }
        }
    }
}

/// Appends the mod-10 (Luhn) control digit used for KID numbers.
pub(crate) fn with_luhn(digits: &str) -> String {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

#[cfg(test)]
mod tests {
    use super::with_luhn;

    #[test]
    fn kid_numbers_get_a_mod10_control_digit() {
        // Known examples of the Luhn algorithm.
        assert_eq!(with_luhn("7992739871"), "79927398713");
        assert_eq!(with_luhn("1000001100001"), "10000011000013");
        assert_eq!(with_luhn("0"), "00");
    }
}
