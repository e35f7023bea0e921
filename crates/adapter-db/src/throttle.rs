use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::{FailureWindow, LoginThrottle};
use roster_domain::{Error, Result};
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};

use crate::Store;
use crate::entities::login_failure;
use crate::error::db_err;

#[async_trait]
impl LoginThrottle for Store {
    async fn current(&self, key: &str) -> Result<Option<FailureWindow>> {
        let row = login_failure::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(row.map(to_window))
    }

    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<FailureWindow> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let existing = login_failure::Entity::find_by_id(key.to_owned())
            .one(&txn)
            .await
            .map_err(db_err)?;
        let next = match existing {
            Some(row) if row.started_at + window > now => login_failure::Model {
                failures: row.failures.saturating_add(1),
                ..row
            },
            _ => login_failure::Model {
                key: key.to_owned(),
                failures: 1,
                started_at: now,
            },
        };
        let active = login_failure::ActiveModel {
            key: Set(next.key.clone()),
            failures: Set(next.failures),
            started_at: Set(next.started_at),
        };
        if next.failures == 1 {
            login_failure::Entity::delete_by_id(key.to_owned())
                .exec(&txn)
                .await
                .map_err(db_err)?;
            match active.insert(&txn).await.map_err(db_err) {
                // A concurrent failure started the window first; one count more or less is fine.
                Ok(_) | Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        } else {
            active.update(&txn).await.map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(to_window(next))
    }

    async fn clear(&self, key: &str) -> Result<()> {
        login_failure::Entity::delete_by_id(key.to_owned())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

fn to_window(row: login_failure::Model) -> FailureWindow {
    FailureWindow {
        failures: u32::try_from(row.failures).unwrap_or_default(),
        started_at: row.started_at,
    }
}
