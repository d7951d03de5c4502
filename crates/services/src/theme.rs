//! The two-level theme tree services are filed under, modelled on the top level of the public
//! LOS vocabulary (Livshendelser, organisasjon og tjenester, Digdir) with second levels chosen
//! for a municipality's services. Labels are in bokmål, nynorsk and English.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::lang::Lang;

/// A theme's labels: bokmål, nynorsk, English. Northern Sami falls back to bokmål.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThemeLabel {
    /// Bokmål.
    pub nb: &'static str,
    /// Nynorsk.
    pub nn: &'static str,
    /// English.
    pub en: &'static str,
}

impl ThemeLabel {
    /// The label in `lang` (bokmål for Northern Sami).
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Nb | Lang::Se => self.nb,
            Lang::Nn => self.nn,
            Lang::En => self.en,
        }
    }
}

/// A second-level theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubTheme {
    /// Slug, unique within its top-level theme.
    pub slug: &'static str,
    /// Labels.
    pub label: ThemeLabel,
}

/// A top-level theme and its second level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Slug, e.g. `barn-og-familie`.
    pub slug: &'static str,
    /// Labels.
    pub label: ThemeLabel,
    /// Second-level themes.
    pub children: &'static [SubTheme],
}

/// A reference to a second-level theme, written `top/sub` (`barn-og-familie/barnehage`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThemeRef {
    top: String,
    sub: String,
}

impl ThemeRef {
    /// Parses `top/sub` (two slugs of lowercase letters, digits and hyphens); whether the theme
    /// exists is [`ThemeTree::get`]'s question.
    pub fn parse(s: &str) -> Option<ThemeRef> {
        let (top, sub) = s.split_once('/')?;
        let slug = |p: &str| {
            !p.is_empty()
                && !p.starts_with('-')
                && !p.ends_with('-')
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        (slug(top) && slug(sub)).then(|| ThemeRef {
            top: top.to_owned(),
            sub: sub.to_owned(),
        })
    }

    /// The top-level slug.
    pub fn top(&self) -> &str {
        &self.top
    }

    /// The second-level slug.
    pub fn sub(&self) -> &str {
        &self.sub
    }
}

impl fmt::Display for ThemeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.top, self.sub)
    }
}

impl Serialize for ThemeRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The theme tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThemeTree {
    /// The top-level themes in display order.
    pub themes: &'static [Theme],
}

impl ThemeTree {
    /// The municipal theme tree (LOS top level, municipal second level).
    pub fn municipal() -> ThemeTree {
        ThemeTree { themes: THEMES }
    }

    /// The top-level theme and second-level theme `r` refers to, if both exist.
    pub fn get(&self, r: &ThemeRef) -> Option<(&'static Theme, &'static SubTheme)> {
        let top = self.themes.iter().find(|t| t.slug == r.top)?;
        let sub = top.children.iter().find(|s| s.slug == r.sub)?;
        Some((top, sub))
    }
}

const fn label(nb: &'static str, nn: &'static str, en: &'static str) -> ThemeLabel {
    ThemeLabel { nb, nn, en }
}

const fn sub(slug: &'static str, label: ThemeLabel) -> SubTheme {
    SubTheme { slug, label }
}

