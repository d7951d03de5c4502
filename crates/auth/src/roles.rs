//! Caseworker roles: how an employee identity provider's role values become MinSide roles, and
//! the claim that ties an employee to the municipality's own organisation.

use std::collections::BTreeMap;

use minside_store::Role;

/// How the provider's role values (e.g. Entra app roles `MinSide.NoticeEditor`) become MinSide
/// roles. Values without a mapping are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMapping(BTreeMap<String, Role>);

impl RoleMapping {
    pub fn new(mapping: BTreeMap<String, Role>) -> Self {
        Self(mapping)
    }

    /// The MinSide roles for the provider's role values: sorted, each once.
    pub fn roles_for(&self, claimed: &[String]) -> Vec<Role> {
        let roles: Vec<Role> = claimed
            .iter()
            .filter_map(|c| self.0.get(c).copied())
            .collect();
        minside_store::caseworkers::normalized_roles(&roles)
    }
}

/// A claim the ID token must carry with exactly this value (Entra: `tid`, the directory id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredClaim {
    pub name: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_values_map_to_minside_roles_and_unknown_ones_are_ignored() {
        let mapping = RoleMapping::new(BTreeMap::from([
            ("MinSide.NoticeEditor".to_owned(), Role::NoticeEditor),
            ("MinSide.Admin".to_owned(), Role::Admin),
            ("Planner".to_owned(), Role::PlanManager),
        ]));
        let claimed = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            mapping.roles_for(&claimed(&[
                "MinSide.Admin",
                "Other",
                "MinSide.NoticeEditor"
            ])),
            vec![Role::NoticeEditor, Role::Admin]
        );
        assert_eq!(
            mapping.roles_for(&claimed(&["minside.admin", "Other"])),
            Vec::<Role>::new(),
            "values compare exactly"
        );
        assert!(
            RoleMapping::default()
                .roles_for(&claimed(&["MinSide.Admin"]))
                .is_empty()
        );
    }
}
