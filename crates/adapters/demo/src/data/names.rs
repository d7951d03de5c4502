//! Given and family names for the synthetic population: common Norwegian names by generation,
//! and names from the larger immigrant communities in Norway (Statistics Norway's lists of the
//! most common names guided the choice; no real person is meant).

use rand::Rng;
use rand::seq::IndexedRandom;

/// Where a household's names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Norwegian,
    Swedish,
    Polish,
    Pakistani,
    Somali,
    Syrian,
    Eritrean,
    Vietnamese,
    Filipino,
}

/// Relative weights of the origins among households (roughly Asker's composition).
const ORIGIN_WEIGHTS: &[(Origin, u32)] = &[
    (Origin::Norwegian, 80),
    (Origin::Swedish, 3),
    (Origin::Polish, 4),
    (Origin::Pakistani, 3),
    (Origin::Somali, 2),
    (Origin::Syrian, 2),
    (Origin::Eritrean, 2),
    (Origin::Vietnamese, 2),
    (Origin::Filipino, 2),
];

/// Sex as recorded in the register (needed for names and for who can give birth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sex {
    Female,
    Male,
}

#[rustfmt::skip]
const NO_FEMALE_OLD: &[&str] = &[
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Randi",
    "Solveig", "Ragnhild", "Gerd", "Karin", "Elisabeth", "Gunn", "Torill", "Wenche", "Turid",
    "Reidun", "Aud", "Sissel", "Grete", "Unni", "Bente", "Else",
];
#[rustfmt::skip]
const NO_FEMALE_MID: &[&str] = &[
    "Hilde", "Heidi", "Silje", "Ingrid", "Marianne", "Camilla", "Ida", "Kristin", "Linda", "Tone",
    "Anette", "Hanne", "Mette", "Nina", "Line", "Lene", "Marte", "Ane", "Maria", "Julie",
    "Kristine", "Siri", "Tonje", "Trine", "Cathrine", "Stine", "Elin", "Ingvild", "Karoline",
];
#[rustfmt::skip]
const NO_FEMALE_YOUNG: &[&str] = &[
    "Nora", "Emma", "Olivia", "Ella", "Sofie", "Leah", "Frida", "Ingrid", "Sara", "Maja", "Sofia",
    "Astrid", "Selma", "Hedda", "Amalie", "Ada", "Tiril", "Thea", "Ellinor", "Iben", "Vilde",
    "Alma", "Mathilde", "Hanna", "Live", "Aurora", "Maria", "Ida", "Julie", "Jenny",
];
#[rustfmt::skip]
const NO_MALE_OLD: &[&str] = &[
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Arne", "Knut", "Svein", "Hans", "Odd", "Terje",
    "Rolf", "Geir", "Tor", "Helge", "Egil", "Harald", "Leif", "Einar", "Finn", "Nils", "Gunnar",
    "Trygve", "Rune", "Arild",
];
#[rustfmt::skip]
const NO_MALE_MID: &[&str] = &[
    "Thomas", "Martin", "Andreas", "Espen", "Morten", "Anders", "Kristian", "Stian", "Jørgen",
    "Eirik", "Erik", "Christian", "Marius", "Magnus", "Daniel", "Fredrik", "Håkon", "Øyvind",
    "Jon", "Sindre", "Kjetil", "Trond", "Vegard", "Ståle", "Petter", "Henrik",
];
#[rustfmt::skip]
const NO_MALE_YOUNG: &[&str] = &[
    "Jakob", "Noah", "Emil", "Lucas", "Oliver", "Isak", "William", "Filip", "Aksel", "Theodor",
    "Elias", "Kasper", "Johannes", "Henrik", "Magnus", "Ludvig", "Oskar", "Olav", "Tobias",
    "Sander", "Mathias", "Jonas", "Sebastian", "Liam", "Leon", "Even", "Adrian", "Mikkel",
    "Sverre", "Håkon",
];
#[rustfmt::skip]
const NO_FAMILY: &[&str] = &[
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen",
    "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg",
    "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen",
    "Lie", "Amundsen", "Rasmussen", "Lunde", "Solheim", "Berge", "Moe", "Nygård", "Bakke",
    "Kristensen", "Fredriksen", "Holm", "Lien", "Hauge", "Christensen", "Andresen", "Aasen",
    "Myhre", "Ruud", "Sæther", "Tangen", "Vik", "Aas", "Brekke", "Engen", "Løken", "Grønvold",
];

/// (female given names, male given names, family names) of one immigrant community.
type NameSet = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

