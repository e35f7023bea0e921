//! Users per role, server and group (`user_counts`), changed in the same transaction as the
//! users they count, so that users-stats reads a few rows however many users there are.

use std::collections::{BTreeMap, BTreeSet};

use roster_domain::{Result, Role, UserStats};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::change::UserChange;
use crate::entities::user_count;
use crate::error::db_err;
use crate::query::count;

/// Changes to the counts, by kind (`role`, `server`, `group`) and name.
#[derive(Default)]
pub(crate) struct Deltas(BTreeMap<(&'static str, String), i64>);

impl Deltas {
    /// Counts a user in (`sign` 1) or out (`sign` -1).
    pub(crate) fn user(
        &mut self,
        role: Role,
        servers: &BTreeSet<String>,
        groups: &BTreeSet<String>,
        sign: i64,
    ) {
        let mut add =
            |kind, name: &str| *self.0.entry((kind, name.to_owned())).or_default() += sign;
        add("role", role.as_str());
        servers.iter().for_each(|server| add("server", server));
        groups.iter().for_each(|group| add("group", group));
    }

    /// Applies the changes in key order, so that concurrent writers lock rows in one order.
    ///
    /// # Errors
    /// The store's errors.
    pub(crate) async fn apply(self, txn: &UserChange<'_>) -> Result<()> {
        for ((kind, name), delta) in self.0.into_iter().filter(|(_, delta)| *delta != 0) {
            let n = Expr::col((user_count::Entity, user_count::Column::N)).add(delta);
            user_count::Entity::insert(user_count::ActiveModel {
                kind: Set(kind.to_owned()),
                name: Set(name),
                n: Set(delta),
            })
            .on_conflict(
                OnConflict::columns([user_count::Column::Kind, user_count::Column::Name])
                    .value(user_count::Column::N, n)
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await
            .map_err(db_err)?;
        }
        Ok(())
    }
}

/// Counts every role, server and group afresh from the users and their grants.
///
/// # Errors
/// The store's errors.
pub(crate) async fn recount(txn: &UserChange<'_>) -> Result<()> {
    user_count::Entity::delete_many()
        .exec(txn)
        .await
        .map_err(db_err)?;
    for (kind, column, source) in [
        ("role", "role", "users"),
        ("server", "server", "user_servers"),
        ("group", "group_id", "user_groups"),
    ] {
        txn.execute_unprepared(&format!(
            "INSERT INTO user_counts (kind, name, n) \
             SELECT '{kind}', {column}, COUNT(*) FROM {source} GROUP BY {column}"
        ))
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// The counts as users-stats reports them.
///
/// # Errors
/// The store's errors.
pub(crate) async fn read(db: &impl ConnectionTrait) -> Result<UserStats> {
    let rows = user_count::Entity::find()
        .filter(user_count::Column::N.gt(0))
        .all(db)
        .await
        .map_err(db_err)?;
    let mut stats = UserStats::default();
    for row in rows {
        let n = count(row.n);
        match row.kind.as_str() {
            "role" => {
                stats.total += n;
                if row.name == Role::Admin.as_str() {
                    stats.admins += n;
                }
            }
            "server" => {
                stats.per_server.insert(row.name, n);
            }
            _ => {
                stats.per_group.insert(row.name, n);
            }
        }
    }
    Ok(stats)
}
