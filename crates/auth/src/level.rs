//! Assurance levels (eIDAS "betydelig" and "høyt") as ID-porten names them in `acr`.

use std::fmt;
use std::str::FromStr;

/// How strongly a resident was authenticated. Ordered: `Substantial < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum AssuranceLevel {
    /// `idporten-loa-substantial` (eIDAS substantial, MinID and similar).
    #[default]
    Substantial,
    /// `idporten-loa-high` (eIDAS high, BankID and similar).
    High,
}

/// The level given is not one MinSide knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown assurance level; use 'substantial' or 'high'")]
pub struct UnknownLevel;

impl AssuranceLevel {
    /// The `acr` value ID-porten uses for this level.
    pub fn acr(self) -> &'static str {
        match self {
            Self::Substantial => "idporten-loa-substantial",
            Self::High => "idporten-loa-high",
        }
    }

    /// Short name used in MinSide's own URLs (`/auth/login?level=high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Substantial => "substantial",
            Self::High => "high",
        }
    }

    /// Reads an `acr` value from an ID token. Unknown values give `None` and are refused.
    pub fn from_acr(acr: &str) -> Option<Self> {
        match acr {
            "idporten-loa-substantial" => Some(Self::Substantial),
            "idporten-loa-high" => Some(Self::High),
            _ => None,
        }
    }
}

impl FromStr for AssuranceLevel {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "substantial" | "idporten-loa-substantial" => Ok(Self::Substantial),
            "high" | "idporten-loa-high" => Ok(Self::High),
            _ => Err(UnknownLevel),
        }
    }
}

impl fmt::Display for AssuranceLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.acr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_outranks_substantial() {
        assert!(AssuranceLevel::High > AssuranceLevel::Substantial);
    }

    #[test]
    fn parses_short_and_acr_names_and_refuses_others() {
        assert_eq!("high".parse(), Ok(AssuranceLevel::High));
        assert_eq!(
            "idporten-loa-substantial".parse(),
            Ok(AssuranceLevel::Substantial)
        );
        assert_eq!("Level4".parse::<AssuranceLevel>(), Err(UnknownLevel));
        assert_eq!(AssuranceLevel::from_acr("idporten-loa-low"), None);
    }
}
