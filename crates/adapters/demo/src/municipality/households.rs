//! Random households: singles, elderly people, couples, families and single parents (some
//! with the other parent elsewhere in Asker), with ages, homes and moving dates drawn so that
//! every life phase is present.

use jiff::civil::Date;
use minside_core::lifephase::{age_on, date_reaching_age};
use rand::Rng;

use super::generate::{Builder, weighted};
use super::model::PropertyKind;
use crate::data::names::{self, Origin, Sex};
use crate::data::places::AREAS;
use crate::dates::{add_days, days_between};

#[derive(Clone, Copy)]
enum Kind {
    Single,
    Elderly,
    Couple,
    Family,
    SingleParent,
}

impl Builder {
    /// An age from `min` to `max`, more often near `min` (the smaller of two draws).
    fn young_skewed(&mut self, min: u32, max: u32) -> u32 {
        let a = self.rng.random_range(min..=max);
        let b = self.rng.random_range(min..=max);
        a.min(b)
    }

    /// When a household whose youngest adult was born on `birth` moved in: one in twenty
    /// within the last four months (recent movers), the rest at any time since they were 19.
    fn moved_in(&mut self, youngest_adult: Date) -> Date {
        if self.chance(5) {
            return add_days(self.today, -self.rng.random_range(0..120_i64));
        }
        let earliest = date_reaching_age(youngest_adult, 19);
        let span = days_between(earliest, self.today).max(1);
        add_days(earliest, self.rng.random_range(0..span))
    }

    /// A person with a name drawn for their origin, sex and birth year.
    fn random_person(
        &mut self,
        household: usize,
        sex: Sex,
        origin: Origin,
        birth: Date,
        family: &str,
    ) -> Option<usize> {
        let given = names::given_name(&mut self.rng, origin, sex, birth.year());
        self.person(household, given, family, sex, origin, birth, &[], &[])
    }

    fn kind_of_home(&mut self, area: usize, owned_percent: u32) -> Option<PropertyKind> {
        if !self.chance(owned_percent) {
            return None;
        }
        let flats = AREAS[area % AREAS.len()].flats;
        Some(match self.rng.random_range(0..100) {
            r if r < flats => PropertyKind::Flat,
            r if r < flats + (100 - flats) / 4 => PropertyKind::Terraced,
            _ => PropertyKind::Detached,
        })
    }

    /// Adds random households until the population has at least `size` people.
    pub(crate) fn fill(&mut self, size: usize) {
        let area_weights: Vec<u32> = AREAS.iter().map(|a| a.weight).collect();
        while self.pop.people.len() < size {
            let kind = [
                Kind::Single,
                Kind::Elderly,
                Kind::Couple,
                Kind::Family,
                Kind::SingleParent,
            ][weighted(&mut self.rng, &[26, 18, 20, 28, 8])];
            let area = weighted(&mut self.rng, &area_weights);
            let origin = names::origin(&mut self.rng);
            match kind {
                Kind::Single => self.single(area, origin),
                Kind::Elderly => self.elderly(area, origin),
                Kind::Couple => self.couple(area, origin),
                Kind::Family => self.family(area, origin),
                Kind::SingleParent => self.single_parent(area, origin),
            }
        }
    }

    fn single(&mut self, area: usize, origin: Origin) {
        let age = self.rng.random_range(19..=66);
        let birth = self.birth_for_age(age);
        let sex = if self.chance(50) {
            Sex::Female
        } else {
            Sex::Male
        };
        let moved_in = self.moved_in(birth);
        let home = self.kind_of_home(area, 50);
        let h = self.household(area, None, moved_in, home);
        let family = names::family_name(&mut self.rng, origin);
        if let Some(p) = self.random_person(h, sex, origin, birth, family) {
            self.own(h, &[p]);
        }
    }

    fn elderly(&mut self, area: usize, origin: Origin) {
        let origin = if origin != Origin::Norwegian && self.chance(70) {
            Origin::Norwegian
        } else {
            origin
        };
        let age = self.young_skewed(67, 98);
        let birth = self.birth_for_age(age);
        let moved_in = self.moved_in(birth);
        let home = self.kind_of_home(area, 85);
        let h = self.household(area, None, moved_in, home);
        let family = names::family_name(&mut self.rng, origin);
        if self.chance(45) {
            let partner_age = (age + self.rng.random_range(0..=8))
                .saturating_sub(4)
                .max(65);
            let partner_birth = self.birth_for_age(partner_age);
            let a = self.random_person(h, Sex::Female, origin, birth, family);
            let b = self.random_person(h, Sex::Male, origin, partner_birth, family);
            let owners: Vec<usize> = a.into_iter().chain(b).collect();
            self.own(h, &owners);
        } else {
            let sex = if self.chance(65) {
                Sex::Female
            } else {
                Sex::Male
            };
            if let Some(p) = self.random_person(h, sex, origin, birth, family) {
                self.own(h, &[p]);
            }
        }
    }

