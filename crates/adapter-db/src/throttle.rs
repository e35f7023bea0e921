use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::{FailureWindow, LoginThrottle, ThrottleKeys};
use roster_domain::{Error, Result};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set, UpdateMany};

use crate::Store;
use crate::entities::login_failure::{self, Column};
use crate::error::db_err;

#[async_trait]
impl LoginThrottle for Store {
    async fn record_attempts(
        &self,
        keys: &ThrottleKeys,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<Vec<FailureWindow>> {
        // Upserts, no transaction: concurrent attempts only ever wait on row locks, taken
        // in the order of `keys` (the guesser's first), where a read-then-write
        // transaction deadlocks on InnoDB and fails to upgrade on SQLite.
        let keys: Vec<&str> = keys.all().collect();
        let first = |key: &&str| login_failure::ActiveModel {
            key: Set((*key).to_owned()),
            failures: Set(1),
            started_at: Set(now),
        };
        let rows = if self.db.support_returning() {
            // One statement for every key: each is one more round trip of every login.
            login_failure::Entity::insert_many(keys.iter().map(first))
                .on_conflict(count_attempt(now, window))
                .exec_with_returning(&self.db)
                .await
                .map_err(db_err)?
        } else {
            // MySQL has no RETURNING: each row is upserted and read back in turn.
            let mut rows = Vec::with_capacity(keys.len());
            for key in &keys {
                let row = login_failure::Entity::insert(first(key))
                    .on_conflict(count_attempt(now, window))
                    .exec_with_returning(&self.db)
                    .await
                    .map_err(db_err)?;
                rows.push(row);
            }
            rows
        };
        keys.iter()
            .map(|key| {
                rows.iter()
                    .find(|row| row.key == *key)
                    .map(to_window)
                    .ok_or_else(|| Error::internal("a failure counter was not written"))
            })
            .collect()
    }

    async fn record_success(&self, keys: &ThrottleKeys) -> Result<()> {
        let (name, others) = (&keys.guesser, keys.client.as_slice());
        // The name's window is ended and its row kept rather than deleted: on MySQL an
        // upsert racing the delete would find no row to read back. The others lose this
        // attempt.
        let is_name = || Expr::col(Column::Key).eq(name.as_str());
        let forgive = |update: UpdateMany<login_failure::Entity>| {
            update
                .col_expr(
                    Column::Failures,
                    Expr::case(is_name(), 0)
                        .finally(Expr::col(Column::Failures).sub(1))
                        .into(),
                )
                .col_expr(
                    Column::StartedAt,
                    Expr::case(is_name(), DateTime::<Utc>::UNIX_EPOCH)
                        .finally(Expr::col(Column::StartedAt))
                        .into(),
                )
        };
        // The others, if a failure of theirs is left to take back.
        let counting = |others: &[String]| {
            let others = others.iter().map(String::as_str);
            Column::Key.is_in(others).and(Column::Failures.gt(0))
        };
        if self.db.get_database_backend() == DbBackend::Sqlite {
            // SQLite locks the whole database for a write, so one statement for every key
            // cannot deadlock there, and it saves each login a round trip.
            forgive(login_failure::Entity::update_many())
                .filter(is_name().or(counting(others)))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
            return Ok(());
        }
        // Elsewhere a statement a key: one that locked several rows could deadlock against
        // the upsert above, which locks them in another order.
        forgive(login_failure::Entity::update_many())
            .filter(is_name())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        for key in others {
            forgive(login_failure::Entity::update_many())
                .filter(counting(std::slice::from_ref(key)))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    async fn take_back(&self, keys: &ThrottleKeys) -> Result<()> {
        let keys: Vec<String> = keys.all().map(str::to_owned).collect();
        let take_back = |keys: &[String]| {
            login_failure::Entity::update_many()
                .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
                .filter(Column::Key.is_in(keys.iter().map(String::as_str)))
                .filter(Column::Failures.gt(0))
        };
        if self.db.get_database_backend() == DbBackend::Sqlite {
            take_back(&keys).exec(&self.db).await.map_err(db_err)?;
            return Ok(());
        }
        // A statement a key, as in `record_success`.
        for key in &keys {
            take_back(std::slice::from_ref(key))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}

/// What an attempt does to an existing row: one more failure in a window younger than
/// `window`, else a new window of one starting `now`.
fn count_attempt(now: DateTime<Utc>, window: Duration) -> OnConflict {
    let existing = |column| Expr::col((login_failure::Entity, column));
    let open = existing(Column::StartedAt).gt(now - window);
    OnConflict::column(Column::Key)
        .value(
            Column::Failures,
            Expr::case(open.clone(), existing(Column::Failures).add(1)).finally(1),
        )
        // MySQL assigns left to right, so this still sees the old `started_at`.
        .value(
            Column::StartedAt,
            Expr::case(open, existing(Column::StartedAt)).finally(now),
        )
        .to_owned()
}

pub(crate) fn to_window(row: &login_failure::Model) -> FailureWindow {
    FailureWindow {
        failures: u32::try_from(row.failures).unwrap_or_default(),
        started_at: row.started_at,
    }
}
