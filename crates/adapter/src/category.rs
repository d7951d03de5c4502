//! Categories of resident data and what is said about each.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A category id: lowercase ASCII letters, digits and `-`, 1 to 48 characters
/// (`"kindergarten"`, `"invoices"`, `"building-cases"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(String);

/// The text is not a valid category id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryError;

impl fmt::Display for CategoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a category is 1 to 48 characters of a-z, 0-9 and '-'")
    }
}

impl std::error::Error for CategoryError {}

impl Category {
    pub fn parse(s: &str) -> Result<Self, CategoryError> {
        let ok = (1..=48).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(CategoryError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Category {
    type Error = CategoryError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Category> for String {
    fn from(c: Category) -> Self {
        c.0
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How carefully records of a category must be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// Ordinary personal data (address, invoices, kindergarten place).
    Normal,
    /// Special categories (GDPR art. 9) or data about children's welfare; never cached
    /// outside the process unencrypted, shown only at high assurance when configured.
    Sensitive,
}

/// What a source says about one of its categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryInfo {
    pub id: Category,
    /// Title in Norwegian Bokmål, e.g. "Barnehage".
    pub title_nb: String,
    /// Title in English, e.g. "Kindergarten".
    pub title_en: String,
    /// The legal basis for processing, e.g. "barnehageloven § 12".
    pub legal_basis: String,
    pub sensitivity: Sensitivity,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_ids_are_restricted() {
        assert!(Category::parse("building-cases").is_ok());
        for bad in [
            "",
            "Invoices",
            "-x",
            "a b",
            "æøå",
            &"x".repeat(49),
            "../etc",
        ] {
            assert_eq!(Category::parse(bad), Err(CategoryError), "{bad:?}");
        }
    }
}
