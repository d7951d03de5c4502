//! Why a JSON-stat document was refused.
//!
//! Every variant that concerns a place in the document carries a JSON pointer (RFC 6901) to it, so
//! a caseworker importing a file can be told exactly what is wrong.

/// A JSON-stat document that could not be read as a dataset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// The input is larger than [`crate::ParseLimits::max_bytes`].
    #[error("the document is {bytes} bytes; at most {limit} bytes are accepted")]
    InputTooLarge {
        /// Size of the input.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The input is not valid JSON (or not UTF-8).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The document is JSON but not a JSON-stat 2.0 dataset.
    #[error("not a JSON-stat 2.0 dataset: {reason}")]
    NotADataset {
        /// What was found instead.
        reason: String,
    },
    /// A required member is missing.
    #[error("{pointer}: required member is missing")]
    Missing {
        /// Where the member was expected.
        pointer: String,
    },
    /// A member has the wrong JSON type.
    #[error("{pointer}: expected {expected}")]
    WrongType {
        /// The member.
        pointer: String,
        /// What was expected, e.g. "an array of strings".
        expected: &'static str,
    },
    /// `size` and `id` have different lengths.
    #[error("/size has {sizes} entries but /id has {ids}")]
    SizeLength {
        /// Length of `id`.
        ids: usize,
        /// Length of `size`.
        sizes: usize,
    },
    /// `id` (or a role) names a dimension with no entry in `dimension`.
    #[error("{pointer}: dimension {id:?} has no entry in /dimension")]
    UnknownDimension {
        /// Where the dimension was named.
        pointer: String,
        /// The dimension id.
        id: String,
    },
    /// `id` names the same dimension twice.
    #[error("{pointer}: dimension {id:?} is listed twice")]
    DuplicateDimension {
        /// The second mention.
        pointer: String,
        /// The dimension id.
        id: String,
    },
    /// A size is not a non-negative integer.
    #[error("{pointer}: a size must be a non-negative integer")]
    InvalidSize {
        /// The size entry.
        pointer: String,
    },
    /// The number of categories of a dimension differs from its declared size.
    #[error("{pointer}: dimension {dimension:?} has size {size} but {categories} categories")]
    CategoryCount {
        /// The dimension's category object.
        pointer: String,
        /// The dimension id.
        dimension: String,
        /// Declared size.
        size: u64,
        /// Categories found.
        categories: usize,
    },
    /// The product of the sizes overflows or exceeds [`crate::ParseLimits::max_cells`].
    #[error("the dataset declares {} cells; at most {limit} are accepted", cells.map_or_else(|| "more than 2^64".to_owned(), |c| c.to_string()))]
    TooManyCells {
        /// The declared number of cells (None when the product overflows).
        cells: Option<u64>,
        /// The limit.
        limit: u64,
    },
    /// A dense `value` array has the wrong length.
    #[error("/value has {found} entries but the sizes give {expected} cells")]
    ValueLength {
        /// The product of the sizes.
        expected: u64,
        /// Entries found.
        found: usize,
    },
    /// A `status` array has neither one entry nor one per cell.
    #[error("/status has {found} entries; expected 1 or {expected}")]
    StatusLength {
        /// The product of the sizes.
        expected: u64,
        /// Entries found.
        found: usize,
    },
    /// A key of a sparse `value`/`status` object, or a category index, is not an integer in range.
    #[error("{pointer}: {key:?} is not an integer index below {bound}")]
    IndexOutOfRange {
        /// The offending member.
        pointer: String,
        /// The key or index as written.
        key: String,
        /// The exclusive upper bound.
        bound: u64,
    },
    /// Two categories share an index, or a category id appears twice in an index array.
    #[error("{pointer}: category {category:?} of dimension {dimension:?} duplicates another")]
    DuplicateCategory {
        /// The offending entry.
        pointer: String,
        /// The dimension id.
        dimension: String,
        /// The category id.
        category: String,
    },
    /// Neither `category.index` nor a single-entry `category.label` gives the categories.
    #[error("{pointer}: without an index, a dimension must have exactly one labelled category")]
    AmbiguousCategories {
        /// The category object.
        pointer: String,
    },
    /// A value is neither a number nor null.
    #[error("{pointer}: a value must be a number or null")]
    NonNumericValue {
        /// The value.
        pointer: String,
    },
    /// [`crate::fetch`]: the server could not be reached, or did not answer in time.
    #[error("the dataset could not be downloaded: {reason}")]
    Unreachable {
        /// What failed (connection, timeout, TLS, ...), without the URL.
        reason: String,
    },
    /// [`crate::fetch`]: the server answered with a status other than 2xx.
    #[error("the server answered HTTP {status} instead of the dataset")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
    },
    /// [`crate::fetch`]: the response is larger than the limit (checked while reading).
    #[error("the response is larger than {limit} bytes")]
    ResponseTooLarge {
        /// The limit.
        limit: usize,
    },
}

impl StatsError {
    /// The JSON pointer to the offending member, when the error concerns one place.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            Self::Missing { pointer }
            | Self::WrongType { pointer, .. }
            | Self::UnknownDimension { pointer, .. }
            | Self::DuplicateDimension { pointer, .. }
            | Self::InvalidSize { pointer }
            | Self::CategoryCount { pointer, .. }
            | Self::IndexOutOfRange { pointer, .. }
            | Self::DuplicateCategory { pointer, .. }
            | Self::AmbiguousCategories { pointer }
            | Self::NonNumericValue { pointer } => Some(pointer),
            Self::SizeLength { .. } => Some("/size"),
            Self::ValueLength { .. } => Some("/value"),
            Self::StatusLength { .. } => Some("/status"),
            Self::InputTooLarge { .. }
            | Self::Json(_)
            | Self::NotADataset { .. }
            | Self::TooManyCells { .. }
            | Self::Unreachable { .. }
            | Self::HttpStatus { .. }
            | Self::ResponseTooLarge { .. } => None,
        }
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub(crate) fn pointer_join(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}
