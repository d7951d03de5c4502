//! What KRR says about a person, typed, and the rule for when the municipality may contact
//! them digitally.
//!
//! The rule ([`ContactInfo::digital_channels_allowed`]): no digital channel when the person has
//! reserved themselves (`reservasjon = JA`), KRR says `KAN_IKKE_VARSLES`, the entry is not
//! `AKTIV`, or neither the e-mail address nor the mobile number has been updated or verified in
//! the last 18 months. Exactly 18 months ago still counts (the limit is inclusive); months are
//! calendar months in Europe/Oslo, clamped at month end (31 August less 18 months is the last
//! day of February).

use jiff::{Timestamp, ToSpan};
use minside_adapter::{AdapterError, Pid};
use minside_core::lifephase::oslo;
use minside_core::{Locale, PidPolicy};

use crate::model::KrrPerson;

/// How old contact data may be and still be used.
pub const CONTACT_DATA_MAX_AGE_MONTHS: i32 = 18;

/// The status of a person's entry in KRR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KrrStatus {
    /// `AKTIV`: the person has an entry.
    Aktiv,
    /// `SLETTET`: the entry was deleted.
    Slettet,
    /// `IKKE_REGISTRERT`: the person never registered.
    IkkeRegistrert,
    /// A status this version does not know.
    Other(String),
}

impl KrrStatus {
    fn parse(s: Option<&str>) -> Self {
        match s {
            Some("AKTIV") => Self::Aktiv,
            Some("SLETTET") => Self::Slettet,
            Some("IKKE_REGISTRERT") | None => Self::IkkeRegistrert,
            Some(other) => Self::Other(other.to_owned()),
        }
    }

    /// KRR's code, e.g. `AKTIV`.
    pub fn code(&self) -> &str {
        match self {
            Self::Aktiv => "AKTIV",
            Self::Slettet => "SLETTET",
            Self::IkkeRegistrert => "IKKE_REGISTRERT",
            Self::Other(s) => s,
        }
    }
}

/// An e-mail address or mobile number with when it was last changed and last confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPoint {
    pub value: String,
    pub updated: Option<Timestamp>,
    pub last_verified: Option<Timestamp>,
}

impl ContactPoint {
    /// The later of updated and verified.
    pub fn last_confirmed(&self) -> Option<Timestamp> {
        self.updated.max(self.last_verified)
    }

    /// Updated or verified on or after the 18-month limit.
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.last_confirmed()
            .is_some_and(|t| t >= contact_data_cutoff(now))
    }
}

/// The digital mailbox a person has chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalMailbox {
    /// The mailbox address at the provider.
    pub address: Option<String>,
    /// The provider's address, e.g. `digipost` or `eboks`.
    pub provider: Option<String>,
}

/// What KRR says about one person. `Debug` masks the fødselsnummer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfo {
    pub pid: Pid,
    /// Reserved against digital communication with the public sector (`reservasjon = JA`).
    pub reserved: bool,
    pub status: KrrStatus,
    /// KRR's own verdict (`varslingsstatus`); `None` when not given.
    pub notifiable: Option<bool>,
    pub email: Option<ContactPoint>,
    pub mobile: Option<ContactPoint>,
    /// The preferred language (`spraak`), when it is one MinSide speaks.
    pub language: Option<Locale>,
    pub language_updated: Option<Timestamp>,
    /// Present only with the digital post scope.
    pub digital_mailbox: Option<DigitalMailbox>,
    /// Whether KRR holds an encryption certificate for digital post.
    pub has_certificate: bool,
}