    fn couple(&mut self, area: usize, origin: Origin) {
        // Young couples before children, and couples whose children have left home.
        let age: u32 = if self.chance(45) {
            self.rng.random_range(23..=40)
        } else {
            self.rng.random_range(45..=66)
        };
        let partner_age = (age + self.rng.random_range(0..=10))
            .saturating_sub(4)
            .max(20);
        let (birth, partner_birth) = (self.birth_for_age(age), self.birth_for_age(partner_age));
        let moved_in = self.moved_in(birth.max(partner_birth));
        let home = self.kind_of_home(area, 75);
        let h = self.household(area, None, moved_in, home);
        let family = names::family_name(&mut self.rng, origin);
        let partner_family = if self.chance(60) {
            family
        } else {
            names::family_name(&mut self.rng, origin)
        };
        let partner_sex = if self.chance(95) {
            Sex::Male
        } else {
            Sex::Female
        };
        let a = self.random_person(h, Sex::Female, origin, birth, family);
        let b = self.random_person(h, partner_sex, origin, partner_birth, partner_family);
        let owners: Vec<usize> = a.into_iter().chain(b).collect();
        self.own(h, &owners);
    }

    fn family(&mut self, area: usize, origin: Origin) {
        let mother_age: u32 = self.rng.random_range(26..=54);
        let father_age = (mother_age + self.rng.random_range(0..=8)).saturating_sub(2);
        let (mother_birth, father_birth) = (
            self.birth_for_age(mother_age),
            self.birth_for_age(father_age),
        );
        let moved_in = self.moved_in(mother_birth.max(father_birth));
        let home = self.kind_of_home(area, 85);
        let h = self.household(area, None, moved_in, home);
        let father_family = names::family_name(&mut self.rng, origin);
        let mother_family = if self.chance(55) {
            father_family
        } else {
            names::family_name(&mut self.rng, origin)
        };
        let Some(mother) = self.random_person(h, Sex::Female, origin, mother_birth, mother_family)
        else {
            return;
        };
        let father = self.random_person(h, Sex::Male, origin, father_birth, father_family);
        let adults: Vec<usize> = [Some(mother), father].into_iter().flatten().collect();
        self.own(h, &adults);
        let children_family = if self.chance(60) {
            father_family
        } else {
            mother_family
        };
        let count = 1 + weighted(&mut self.rng, &[30, 45, 18, 7]);
        self.children(
            h,
            mother_birth,
            &adults,
            &adults,
            origin,
            children_family,
            count,
        );
    }

    fn single_parent(&mut self, area: usize, origin: Origin) {
        let age: u32 = self.rng.random_range(24..=55);
        let birth = self.birth_for_age(age);
        let sex = if self.chance(80) {
            Sex::Female
        } else {
            Sex::Male
        };
        let moved_in = self.moved_in(birth);
        let home = self.kind_of_home(area, 45);
        let h = self.household(area, None, moved_in, home);
        let family = names::family_name(&mut self.rng, origin);
        let Some(parent) = self.random_person(h, sex, origin, birth, family) else {
            return;
        };
        self.own(h, &[parent]);
        let mut parents = vec![parent];
        let mut guardians = vec![parent];
        if self.chance(60) {
            // The other parent lives elsewhere in Asker, often with joint responsibility.
            let other_age = (age + self.rng.random_range(0..=9))
                .saturating_sub(3)
                .max(20);
            let other_birth = self.birth_for_age(other_age);
            let other_area = weighted(
                &mut self.rng,
                &AREAS.iter().map(|a| a.weight).collect::<Vec<_>>(),
            );
            let other_moved_in = self.moved_in(other_birth);
            let other_home = self.kind_of_home(other_area, 40);
            let oh = self.household(other_area, None, other_moved_in, other_home);
            let other_sex = if sex == Sex::Female {
                Sex::Male
            } else {
                Sex::Female
            };
            let other_family = names::family_name(&mut self.rng, origin);
            if let Some(other) =
                self.random_person(oh, other_sex, origin, other_birth, other_family)
            {
                self.own(oh, &[other]);
                parents.push(other);
                if self.chance(80) {
                    guardians.push(other);
                }
            }
        }
        let count = 1 + weighted(&mut self.rng, &[50, 38, 12]);
        let mother_birth = birth;
        self.children(h, mother_birth, &parents, &guardians, origin, family, count);
    }

    /// Up to `count` children born to a mother born on `mother_birth`, one to five years apart.
    /// Adult children have left home, except some 18–23-year-olds.
    #[allow(clippy::too_many_arguments)]
    fn children(
        &mut self,
        household: usize,
        mother_birth: Date,
        parents: &[usize],
        guardians: &[usize],
        origin: Origin,
        family: &str,
        count: usize,
    ) {
        let mother_age = age_on(mother_birth, self.today);
        let mut age_at_birth = 21
            + self
                .rng
                .random_range(0..=mother_age.saturating_sub(21).min(17));
        for _ in 0..count {
            let birth = add_days(
                date_reaching_age(mother_birth, age_at_birth),
                self.rng.random_range(0..365_i64),
            );
            if birth > self.today {
                break;
            }
            age_at_birth += self.rng.random_range(1..=5);
            let age = age_on(birth, self.today);
            if age >= 24 || (age >= 18 && self.chance(35)) {
                continue;
            }
            let sex = if self.chance(50) {
                Sex::Female
            } else {
                Sex::Male
            };
            let given = names::given_name(&mut self.rng, origin, sex, birth.year());
            let guardians: &[usize] = if age < 18 { guardians } else { &[] };
            self.person(
                household, given, family, sex, origin, birth, parents, guardians,
            );
        }
    }
}
