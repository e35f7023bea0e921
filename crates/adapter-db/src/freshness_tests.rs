//! On tokio's paused clock, so that "within the window" never depends on the machine's load.
//! Its timers tick in whole milliseconds, so reads here take no time but a yield.

use std::sync::atomic::{AtomicU64, Ordering};

use super::*;

/// A reader that yields once, counts its reads, and answers the position current
/// when it *started*, as a database snapshot would; `u64::MAX` makes it fail.
fn reader(position: &Arc<AtomicU64>, reads: &Arc<AtomicU64>) -> Arc<Freshness> {
    let (position, reads) = (position.clone(), reads.clone());
    Freshness::new(Arc::new(move || {
        let (position, reads) = (position.clone(), reads.clone());
        Box::pin(async move {
            reads.fetch_add(1, Ordering::SeqCst);
            let seen = position.load(Ordering::SeqCst);
            tokio::task::yield_now().await;
            match seen {
                u64::MAX => Err(Error::unavailable("down")),
                seen => Ok(seen),
            }
        })
    }))
}

fn v(n: u64) -> Result<u64> {
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_read() {
    let (position, reads) = (Arc::new(AtomicU64::new(7)), Arc::default());
    let freshness = reader(&position, &reads);
    let callers: Vec<_> = (0..50)
        .map(|_| {
            let freshness = freshness.clone();
            tokio::spawn(async move { freshness.current().await })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap(), v(7));
    }
    assert_eq!(reads.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_write_through_this_process_is_seen_by_the_next_caller() {
    let (position, reads) = (Arc::new(AtomicU64::new(1)), Arc::default());
    let freshness = reader(&position, &reads);
    assert_eq!(freshness.current().await, v(1));
    position.store(2, Ordering::SeqCst);
    freshness.written();
    assert_eq!(freshness.current().await, v(2));

    // Also when the write lands while a read is in flight: that read is too old.
    let in_flight = tokio::spawn({
        let freshness = freshness.clone();
        async move {
            freshness.written();
            freshness.current().await
        }
    });
    tokio::task::yield_now().await;
    position.store(3, Ordering::SeqCst);
    freshness.written();
    assert_eq!(freshness.current().await, v(3));
    assert!(in_flight.await.unwrap().is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_write_elsewhere_is_seen_once_the_window_has_passed() {
    let (position, reads) = (Arc::new(AtomicU64::new(1)), Arc::new(AtomicU64::new(0)));
    let freshness = reader(&position, &reads);
    assert_eq!(freshness.current().await, v(1));
    position.store(2, Ordering::SeqCst);
    assert_eq!(
        freshness.current().await,
        v(1),
        "within the window: no query"
    );
    assert_eq!(reads.load(Ordering::SeqCst), 1);
    tokio::time::sleep(WINDOW).await;
    assert_eq!(freshness.current().await, v(2));
}

#[tokio::test(start_paused = true)]
async fn a_hot_caller_reads_ahead_and_never_waits() {
    let (position, reads) = (Arc::new(AtomicU64::new(1)), Arc::new(AtomicU64::new(0)));
    let freshness = reader(&position, &reads);
    assert_eq!(freshness.current().await, v(1));
    position.store(2, Ordering::SeqCst);
    tokio::time::sleep(WINDOW / 2).await;
    let before = Instant::now();
    assert_eq!(freshness.current().await, v(1), "still within the window");
    assert_eq!(Instant::now(), before, "answered without waiting");
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(reads.load(Ordering::SeqCst), 2, "one read ahead");
    assert_eq!(freshness.current().await, v(2));
}

#[tokio::test(start_paused = true)]
async fn a_failed_read_reaches_its_callers_and_the_next_caller_reads_again() {
    let (position, reads) = (
        Arc::new(AtomicU64::new(u64::MAX)),
        Arc::new(AtomicU64::new(0)),
    );
    let freshness = reader(&position, &reads);
    assert!(matches!(
        freshness.current().await,
        Err(Error::Unavailable { .. })
    ));
    position.store(3, Ordering::SeqCst);
    assert_eq!(freshness.current().await, v(3));
    assert_eq!(reads.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_caller_waiting_for_the_next_read_is_answered_by_a_failing_one() {
    let reads = Arc::new(AtomicU64::new(0));
    let freshness = Freshness::new(Arc::new({
        let reads = reads.clone();
        move || {
            reads.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                Err(Error::unavailable("did not answer"))
            })
        }
    }));
    let first = tokio::spawn({
        let freshness = freshness.clone();
        async move { freshness.current().await }
    });
    tokio::time::sleep(Duration::from_millis(1900)).await;
    let asked = Instant::now();
    assert!(freshness.current().await.is_err());
    assert_eq!(
        asked.elapsed(),
        Duration::from_millis(100),
        "not a second read's time"
    );
    assert!(first.await.unwrap().is_err());
    assert_eq!(reads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_panicking_read_answers_its_callers_with_an_error() {
    let calls = Arc::new(AtomicU64::new(0));
    let freshness = Freshness::new(Arc::new({
        let calls = calls.clone();
        move || {
            let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
            Box::pin(async move {
                assert!(!first, "the first read fails");
                v(9)
            })
        }
    }));
    assert!(matches!(
        freshness.current().await,
        Err(Error::Internal { .. })
    ));
    assert_eq!(freshness.current().await, v(9));
}