const THEMES: &[Theme] = &[
    Theme {
        slug: "barn-og-familie",
        label: label("Barn og familie", "Barn og familie", "Children and family"),
        children: &[
            sub("barnehage", label("Barnehage", "Barnehage", "Kindergarten")),
            sub(
                "helsestasjon",
                label(
                    "Helsestasjon og skolehelsetjeneste",
                    "Helsestasjon og skulehelseteneste",
                    "Child health centre and school health service",
                ),
            ),
            sub(
                "barnevern",
                label("Barnevern", "Barnevern", "Child welfare"),
            ),
            sub(
                "familie-og-samliv",
                label(
                    "Familie og samliv",
                    "Familie og samliv",
                    "Family and relationships",
                ),
            ),
        ],
    },
    Theme {
        slug: "helse-og-omsorg",
        label: label("Helse og omsorg", "Helse og omsorg", "Health and care"),
        children: &[
            sub(
                "hjemmetjenester",
                label("Hjemmetjenester", "Heimetenester", "Home-based services"),
            ),
            sub("sykehjem", label("Sykehjem", "Sjukeheim", "Nursing homes")),
            sub(
                "eldre",
                label("Eldre og seniorer", "Eldre og seniorar", "Older people"),
            ),
            sub(
                "funksjonsnedsettelse",
                label(
                    "Funksjonsnedsettelse og hjelpemidler",
                    "Funksjonsnedsetjing og hjelpemiddel",
                    "Disability and assistive aids",
                ),
            ),
        ],
    },
    Theme {
        slug: "skole-og-utdanning",
        label: label(
            "Skole og utdanning",
            "Skule og utdanning",
            "School and education",
        ),
        children: &[
            sub(
                "grunnskole",
                label(
                    "Grunnskole",
                    "Grunnskule",
                    "Primary and lower secondary school",
                ),
            ),
            sub(
                "sfo",
                label(
                    "Skolefritidsordning (SFO)",
                    "Skulefritidsordning (SFO)",
                    "After-school programme (SFO)",
                ),
            ),
            sub(
                "voksenopplaering",
                label("Voksenopplæring", "Vaksenopplæring", "Adult education"),
            ),
        ],
    },
    Theme {
        slug: "bygg-bolig-og-eiendom",
        label: label(
            "Bygg, bolig og eiendom",
            "Bygg, bustad og eigedom",
            "Building, housing and property",
        ),
        children: &[
            sub(
                "byggesak",
                label("Byggesak", "Byggjesak", "Building applications"),
            ),
            sub(
                "eiendomsskatt-og-gebyrer",
                label(
                    "Eiendomsskatt og kommunale gebyrer",
                    "Eigedomsskatt og kommunale gebyr",
                    "Property tax and municipal fees",
                ),
            ),
            sub(
                "vann-og-avlop",
                label("Vann og avløp", "Vatn og avløp", "Water and sewage"),
            ),
            sub(
                "avfall",
                label(
                    "Avfall og renovasjon",
                    "Avfall og renovasjon",
                    "Waste collection",
                ),
            ),
            sub(
                "brann-og-feiing",
                label(
                    "Feiing og brannforebygging",
                    "Feiing og brannførebygging",
                    "Chimney sweeping and fire safety",
                ),
            ),
            sub(
                "bolig",
                label(
                    "Bolig og hjelp til bolig",
                    "Bustad og hjelp til bustad",
                    "Housing and housing support",
                ),
            ),
        ],
    },
    Theme {
        slug: "natur-og-miljo",
        label: label("Natur og miljø", "Natur og miljø", "Nature and environment"),
        children: &[
            sub(
                "friluftsliv",
                label("Friluftsliv", "Friluftsliv", "Outdoor recreation"),
            ),
            sub(
                "klima-og-miljo",
                label(
                    "Klima og miljø",
                    "Klima og miljø",
                    "Climate and environment",
                ),
            ),
        ],
    },
    Theme {
        slug: "kultur-idrett-og-fritid",
        label: label(
            "Kultur, idrett og fritid",
            "Kultur, idrett og fritid",
            "Culture, sports and leisure",
        ),
        children: &[
            sub(
                "kulturskole",
                label("Kulturskole", "Kulturskule", "School of arts"),
            ),
            sub(
                "idrett-og-anlegg",
                label(
                    "Idrett og anlegg",
                    "Idrett og anlegg",
                    "Sports and facilities",
                ),
            ),
            sub(
                "fritid-for-barn-og-unge",
                label(
                    "Fritid for barn og unge",
                    "Fritid for barn og unge",
                    "Leisure for children and young people",
                ),
            ),
            sub("bibliotek", label("Bibliotek", "Bibliotek", "Library")),
        ],
    },
    Theme {
        slug: "arbeid",
        label: label("Arbeid", "Arbeid", "Work"),
        children: &[
            sub(
                "ungdom-og-arbeid",
                label(
                    "Sommerjobb og arbeid for ungdom",
                    "Sommarjobb og arbeid for ungdom",
                    "Summer jobs and work for young people",
                ),
            ),
            sub(
                "bevillinger",
                label(
                    "Bevillinger og tillatelser",
                    "Løyve og tillatingar",
                    "Licences and permits",
                ),
            ),
        ],
    },
    Theme {
        slug: "trafikk-og-reiser",
        label: label(
            "Trafikk og reiser",
            "Trafikk og reiser",
            "Transport and travel",
        ),
        children: &[
            sub("parkering", label("Parkering", "Parkering", "Parking")),
            sub(
                "transporttjenester",
                label(
                    "Transporttjenester og TT",
                    "Transporttenester og TT",
                    "Transport services and TT",
                ),
            ),
            sub(
                "vei-og-gate",
                label("Vei og gate", "Veg og gate", "Roads and streets"),
            ),
        ],
    },
    Theme {
        slug: "innvandring-og-integrering",
        label: label(
            "Innvandring og integrering",
            "Innvandring og integrering",
            "Immigration and integration",
        ),
        children: &[
            sub(
                "introduksjonsprogram",
                label(
                    "Introduksjonsprogram",
                    "Introduksjonsprogram",
                    "Introduction programme",
                ),
            ),
            sub(
                "norskopplaering",
                label(
                    "Opplæring i norsk",
                    "Opplæring i norsk",
                    "Norwegian language training",
                ),
            ),
        ],
    },
    Theme {
        slug: "sosiale-tjenester",
        label: label("Sosiale tjenester", "Sosiale tenester", "Social services"),
        children: &[sub(
            "okonomisk-hjelp",
            label("Økonomisk hjelp", "Økonomisk hjelp", "Financial assistance"),
        )],
    },
    Theme {
        slug: "politikk-og-samfunn",
        label: label(
            "Politikk og samfunn",
            "Politikk og samfunn",
            "Politics and society",
        ),
        children: &[
            sub("valg", label("Valg", "Val", "Elections")),
            sub(
                "innbyggerservice",
                label("Innbyggerservice", "Innbyggjarservice", "Citizen services"),
            ),
        ],
    },
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn theme_refs_parse_and_resolve() {
        let tree = ThemeTree::municipal();
        let r = ThemeRef::parse("barn-og-familie/barnehage").unwrap();
        let (top, sub) = tree.get(&r).unwrap();
        assert_eq!(top.label.get(Lang::En), "Children and family");
        assert_eq!(sub.label.get(Lang::Nn), "Barnehage");
        assert_eq!(
            sub.label.get(Lang::Se),
            "Barnehage",
            "Sami falls back to bokmål"
        );
        assert_eq!(r.to_string(), "barn-og-familie/barnehage");
        assert!(
            tree.get(&ThemeRef::parse("barn-og-familie/sykehjem").unwrap())
                .is_none()
        );
        for bad in [
            "barn-og-familie",
            "/barnehage",
            "Barn/x",
            "a/b/c",
            "a/-b",
            "",
        ] {
            assert!(ThemeRef::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_unique() {
        let tree = ThemeTree::municipal();
        for (i, t) in tree.themes.iter().enumerate() {
            assert!(tree.themes[i + 1..].iter().all(|o| o.slug != t.slug));
            for (j, s) in t.children.iter().enumerate() {
                assert!(t.children[j + 1..].iter().all(|o| o.slug != s.slug));
                assert!(ThemeRef::parse(&format!("{}/{}", t.slug, s.slug)).is_some());
            }
        }
    }
}