#[rustfmt::skip]
const SWEDISH: NameSet = (
    &["Elin", "Johanna", "Sara", "Linnea", "Ebba", "Klara", "Moa", "Wilma"],
    &["Johan", "Erik", "Gustav", "Oskar", "Viktor", "Axel", "Anton", "Hugo"],
    &["Lindqvist", "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson", "Svensson"],
);
#[rustfmt::skip]
const POLISH: NameSet = (
    &["Anna", "Katarzyna", "Agnieszka", "Magdalena", "Joanna", "Zofia", "Maja", "Julia"],
    &["Piotr", "Tomasz", "Krzysztof", "Michał", "Paweł", "Jakub", "Kacper", "Szymon"],
    &["Nowak", "Wójcik", "Mazur", "Krawczyk", "Kaczmarek", "Woźniak", "Zając", "Król"],
);
#[rustfmt::skip]
const PAKISTANI: NameSet = (
    &["Ayesha", "Fatima", "Sana", "Zainab", "Hina", "Mariam", "Noor", "Iqra"],
    &["Muhammad", "Usman", "Bilal", "Hamza", "Imran", "Adnan", "Zain", "Faisal"],
    &["Khan", "Hussain", "Ahmed", "Butt", "Iqbal", "Malik", "Chaudhry", "Akhtar"],
);
#[rustfmt::skip]
const SOMALI: NameSet = (
    &["Fadumo", "Hodan", "Amina", "Sahra", "Ayan", "Hawa", "Nimco", "Ifrah"],
    &["Abdirahman", "Mohamed", "Abdullahi", "Hassan", "Yusuf", "Abdi", "Liban", "Mahad"],
    &["Warsame", "Osman", "Farah", "Jama", "Abdi", "Hassan", "Nur", "Egal"],
);
#[rustfmt::skip]
const SYRIAN: NameSet = (
    &["Layla", "Rania", "Nour", "Rasha", "Huda", "Yasmin", "Lina", "Reem"],
    &["Omar", "Khaled", "Ahmad", "Mahmoud", "Yousef", "Karim", "Sami", "Tarek"],
    &["Alhassan", "Haddad", "Khalil", "Alshami", "Ibrahim", "Nasser", "Darwish", "Saleh"],
);
#[rustfmt::skip]
const ERITREAN: NameSet = (
    &["Helen", "Selam", "Senait", "Ruta", "Yordanos", "Feven", "Mebrat", "Tsega"],
    &["Yonas", "Tesfay", "Dawit", "Samuel", "Mehari", "Habtom", "Filmon", "Kidane"],
    &["Tesfamariam", "Ghebremedhin", "Haile", "Berhane", "Tekle", "Woldu", "Gebreyesus"],
);
#[rustfmt::skip]
const VIETNAMESE: NameSet = (
    &["Linh", "Lan", "Huong", "Mai", "Thu", "Anh", "Ngoc", "Trang"],
    &["Minh", "Duc", "Tuan", "Hung", "Quang", "Nam", "Long", "Huy"],
    &["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui"],
);
#[rustfmt::skip]
const FILIPINO: NameSet = (
    &["Maria", "Jasmine", "Kristine", "Joy", "Rowena", "Angelica", "Mary Grace", "Rachelle"],
    &["Jose", "Mark", "John Paul", "Rodel", "Jerome", "Ramon", "Angelo", "Carlo"],
    &["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Dela Cruz", "Villanueva"],
);

fn name_set(origin: Origin) -> Option<NameSet> {
    match origin {
        Origin::Norwegian => None,
        Origin::Swedish => Some(SWEDISH),
        Origin::Polish => Some(POLISH),
        Origin::Pakistani => Some(PAKISTANI),
        Origin::Somali => Some(SOMALI),
        Origin::Syrian => Some(SYRIAN),
        Origin::Eritrean => Some(ERITREAN),
        Origin::Vietnamese => Some(VIETNAMESE),
        Origin::Filipino => Some(FILIPINO),
    }
}

fn pick<R: Rng + ?Sized>(rng: &mut R, list: &[&'static str]) -> &'static str {
    list.choose(rng).copied().unwrap_or("Ukjent")
}

/// A household origin, by weight.
pub(crate) fn origin<R: Rng + ?Sized>(rng: &mut R) -> Origin {
    let total: u32 = ORIGIN_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for &(origin, weight) in ORIGIN_WEIGHTS {
        if roll < weight {
            return origin;
        }
        roll -= weight;
    }
    Origin::Norwegian
}

/// A given name fitting origin, sex and birth year (Norwegian names follow fashion by decade).
pub(crate) fn given_name<R: Rng + ?Sized>(
    rng: &mut R,
    origin: Origin,
    sex: Sex,
    birth_year: i16,
) -> &'static str {
    if let Some((female, male, _)) = name_set(origin) {
        return pick(rng, if sex == Sex::Female { female } else { male });
    }
    let list = match (sex, birth_year) {
        (Sex::Female, ..=1959) => NO_FEMALE_OLD,
        (Sex::Female, 1960..=1994) => NO_FEMALE_MID,
        (Sex::Female, _) => NO_FEMALE_YOUNG,
        (Sex::Male, ..=1959) => NO_MALE_OLD,
        (Sex::Male, 1960..=1994) => NO_MALE_MID,
        (Sex::Male, _) => NO_MALE_YOUNG,
    };
    pick(rng, list)
}

/// A family name of the origin.
pub(crate) fn family_name<R: Rng + ?Sized>(rng: &mut R, origin: Origin) -> &'static str {
    match name_set(origin) {
        Some((_, _, family)) => pick(rng, family),
        None => pick(rng, NO_FAMILY),
    }
}
