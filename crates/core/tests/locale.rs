//! Property tests for `Locale` parsing (examples live in the unit tests of src/locale.rs).
#![allow(clippy::unwrap_used)]

use minside_core::Locale;
use proptest::prelude::*;

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,24}") {
        let _ = Locale::parse(&s);
    }

    #[test]
    fn accept_language_never_panics(s in "\\PC{0,64}") {
        let _ = Locale::from_accept_language(&s);
    }

    #[test]
    fn accept_language_shaped_headers_never_panic(
        s in "([a-zA-Z*]{1,3}(-[a-zA-Z]{2})?(;[qQ]=[0-9.]{0,5})?, ?){0,5}"
    ) {
        if let Some(l) = Locale::from_accept_language(&s) {
            prop_assert!(s.to_ascii_lowercase().contains(l.as_str())
                || (l == Locale::Nb && s.to_ascii_lowercase().contains("no")));
        }
    }

    #[test]
    fn parse_is_case_insensitive(s in "[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{1,8}){0,2}") {
        prop_assert_eq!(Locale::parse(&s), Locale::parse(&s.to_ascii_uppercase()));
        prop_assert_eq!(Locale::parse(&s), Locale::parse(&s.to_ascii_lowercase()));
    }

    #[test]
    fn supported_tags_with_a_region_parse(i in 0usize..4, region in "[A-Za-z]{2}") {
        let l = Locale::ALL[i];
        prop_assert_eq!(Locale::parse(&format!("{}-{region}", l.as_str())), Ok(l));
        let json = serde_json::to_string(&l).unwrap();
        prop_assert_eq!(serde_json::from_str::<Locale>(&json).unwrap(), l);
    }
}
