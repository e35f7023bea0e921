use sea_orm::entity::prelude::*;

/// Named rows for coordination between instances: `admin-guard` is locked by every
/// transaction that could remove an admin, which serialises them on every backend, and
/// `users-version` tells instances when to read the change log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_meta")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub(crate) const ADMIN_GUARD: &str = "admin-guard";
/// A new random UUID at every change of users or sessions, whose row lock orders the
/// change log; see `change_log`.
pub(crate) const USERS_VERSION: &str = "users-version";

/// Takes the row lock of `key` until the transaction ends, by writing its value back.
pub(crate) async fn lock(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Value, sea_orm::sea_query::Expr::col(Column::Value))
        .filter(Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}
