use sea_orm::entity::prelude::*;

/// One user changed by a committed transaction, in commit order; no user means every user
/// (a change made behind the store's back). See `cache` for how instances read it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub user_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
