use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::UserRepository;
use roster_domain::{
    Conflict, Email, EndSessions, Error, Page, PageRequest, Result, Role, User, UserId, UserKey,
    UserOrder, UserPatch, UserStats, Username,
};
use sea_orm::sea_query::{
    Alias, ColumnRef, Expr, ExprTrait, IntoColumnRef, IntoTableRef, LockType, Query, TableRef,
    UnionType,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    FromQueryResult, Iterable, JoinType, Order, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::change::{Changed, UserChange};
use crate::change_log::{newest_expr, position};
use crate::counts::{self, Deltas};
use crate::entities::{api_key, meta, session, user, user_group, user_server, website};
use crate::error::{conflict_on, db_err, retrying, transaction_conflict};
use crate::query::{matching, window};
use crate::runs::{self, Counts, Sorted};
use crate::teams;

#[async_trait]
impl UserRepository for Store {
    async fn insert(&self, new: User) -> Result<User> {
        retrying(|| self.insert_once(&new)).await?;
        Ok(new)
    }

    async fn find(&self, key: &UserKey) -> Result<Option<User>> {
        self.cache.user_or(key, find_user(&self.db, key)).await
    }

    async fn find_as_stored_now(&self, key: &UserKey) -> Result<Option<User>> {
        Ok(self.cache.loaded(find_user(&self.db, key).await?))
    }

    async fn list_after(&self, after: Option<Username>, limit: u64) -> Result<Vec<User>> {
        let _lane = self.lists.enter().await?;
        let mut query = user::Entity::find();
        if let Some(after) = after {
            query = query.filter(user::Column::UsernameKey.gt(after.key()));
        }
        let rows = query
            .order_by_asc(user::Column::UsernameKey)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        with_grants(&self.db, rows).await
    }

    async fn page(&self, page: &PageRequest<UserOrder>) -> Result<Page<User>> {
        let _lane = self.lists.enter().await?;
        if page.search.is_none()
            && let Some((total, rows)) = self.page_of_everyone(page).await?
        {
            let items = with_grants(&self.db, rows).await?;
            return Ok(Page::of(items, total, page));
        }
        let mut query = user::Entity::find();
        if let Some(search) = &page.search {
            query = query.filter(username_matching(self.db.get_database_backend(), search));
        }
        let (column, id) = match page.order_by {
            UserOrder::Username => (user::Column::UsernameKey, None),
            UserOrder::CreatedAt => (user::Column::CreatedAt, Some(user::Column::Id)),
        };
        let (total, query, flip) = window(query, &self.db, page, (column, id))
            .await
            .map_err(db_err)?;
        let rows = flip.put_back(query.all(&self.db).await.map_err(db_err)?);
        let items = with_grants(&self.db, rows).await?;
        Ok(Page::of(items, total, page))
    }

    async fn update(
        &self,
        id: UserId,
        patch: UserPatch,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
    ) -> Result<User> {
        retrying(|| self.update_once(id, &patch, &end_sessions, now)).await
    }

    async fn replace_hash(
        &self,
        id: UserId,
        verified_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let txn = self.begin_change().await?;
        let done = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(new_hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(now))
            .filter(user::Column::Id.eq(id.0))
            .filter(user::Column::PasswordHash.eq(verified_hash))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if done.rows_affected == 0 {
            return Ok(false);
        }
        txn.commit(Changed::Users(&[id.0])).await?;
        Ok(true)
    }

    async fn delete(&self, id: UserId, now: DateTime<Utc>) -> Result<()> {
        retrying(|| self.delete_once(id, now)).await
    }

    async fn stats(&self) -> Result<UserStats> {
        self.cache.stats_or(counts::read(&self.db)).await
    }
}

impl Store {
    /// A page of the whole list: from the run its first user is in (see `runs.rs`), so that
    /// `OFFSET` walks one run, never the list, and counted by the runs, not by a scan. A
    /// descending page is the same users read ascending, then turned round.
    ///
    /// `None` when the runs disagree with users-stats on how many users there are: an
    /// instance of a release before the runs wrote users (see operations.md), and the
    /// caller pages by `OFFSET` until `roster cache flush` counts the runs afresh. A
    /// disagreement for the moment a write of another instance takes to be seen costs a
    /// slower page, nothing worse.
    pub(crate) async fn page_of_everyone(
        &self,
        page: &PageRequest<UserOrder>,
    ) -> Result<Option<(u64, Vec<user::Model>)>> {
        let sorted = match page.order_by {
            UserOrder::Username => Sorted::ByName,
            UserOrder::CreatedAt => Sorted::ByCreation,
        };
        let read = async { Counts::read(&self.db, sorted).await.map_err(db_err) };
        let counts = self.cache.runs_or(sorted, read).await?;
        if counts.total != self.stats().await?.total {
            tracing::warn!(
                runs = counts.total,
                "the users list's runs disagree with users-stats; paging by OFFSET"
            );
            return Ok(None);
        }
        let (offset, end) = (page.offset(), page.offset().saturating_add(page.page_size));
        let (from, to) = if page.descending {
            let total = counts.total;
            (total.saturating_sub(end), total.saturating_sub(offset))
        } else {
            (offset, end)
        };
        let Some((start, skip)) = counts.find(from).filter(|_| from < to) else {
            return Ok(Some((counts.total, Vec::new())));
        };
        let mut query = user::Entity::find().filter(runs::from(
            self.db.get_database_backend(),
            sorted.columns(),
            start,
        ));
        for column in sorted.columns() {
            query = query.order_by(Expr::col((user::Entity, Alias::new(*column))), Order::Asc);
        }
        let mut rows = query
            .limit(to - from)
            .offset(skip)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        if page.descending {
            rows.reverse();
        }
        Ok(Some((counts.total, rows)))
    }
}

/// One attempt of each write, in its own transaction; see [`retrying`].
impl Store {
    /// Starts `write` to user `id`: its transaction, with the user's row locked, and the
    /// user as stored. Only a write that takes an admin out of the set waits for the others
    /// that may (the admin guard), and checks that another admin remains. Whether the user
    /// is an admin is read before, to take the guard first, and again under the row lock:
    /// a user made an admin in between runs the write again, with the guard.
    async fn begin_write(&self, id: UserId, write: Write) -> Result<(UserChange<'_>, User)> {
        let removes = write.removes_admin();
        let guarded = removes
            && self
                .find_as_stored_now(&UserKey::Id(id))
                .await?
                .is_some_and(|user| user.role.is_admin());
        let txn = self.begin_change().await?;
        if guarded {
            lock_admin_guard(&txn).await?;
        }
        lock_user(&txn, id, write).await?;
        let (user, _) = find_user(&txn, &UserKey::Id(id))
            .await?
            .ok_or_else(|| Error::NotFound(format!("user not found: id {id}")))?;
        if removes && user.role.is_admin() {
            if !guarded {
                return Err(transaction_conflict());
            }
            ensure_another_admin(&txn).await?;
        }
        Ok((txn, user))
    }

    async fn insert_once(&self, new: &User) -> Result<()> {
        let mut txn = self.begin_change().await?;
        user::ActiveModel {
            id: Set(new.id.0),
            username: Set(new.username.as_str().to_owned()),
            username_key: Set(new.username.key()),
            password_hash: Set(new.password_hash.clone()),
            role: Set(new.role.as_str().to_owned()),
            email: Set(new.email.as_ref().map(|e| e.as_str().to_owned())),
            created_at: Set(new.created_at),
            updated_at: Set(new.updated_at),
        }
        .insert(&txn)
        .await
        .map_err(name_taken)?;
        replace_grants(&txn, new.id.0, Some(&new.servers), Some(&new.groups)).await?;
        let mut counts = Deltas::default();
        counts.user(new.role, &new.servers, &new.groups, 1);
        counts.apply(&txn).await?;
        txn.counted(&new.username.key(), new.created_at, new.id.0, 1);
        txn.commit(Changed::Users(&[new.id.0])).await
    }

    async fn update_once(
        &self,
        id: UserId,
        patch: &UserPatch,
        end_sessions: &EndSessions,
        now: DateTime<Utc>,
    ) -> Result<User> {
        let demotes = patch.role.is_some_and(|role| !role.is_admin());
        let (mut txn, current) = self.begin_write(id, Write::Update { demotes }).await?;
        let mut row = user::ActiveModel {
            id: Set(id.0),
            updated_at: Set(now),
            ..Default::default()
        };
        if let Some(name) = &patch.username {
            row.username = Set(name.as_str().to_owned());
            row.username_key = Set(name.key());
            txn.renamed(&current.username.key(), &name.key());
        }
        if let Some(hash) = &patch.password_hash {
            row.password_hash = Set(hash.clone());
        }
        if let Some(role) = patch.role {
            row.role = Set(role.as_str().to_owned());
        }
        if let Some(email) = &patch.email {
            row.email = Set(email.as_ref().map(|e| e.as_str().to_owned()));
        }
        row.update(&txn).await.map_err(name_taken)?;
        replace_grants(&txn, id.0, patch.servers.as_ref(), patch.groups.as_ref()).await?;
        let ended = session::Entity::delete_many().filter(session::Column::UserId.eq(id.0));
        let ended = match end_sessions {
            EndSessions::No => None,
            EndSessions::All => Some(ended),
            EndSessions::AllBut(kept) => {
                Some(ended.filter(session::Column::TokenHash.ne(kept.to_hex())))
            }
        };
        if let Some(ended) = ended {
            ended.exec(&txn).await.map_err(db_err)?;
        }
        let (updated, _) = find_user(&txn, &UserKey::Id(id))
            .await?
            .ok_or_else(|| Error::internal("updated user vanished"))?;
        // Decided on the row as stored under its lock, so that no demotion misses it.
        if updated.role.rank() < current.role.rank() {
            revoke_api_keys(&txn, id.0).await?;
        }
        let mut counts = Deltas::default();
        counts.user(current.role, &current.servers, &current.groups, -1);
        counts.user(updated.role, &updated.servers, &updated.groups, 1);
        counts.apply(&txn).await?;
        txn.commit(Changed::Users(&[id.0])).await?;
        Ok(updated)
    }

    async fn delete_once(&self, id: UserId, now: DateTime<Utc>) -> Result<()> {
        let (mut txn, target) = self.begin_write(id, Write::Delete).await?;
        txn.counted(&target.username.key(), target.created_at, id.0, -1);
        let mut counts = Deltas::default();
        counts.user(target.role, &target.servers, &target.groups, -1);
        counts.apply(&txn).await?;
        // Explicit rather than by cascade, so it does not hinge on SQLite's foreign_keys pragma.
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        revoke_api_keys(&txn, id.0).await?;
        replace_grants(&txn, id.0, Some(&BTreeSet::new()), Some(&BTreeSet::new())).await?;
        teams::leave_all(&txn, id.0, now).await?;
        website::Entity::update_many()
            .col_expr(website::Column::DeletedAt, Expr::value(now))
            // A deleted website's share id may be used again.
            .col_expr(
                website::Column::ShareId,
                Expr::value(Option::<String>::None),
            )
            .filter(website::Column::UserId.eq(id.0))
            .filter(website::Column::DeletedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_err)?;
        user::Entity::delete_by_id(id.0)
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit(Changed::Users(&[id.0])).await
    }
}

/// A user write breaks the case-folded name's unique key, or (with a client-chosen id) the id.
/// The users whose name contains `needle`, in any case: for the user list and a team's.
pub(crate) fn username_matching(backend: DbBackend, needle: &str) -> Condition {
    matching::<user::Entity>(
        backend,
        user::Column::Id,
        &[user::Column::UsernameKey],
        needle,
    )
}

pub(crate) fn name_taken(err: sea_orm::DbErr) -> Error {
    conflict_on(err, "username_key", Conflict::UsernameTaken)
}

/// Takes the admin guard's row lock: every transaction that might remove an admin takes it
/// first, so they run one after another and each counts the admins the previous one left.
/// As the transaction's first statement it is a write, so SQLite takes its write lock here
/// (waiting on busy_timeout) instead of failing to upgrade a read snapshot later.
async fn lock_admin_guard(txn: &impl ConnectionTrait) -> Result<()> {
    meta::lock(txn, meta::ADMIN_GUARD).await.map_err(db_err)
}

/// What a write does to a user, which decides what it locks first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    /// A change; `demotes` when it sets a role that is not admin.
    Update {
        demotes: bool,
    },
    Delete,
}

