use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::{FailureWindow, LoginThrottle};
use roster_domain::{Error, Result};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::Store;
use crate::entities::login_failure;
use crate::error::db_err;
use crate::query::unique;

#[async_trait]
impl LoginThrottle for Store {
    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<FailureWindow> {
        // Single statements, no transaction: concurrent failures then only ever wait on one
        // row lock, where a read-then-write transaction deadlocks on InnoDB and fails to
        // upgrade on SQLite.
        if self.count_failure(key, now, window).await? == 0 {
            let first = login_failure::ActiveModel {
                key: Set(key.to_owned()),
                failures: Set(0),
                started_at: Set(now),
            };
            match login_failure::Entity::insert(first)
                .exec_without_returning(&self.db)
                .await
                .map_err(db_err)
            {
                // Either way the row exists now; a concurrent first failure made it.
                Ok(_) | Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
            self.count_failure(key, now, window).await?;
        }
        Store::current(self, key)
            .await?
            .ok_or_else(|| Error::Internal("failure counter vanished".into()))
    }

    async fn forgive(&self, key: &str) -> Result<()> {
        login_failure::Entity::update_many()
            .col_expr(
                login_failure::Column::Failures,
                Expr::col(login_failure::Column::Failures).sub(1),
            )
            .filter(login_failure::Column::Key.eq(key))
            .filter(login_failure::Column::Failures.gt(0))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<()> {
        login_failure::Entity::delete_by_id(key.to_owned())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

impl Store {
    /// The window of `key`, if any attempt was counted.
    ///
    /// # Errors
    /// [`Error::Unavailable`] if the store cannot be reached.
    pub async fn current(&self, key: &str) -> Result<Option<FailureWindow>> {
        let row = unique(login_failure::Entity::find_by_id(key.to_owned()), &self.db)
            .await
            .map_err(db_err)?;
        Ok(row.map(to_window))
    }

    /// Adds one failure to `key`'s window, or restarts a window older than `window`;
    /// returns how many rows it touched (0 when `key` has no row yet).
    async fn count_failure(&self, key: &str, now: DateTime<Utc>, window: Duration) -> Result<u64> {
        let current = Expr::col(login_failure::Column::StartedAt).gt(now - window);
        let done = login_failure::Entity::update_many()
            .col_expr(
                login_failure::Column::Failures,
                Expr::case(
                    current.clone(),
                    Expr::col(login_failure::Column::Failures).add(1),
                )
                .finally(1)
                .into(),
            )
            // MySQL assigns left to right, so this still sees the old `started_at`.
            .col_expr(
                login_failure::Column::StartedAt,
                Expr::case(current, Expr::col(login_failure::Column::StartedAt))
                    .finally(now)
                    .into(),
            )
            .filter(login_failure::Column::Key.eq(key))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected)
    }
}

fn to_window(row: login_failure::Model) -> FailureWindow {
    FailureWindow {
        failures: u32::try_from(row.failures).unwrap_or_default(),
        started_at: row.started_at,
    }
}
