//! Indexes built for contains-searches (`LOWER(col) LIKE '%needle%'`), which no B-tree
//! can serve: on SQLite an FTS5 trigram table per searched table, kept by triggers; on
//! PostgreSQL pg_trgm GIN indexes on the searched expressions, when the extension is
//! there. MySQL/MariaDB has no index for a substring and keeps scanning.

use sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The searched tables, with their searched columns.
const SEARCHED: [(&str, &[&str]); 3] = [
    ("users", &["username_key"]),
    ("teams", &["name"]),
    ("websites", &["name", "domain"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => {
                for (table, columns) in SEARCHED {
                    for sql in sqlite_search_table(table, columns) {
                        db.execute_unprepared(&sql).await?;
                    }
                }
            }
            DatabaseBackend::Postgres => {
                let available = db
                    .query_one_raw(sea_orm::Statement::from_string(
                        DatabaseBackend::Postgres,
                        "SELECT 1 AS there FROM pg_available_extensions WHERE name = 'pg_trgm'",
                    ))
                    .await?
                    .is_some();
                if !available {
                    return Ok(());
                }
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                for (table, columns) in SEARCHED {
                    for column in columns {
                        db.execute_unprepared(&format!(
                            "CREATE INDEX IF NOT EXISTS ix_{table}_{column}_trgm ON {table} \
                             USING gin (LOWER({column}) gin_trgm_ops)"
                        ))
                        .await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// `{table}_search`: the searched columns and the row's id, which the triggers keep in
/// step with the table. Not an external-content table: those follow the rowid, which a
/// `VACUUM` may renumber in a table without an integer key.
fn sqlite_search_table(table: &str, columns: &[&str]) -> Vec<String> {
    let search = format!("{table}_search");
    let cols = columns.join(", ");
    let new = columns
        .iter()
        .map(|c| format!("new.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // The old row is found through the trigram index by its first column's value as a
    // pattern (its own `%` and `_` only widen it), then by id: `id` alone is not indexed.
    let found = format!("{0} LIKE old.{0} AND id = old.id", columns[0]);
    vec![
        format!(
            "CREATE VIRTUAL TABLE {search} USING fts5({cols}, id UNINDEXED, \
             tokenize = 'trigram')"
        ),
        format!("INSERT INTO {search} ({cols}, id) SELECT {cols}, id FROM {table}"),
        format!(
            "CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN \
             INSERT INTO {search} ({cols}, id) VALUES ({new}, new.id); END"
        ),
        format!(
            "CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN \
             DELETE FROM {search} WHERE {found}; END"
        ),
        format!(
            "CREATE TRIGGER {search}_update AFTER UPDATE OF {cols} ON {table} BEGIN \
             DELETE FROM {search} WHERE {found}; \
             INSERT INTO {search} ({cols}, id) VALUES ({new}, new.id); END"
        ),
    ]
}