impl Write {
    /// Whether the write takes the user out of the admins, should they be one.
    fn removes_admin(self) -> bool {
        matches!(self, Self::Update { demotes: true } | Self::Delete)
    }
}

/// Locks the user's row before anything about them is read, for the rest of the
/// transaction: writes to one user run one after another, each reading what the last left,
/// and a team or website being created for a user being deleted either commits first or
/// waits and finds them gone (PostgreSQL's `FOR UPDATE`; an update takes `FOR NO KEY
/// UPDATE`, which lets such creations go on). SQLite has one writer at a time, and its
/// transaction must start with a write to take the write lock at once instead of failing to
/// upgrade a read later: the guard's.
async fn lock_user(txn: &impl ConnectionTrait, id: UserId, write: Write) -> Result<()> {
    let backend = txn.get_database_backend();
    if backend == sea_orm::DbBackend::Sqlite {
        return lock_admin_guard(txn).await;
    }
    let kind = match (backend, write) {
        (sea_orm::DbBackend::Postgres, Write::Update { .. }) => LockType::NoKeyUpdate,
        _ => LockType::Update,
    };
    user::Entity::find_by_id(id.0)
        .select_only()
        .column(user::Column::Id)
        .lock(kind)
        .into_tuple::<Uuid>()
        .all(txn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Ends every API key of a user who lost rights or is being deleted.
async fn revoke_api_keys(txn: &impl ConnectionTrait, user: Uuid) -> Result<()> {
    api_key::Entity::delete_many()
        .filter(api_key::Column::UserId.eq(user))
        .exec(txn)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn ensure_another_admin(txn: &impl ConnectionTrait) -> Result<()> {
    let admins = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .limit(2)
        .all(txn)
        .await
        .map_err(db_err)?;
    if admins.len() < 2 {
        return Err(Error::last_admin());
    }
    Ok(())
}

/// A user, their grants and the change log's position, in one statement: a row per grant
/// (the first branch's `LEFT JOIN` keeps the user when they have no server), each repeating
/// the user's columns and the position. Each round trip costs a login more CPU than the rest of
/// its request but the hash.
async fn find_user(db: &impl ConnectionTrait, key: &UserKey) -> Result<Option<(User, u64)>> {
    let filter = match key {
        UserKey::Id(id) => Expr::col((user::Entity, user::Column::Id)).eq(id.0),
        UserKey::Name(name) => {
            Expr::col((user::Entity, user::Column::UsernameKey)).eq(Username::key_of(name))
        }
    };
    let branch = |kind: &'static str, join: JoinType, table: TableRef, user_id, name| {
        let mut select = Query::select();
        // The kind is a literal, not a bound value: PostgreSQL cannot type a parameter in a
        // UNION.
        select
            .columns(user::Column::iter().map(|column| (user::Entity, column)))
            .expr_as(Expr::cust(kind), "grant_kind")
            .expr_as(Expr::col(name), "grant_name")
            .expr_as(newest_expr(), "log_position")
            .from(user::Entity)
            .join(
                join,
                table,
                Expr::col(user_id).equals((user::Entity, user::Column::Id)),
            )
            .and_where(filter.clone());
        select
    };
    let mut query = branch(
        "'s'",
        JoinType::LeftJoin,
        user_server::Entity.into_table_ref(),
        (user_server::Entity, user_server::Column::UserId).into_column_ref(),
        (user_server::Entity, user_server::Column::Server).into_column_ref(),
    );
    query.union(
        UnionType::All,
        branch(
            "'g'",
            JoinType::InnerJoin,
            user_group::Entity.into_table_ref(),
            (user_group::Entity, user_group::Column::UserId).into_column_ref(),
            (user_group::Entity, user_group::Column::GroupId).into_column_ref(),
        ),
    );
    let rows = db.query_all(&query).await.map_err(db_err)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let row = user::Model::from_query_result(first, "").map_err(db_err)?;
    let stamp: Option<i64> = first.try_get("", "log_position").map_err(db_err)?;
    let stamp = stamp.map_or(0, position);
    let (mut servers, mut groups) = (BTreeSet::new(), BTreeSet::new());
    for grant in &rows {
        let kind: String = grant.try_get("", "grant_kind").map_err(db_err)?;
        let name: Option<String> = grant.try_get("", "grant_name").map_err(db_err)?;
        let of_kind = if kind == "s" {
            &mut servers
        } else {
            &mut groups
        };
        of_kind.extend(name);
    }
    Ok(Some((to_user(row, servers, groups)?, stamp)))
}

/// A server or group grant, as [`with_grants`] reads both in one query.
#[derive(FromQueryResult)]
struct Grant {
    /// `s` for a server, `g` for a group.
    kind: String,
    user_id: Uuid,
    name: String,
}

/// Turns the user rows of a batch or a page into users with their server and group grants,
/// in one query.
async fn with_grants(db: &impl ConnectionTrait, rows: Vec<user::Model>) -> Result<Vec<User>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let grants = |kind: &'static str, table: TableRef, user_id: ColumnRef, name: ColumnRef| {
        let mut select = Query::select();
        // A literal, not a bound value: PostgreSQL cannot type a parameter in a UNION.
        select
            .expr_as(Expr::cust(kind), "kind")
            .expr_as(Expr::col(user_id.clone()), "user_id")
            .expr_as(Expr::col(name), "name")
            .from(table)
            .and_where(Expr::col(user_id).is_in(ids.iter().copied()));
        select
    };
    let mut query = grants(
        "'s'",
        user_server::Entity.into_table_ref(),
        user_server::Column::UserId.into_column_ref(),
        user_server::Column::Server.into_column_ref(),
    );
    query.union(
        UnionType::All,
        grants(
            "'g'",
            user_group::Entity.into_table_ref(),
            user_group::Column::UserId.into_column_ref(),
            user_group::Column::GroupId.into_column_ref(),
        ),
    );
    let statement = db.get_database_backend().build(&query);
    let (mut servers, mut groups) = (BTreeMap::new(), BTreeMap::new());
    for grant in Grant::find_by_statement(statement)
        .all(db)
        .await
        .map_err(db_err)?
    {
        let of_kind: &mut BTreeMap<Uuid, BTreeSet<String>> = match grant.kind.as_str() {
            "s" => &mut servers,
            _ => &mut groups,
        };
        of_kind.entry(grant.user_id).or_default().insert(grant.name);
    }
    rows.into_iter()
        .map(|row| {
            let (s, g) = (servers.remove(&row.id), groups.remove(&row.id));
            to_user(row, s.unwrap_or_default(), g.unwrap_or_default())
        })
        .collect()
}

