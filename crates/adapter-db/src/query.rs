//! Pieces shared by the paged lists: case-insensitive search and ordering.

use roster_domain::PageRequest;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Query, UnionType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic, Order, PaginatorTrait,
    QueryOrder, QuerySelect, Select,
};

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

/// `contains` on any of `columns` of `E`, with what makes it fast: on SQLite the ids of the
/// rows the trigram table of `E` (migration m0008) finds, a superset since the needle's own
/// `%` and `_` become `_` there, which `contains` then narrows; PostgreSQL's trigram indexes
/// serve `contains` itself.
pub(crate) fn matching<E: EntityTrait>(
    backend: DbBackend,
    id: E::Column,
    columns: &[E::Column],
    needle: &str,
) -> sea_orm::Condition {
    let mut any = sea_orm::Condition::any();
    for column in columns {
        any = any.add(contains(*column, needle));
    }
    if backend != DbBackend::Sqlite {
        return any;
    }
    let mut pattern = String::from("%");
    pattern.extend(
        needle
            .chars()
            .map(|c| if matches!(c, '%' | '_') { '_' } else { c }),
    );
    pattern.push('%');
    let table = Alias::new(format!("{}_search", E::default().table_name()));
    let select = |column: &E::Column| {
        Query::select()
            .column(Alias::new("id"))
            .from(table.clone())
            .and_where(Expr::col(Alias::new(column.as_str())).like(pattern.as_str()))
            .to_owned()
    };
    let mut found = select(&columns[0]);
    for column in &columns[1..] {
        found.union(UnionType::Distinct, select(column));
    }
    sea_orm::Condition::all()
        .add(Expr::col((E::default(), id)).in_subquery(found))
        .add(any)
}

/// What every paged list does first: counts all that `query` matches, orders it by `column` as `page` asks, then by `id` the same way so
/// that no row shows on two pages (no `id` for a unique column: after one, PostgreSQL
/// sorted the rows again by both), and cuts it to the page. A page past the middle is read
/// from the far end in the opposite order, so that `OFFSET` walks at most half the list;
/// the [`Flip`] puts its rows back in order.
pub(crate) async fn window<E, O, C: ColumnTrait>(
    query: Select<E>,
    db: &impl ConnectionTrait,
    page: &PageRequest<O>,
    (column, id): (impl ColumnTrait, Option<C>),
) -> Result<(u64, Select<E>, Flip), DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = query.clone().count(db).await?;
    let (offset, end) = (page.offset(), page.offset().saturating_add(page.page_size));
    let flip = Flip(offset < total && offset > total / 2);
    let (offset, limit) = if flip.0 {
        let end = Ord::min(end, total);
        (total - end, end - offset)
    } else {
        (offset, page.page_size)
    };
    // The id runs the same way as the column, so that one index on both serves the order
    // either way; mixed, SQLite sorted every row that shares the column's value.
    let order = if page.descending != flip.0 {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut query = query.order_by(column, order.clone());
    if let Some(id) = id {
        query = query.order_by(id, order);
    }
    let query = query.limit(limit).offset(offset);
    Ok((total, query, flip))
}

/// Whether a page was read from the far end of its list, and so came back reversed.
#[must_use = "a flipped page's rows are in reverse order until put back"]
pub(crate) struct Flip(bool);

impl Flip {
    pub(crate) fn put_back<T>(self, mut rows: Vec<T>) -> Vec<T> {
        if self.0 {
            rows.reverse();
        }
        rows
    }
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