/// The earliest instant contact data may have been confirmed and still be used at `now`:
/// 18 calendar months earlier, in Europe/Oslo.
pub fn contact_data_cutoff(now: Timestamp) -> Timestamp {
    now.to_zoned_datetime(oslo())
        .checked_sub(CONTACT_DATA_MAX_AGE_MONTHS.months())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

impl ContactInfo {
    /// May the municipality send notices to this person's e-mail or mobile at `now`?
    pub fn digital_channels_allowed(&self, now: Timestamp) -> bool {
        !self.reserved
            && self.status == KrrStatus::Aktiv
            && self.notifiable != Some(false)
            && (self.usable_email(now).is_some() || self.usable_mobile(now).is_some())
    }

    /// The e-mail address, if digital contact is allowed and it is current.
    pub fn usable_email(&self, now: Timestamp) -> Option<&str> {
        self.usable(self.email.as_ref(), now)
    }

    /// The mobile number, if digital contact is allowed and it is current.
    pub fn usable_mobile(&self, now: Timestamp) -> Option<&str> {
        self.usable(self.mobile.as_ref(), now)
    }

    fn usable<'a>(&self, point: Option<&'a ContactPoint>, now: Timestamp) -> Option<&'a str> {
        let allowed =
            !self.reserved && self.status == KrrStatus::Aktiv && self.notifiable != Some(false);
        point
            .filter(|p| allowed && !p.value.is_empty() && p.is_current(now))
            .map(|p| p.value.as_str())
    }

    pub(crate) fn from_krr(p: KrrPerson, policy: PidPolicy) -> Result<Self, AdapterError> {
        let pid = Pid::parse(&p.personidentifikator, policy).map_err(|_| {
            AdapterError::BadData("a KRR entry without a valid personidentifikator".into())
        })?;
        let k = p.kontaktinformasjon.unwrap_or_default();
        let point = |value: Option<String>, updated: Option<String>, verified: Option<String>| {
            value
                .filter(|v| !v.trim().is_empty())
                .map(|value| ContactPoint {
                    value,
                    updated: updated.as_deref().and_then(parse_time),
                    last_verified: verified.as_deref().and_then(parse_time),
                })
        };
        Ok(Self {
            pid,
            reserved: p.reservasjon.as_deref() == Some("JA"),
            status: KrrStatus::parse(p.status.as_deref()),
            notifiable: match p.varslingsstatus.as_deref() {
                Some("KAN_VARSLES") => Some(true),
                Some("KAN_IKKE_VARSLES") => Some(false),
                _ => None,
            },
            email: point(
                k.epostadresse,
                k.epostadresse_oppdatert,
                k.epostadresse_sist_verifisert,
            ),
            mobile: point(
                k.mobiltelefonnummer,
                k.mobiltelefonnummer_oppdatert,
                k.mobiltelefonnummer_sist_verifisert,
            ),
            language: p.spraak.as_deref().and_then(|s| s.parse().ok()),
            language_updated: p.spraak_oppdatert.as_deref().and_then(parse_time),
            digital_mailbox: p.digital_post.map(|d| DigitalMailbox {
                address: d.postkasseadresse,
                provider: d.postkasseleverandoeradresse,
            }),
            has_certificate: p.sertifikat.is_some_and(|c| !c.is_empty()),
        })
    }
}

/// KRR's times: RFC 3339, also with an hour-only offset (`2018-06-29T10:14:52+02`, as in
/// Digdir's example) or none (read as Oslo time). Anything else is treated as unknown, which
/// makes the contact point not current: the safe side.
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let hour_offset = s.len() > 3
        && s.is_char_boundary(s.len() - 3)
        && s[s.len() - 3..].starts_with(['+', '-'])
        && s[s.len() - 2..].bytes().all(|b| b.is_ascii_digit());
    if hour_offset && let Ok(t) = format!("{s}:00").parse::<Timestamp>() {
        return Some(t);
    }
    let civil: jiff::civil::DateTime = s.parse().ok()?;
    civil.to_zoned_datetime(oslo()).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn krr_times_are_read_leniently() {
        let t: Timestamp = "2018-06-29T08:14:52Z".parse().expect("ts");
        assert_eq!(parse_time("2018-06-29T10:14:52+02:00"), Some(t));
        assert_eq!(parse_time("2018-06-29T10:14:52+02"), Some(t));
        assert_eq!(parse_time("2018-06-29T10:14:52"), Some(t));
        assert_eq!(parse_time("2018-06-29T08:14:52Z"), Some(t));
        assert_eq!(parse_time("last tuesday"), None);
    }

    #[test]
    fn the_cutoff_is_18_calendar_months_in_oslo() {
        let now: Timestamp = "2025-09-15T10:00:00+02:00".parse().expect("ts");
        let expected: Timestamp = "2024-03-15T10:00:00+01:00".parse().expect("ts");
        assert_eq!(contact_data_cutoff(now), expected);
        let month_end: Timestamp = "2025-08-31T12:00:00+02:00".parse().expect("ts");
        let clamped: Timestamp = "2024-02-29T12:00:00+01:00".parse().expect("ts");
        assert_eq!(contact_data_cutoff(month_end), clamped);
    }
}
