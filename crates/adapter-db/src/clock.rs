//! The database's clock, the one every instance on it shares.
//!
//! Instances whose hosts' clocks disagree would disagree about when a session expires,
//! which sessions a purge may delete and when a lockout window ends. Each instance measures
//! how far the database's clock is from its own, with every read of the users version (and
//! once at connect), and tells the time as the database would.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use roster_domain::ports::Clock;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult};

/// This host's clock; tests stand a skewed one in for it.
pub(crate) type LocalClock = fn() -> DateTime<Utc>;

/// The time as the database tells it, to the microsecond, read off this host's clock and
/// the offset last measured. SQLite's clock is this host's own.
#[derive(Clone, Debug)]
pub struct DatabaseClock(Arc<Offset>);

impl Clock for DatabaseClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = TimeDelta::microseconds(self.0.micros.load(Ordering::Relaxed));
        ((self.0.local)() + offset).trunc_subsecs(6)
    }
}

/// How far the database's clock is ahead of this host's.
#[derive(Debug)]
pub(crate) struct Offset {
    micros: AtomicI64,
    /// The shortest round trip of a reading so far, in microseconds; `i64::MAX` before the
    /// first.
    fastest: AtomicI64,
    local: LocalClock,
}

/// A reading whose round trip took much longer than the fastest (it waited for a pool
/// connection, say) says little about when the database read its clock: it is left out.
const SLACK_MICROS: i64 = 5_000;

impl Offset {
    pub(crate) fn new(local: LocalClock) -> Arc<Self> {
        Arc::new(Self {
            micros: AtomicI64::new(0),
            fastest: AtomicI64::new(i64::MAX),
            local,
        })
    }

    pub(crate) fn clock(self: &Arc<Self>) -> DatabaseClock {
        DatabaseClock(self.clone())
    }

    pub(crate) fn local_now(&self) -> DateTime<Utc> {
        (self.local)()
    }

    /// Records a reading of the database's clock, `database`, taken between `sent` and
    /// `received` on this host's: the database read it about halfway.
    pub(crate) fn record(
        &self,
        sent: DateTime<Utc>,
        database: DateTime<Utc>,
        received: DateTime<Utc>,
    ) {
        let round_trip = received - sent;
        let Some(trip) = round_trip.num_microseconds() else {
            return;
        };
        let fastest = self.fastest.fetch_min(trip, Ordering::Relaxed).min(trip);
        if trip > fastest.saturating_mul(2).saturating_add(SLACK_MICROS) {
            return;
        }
        let halfway = sent + round_trip / 2;
        if let Some(micros) = (database - halfway).num_microseconds() {
            self.micros.store(micros, Ordering::Relaxed);
        }
    }

    /// Records the database's time in `row`'s column `now`, read by a query sent at `sent`
    /// and answered just now.
    ///
    /// # Errors
    /// When the column is missing or not a time.
    pub(crate) fn record_row(
        &self,
        backend: DbBackend,
        sent: DateTime<Utc>,
        row: &QueryResult,
    ) -> Result<(), DbErr> {
        let database = match backend {
            DbBackend::MySql => row.try_get::<NaiveDateTime>("", "now")?.and_utc(),
            _ => row.try_get::<DateTime<Utc>>("", "now")?,
        };
        self.record(sent, database, self.local_now());
        Ok(())
    }
}

/// The expression that reads the database's clock in UTC, if it is not this host's.
pub(crate) fn now_sql(backend: DbBackend) -> Option<&'static str> {
    match backend {
        DbBackend::Postgres => Some("CURRENT_TIMESTAMP"),
        DbBackend::MySql => Some("UTC_TIMESTAMP(6)"),
        _ => None,
    }
}

/// Measures the offset with a query of its own.
///
/// # Errors
/// The database's.
pub(crate) async fn measure(db: &impl ConnectionTrait, offset: &Offset) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let Some(now) = now_sql(backend) else {
        return Ok(());
    };
    let sent = offset.local_now();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            format!("SELECT {now} AS now"),
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the database's time".into()))?;
    offset.record_row(backend, sent, &row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ten_minutes_fast() -> DateTime<Utc> {
        Utc::now() + TimeDelta::minutes(10)
    }

    #[test]
    fn a_fast_host_tells_the_database_time() {
        let offset = Offset::new(ten_minutes_fast);
        let sent = offset.local_now();
        let received = sent + TimeDelta::milliseconds(4);
        let database = sent + TimeDelta::milliseconds(2) - TimeDelta::minutes(10);
        offset.record(sent, database, received);
        let told = offset.clock().now();
        let off = (told - Utc::now()).num_milliseconds().abs();
        assert!(off < 1000, "{off} ms from the database's time");

        // A slow reading, once one is had, is left out.
        let sent = offset.local_now();
        let received = sent + TimeDelta::seconds(1);
        offset.record(sent, sent, received);
        let off = (offset.clock().now() - Utc::now()).num_milliseconds().abs();
        assert!(off < 1000, "a slow reading moved the clock by {off} ms");
    }
}
