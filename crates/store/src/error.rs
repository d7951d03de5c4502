//! The one error type of the storage layer, and its mapping from `sqlx` errors.

use sqlx::error::ErrorKind;

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What went wrong in a store operation.
///
/// Texts never contain stored values (in particular no national identity number): only
/// constraint, table and column names.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The requested row does not exist.
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key constraint was violated; holds the constraint name
    /// (e.g. `sessions_token_hash_key`), the same on every backend where the database reports it.
    #[error("conflict with {0}")]
    Conflict(String),
    /// A value was rejected: a check or not-null constraint (holds its name) or a stored value
    /// that no longer parses into its domain type.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// The database failed (connection, I/O, migration, protocol).
    #[error("storage backend error: {0}")]
    Backend(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) => {
                let name = constraint_name(db.as_ref());
                match db.kind() {
                    ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation => {
                        StoreError::Conflict(name)
                    }
                    ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
                        StoreError::Invalid(name)
                    }
                    _ => StoreError::Backend(db.message().to_owned()),
                }
            }
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Backend(format!("migration failed: {err}"))
    }
}

/// The violated constraint's name.
///
/// PostgreSQL reports it directly. SQLite reports only columns for unique and primary keys
/// (`UNIQUE constraint failed: sessions.token_hash`), which we turn into PostgreSQL's default
/// names (`sessions_token_hash_key`, `{table}_pkey`); the schemas name their constraints that
/// way. SQLite names check constraints (`CHECK constraint failed: residents_pid_check`) but not
/// foreign keys; for those the message itself is kept.
fn constraint_name(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(name) = db.constraint() {
        return name.to_owned();
    }
    let message = db.message();
    if let Some(columns) = message.strip_prefix("UNIQUE constraint failed: ") {
        let mut parts = columns.split(", ").filter_map(|c| c.split_once('.'));
        if let Some((table, first)) = parts.next() {
            // SQLite's extended code for a primary-key violation.
            if db.code().as_deref() == Some("1555") {
                return format!("{table}_pkey");
            }
            let mut name = format!("{table}_{first}");
            for (_, column) in parts {
                name.push('_');
                name.push_str(column);
            }
            name.push_str("_key");
            return name;
        }
    }
    if let Some(name) = message.strip_prefix("CHECK constraint failed: ") {
        return name.to_owned();
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_not_found_is_not_found() {
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::NotFound
        ));
    }

    #[test]
    fn other_errors_are_backend_errors() {
        let err = StoreError::from(sqlx::Error::PoolTimedOut);
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    }
}
