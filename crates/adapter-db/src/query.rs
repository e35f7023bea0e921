//! Pieces shared by the paged lists: case-insensitive search and ordering.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, Select};

/// `LOWER(col) LIKE '%needle%'`, with the needle's own wildcards escaped, on every backend.
pub(crate) fn contains(col: impl ColumnTrait, needle: &str) -> Expr {
    let mut pattern = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(col.into_expr())).like(LikeExpr::new(pattern).escape('!'))
}

pub(crate) fn direction(descending: bool) -> Order {
    if descending { Order::Desc } else { Order::Asc }
}

/// A row count from the database as a page's `count`.
pub(crate) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// The row a lookup by a unique key finds, if any.
///
/// Not `.one()`: it adds a `LIMIT ?`, and SQLite re-parses and re-plans a statement on every
/// run when its LIMIT is a bound parameter, which doubled the cost of a point lookup.
pub(crate) async fn unique<E: EntityTrait>(
    query: Select<E>,
    db: &impl ConnectionTrait,
) -> Result<Option<E::Model>, DbErr> {
    Ok(query.all(db).await?.into_iter().next())
}