/// Replaces the server and/or group grants of a user; `None` keeps a set as it is.
async fn replace_grants(
    txn: &UserChange<'_>,
    user_id: Uuid,
    servers: Option<&BTreeSet<String>>,
    groups: Option<&BTreeSet<String>>,
) -> Result<()> {
    if let Some(servers) = servers {
        user_server::Entity::delete_many()
            .filter(user_server::Column::UserId.eq(user_id))
            .exec(txn)
            .await
            .map_err(db_err)?;
        if !servers.is_empty() {
            user_server::Entity::insert_many(servers.iter().map(|server| {
                user_server::ActiveModel {
                    user_id: Set(user_id),
                    server: Set(server.clone()),
                }
            }))
            .exec(txn)
            .await
            .map_err(db_err)?;
        }
    }
    if let Some(groups) = groups {
        user_group::Entity::delete_many()
            .filter(user_group::Column::UserId.eq(user_id))
            .exec(txn)
            .await
            .map_err(db_err)?;
        if !groups.is_empty() {
            user_group::Entity::insert_many(groups.iter().map(|group| user_group::ActiveModel {
                user_id: Set(user_id),
                group_id: Set(group.clone()),
            }))
            .exec(txn)
            .await
            .map_err(db_err)?;
        }
    }
    Ok(())
}

fn to_user(row: user::Model, servers: BTreeSet<String>, groups: BTreeSet<String>) -> Result<User> {
    let corrupt = |what: &str| Error::internal(format!("stored user {} has a bad {what}", row.id));
    Ok(User {
        id: UserId(row.id),
        username: Username::parse(&row.username).map_err(|_| corrupt("username"))?,
        role: row.role.parse().map_err(|_| corrupt("role"))?,
        email: row
            .email
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(|_| corrupt("email"))?,
        password_hash: row.password_hash,
        servers,
        groups,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
