use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use futures_channel::oneshot;
use roster_domain::{Error, Result};

/// Work to run, which returns how to answer its caller.
type Job = Box<dyn FnOnce() -> Reply + Send>;
type Reply = Box<dyn FnOnce() + Send>;

/// A worker without a job for this long gives its hashing memory back to the system.
const IDLE: Duration = Duration::from_millis(200);

/// A fixed set of threads for CPU-bound work. Async callers await the result without
/// blocking their executor, and at most `threads` jobs run at once however many wait,
/// so a login flood cannot starve the machine of cores.
///
/// A job goes to the worker that became idle last: logins one at a time then stay on one
/// thread, whose argon2 memory is still in the caches, and the other workers' idle timers
/// run out and free theirs.
pub struct WorkerPool {
    shared: Arc<Shared>,
    threads: usize,
}

struct Shared {
    state: Mutex<State>,
    /// One per worker: wakes it when a job is handed to it, or when the pool stops.
    wake: Vec<Condvar>,
}

struct State {
    /// Jobs that came while every worker was busy, oldest first.
    queue: VecDeque<Job>,
    /// A job handed to each worker, which it has not taken yet.
    handed: Vec<Option<Job>>,
    /// Idle workers, the one idle last at the end.
    idle: Vec<usize>,
    stopped: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock, so a poisoned lock guards consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn work(&self, me: usize) {
        // Hashing yields the cores to request handling: a login flood then slows logins,
        // not every other request. Where the OS refuses, the pool works all the same.
        let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
        let mut state = self.lock();
        let (mut next, mut registered) = (None, false);
        loop {
            if registered {
                (state, next) = self.wait(me, state);
                registered = false;
            }
            let job = match next.take().or_else(|| state.queue.pop_front()) {
                Some(job) => job,
                None if state.stopped => return,
                None => {
                    state.idle.push(me);
                    registered = true;
                    continue;
                }
            };
            drop(state);
            let answer = panic::catch_unwind(AssertUnwindSafe(job));
            state = self.lock();
            // This worker takes the next queued job or goes idle before its caller hears
            // back, so that the caller's next job comes back to it.
            next = state.queue.pop_front();
            if next.is_none() && !state.stopped {
                state.idle.push(me);
                registered = true;
            }
            drop(state);
            // A job that panicked has no answer: its caller sees its reply dropped.
            if let Ok(reply) = answer {
                reply();
            }
            state = self.lock();
        }
    }

    /// Waits, idle, until a job is handed to `me` or the pool stops; gives the hashing
    /// memory back after [`IDLE`].
    fn wait<'a>(
        &'a self,
        me: usize,
        state: MutexGuard<'a, State>,
    ) -> (MutexGuard<'a, State>, Option<Job>) {
        let waiting = |s: &mut State| s.handed[me].is_none() && !s.stopped;
        let (mut state, waited) = self.wake[me]
            .wait_timeout_while(state, IDLE, waiting)
            .unwrap_or_else(PoisonError::into_inner);
        if waited.timed_out() {
            drop(state);
            super::argon::release_memory();
            state = self.wake[me]
                .wait_while(self.lock(), waiting)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let job = state.handed[me].take();
        (state, job)
    }
}

impl WorkerPool {
    /// Starts `threads` workers (at least one). They stop when the pool is dropped, after
    /// the jobs already given.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                handed: (0..threads).map(|_| None).collect(),
                idle: Vec::with_capacity(threads),
                stopped: false,
            }),
            wake: (0..threads).map(|_| Condvar::new()).collect(),
        });
        for me in 0..threads {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("roster-hash-{me}"))
                .spawn(move || shared.work(me))
                .expect("spawning a hashing thread");
        }
        Self { shared, threads }
    }

    /// One worker per available core.
    pub fn per_core() -> Self {
        Self::new(thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// How many jobs may run at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `work` on a worker and waits for its result.
    ///
    /// # Errors
    /// [`Error::Internal`] if the job panicked.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        // The caller's span goes with the job, so that what the hash logs is the request's.
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let value = span.in_scope(work);
            Box::new(move || {
                let _ = reply.send(value);
            })
        });
        self.give(job);
        result
            .await
            .map_err(|_| Error::internal("hashing job panicked"))
    }

    /// Hands `job` to the worker idle last, or queues it while every worker is busy.
    fn give(&self, job: Job) {
        let mut state = self.shared.lock();
        match state.idle.pop() {
            Some(worker) => {
                state.handed[worker] = Some(job);
                drop(state);
                self.shared.wake[worker].notify_one();
            }
            None => state.queue.push_back(job),
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
        for wake in &self.shared.wake {
            wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Records the threads spans are entered on.
    struct Entered(Arc<std::sync::Mutex<Vec<String>>>);

    impl<S> tracing_subscriber::Layer<S> for Entered
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        fn on_enter(&self, _: &tracing::span::Id, _: tracing_subscriber::layer::Context<'_, S>) {
            let thread = thread::current().name().unwrap_or_default().to_owned();
            self.0.lock().unwrap().push(thread);
        }
    }

    #[tokio::test]
    async fn a_job_runs_in_the_span_of_its_caller() {
        use tracing::Instrument;
        use tracing_subscriber::layer::SubscriberExt;
        let entered = Arc::default();
        let subscriber = tracing_subscriber::registry().with(Entered(Arc::clone(&entered)));
        let _default = tracing::subscriber::set_default(subscriber);
        let pool = WorkerPool::new(1);
        let span = tracing::info_span!("request");
        pool.run(|| ()).instrument(span).await.unwrap();
        let entered = entered.lock().unwrap();
        assert!(
            entered.iter().any(|thread| thread == "roster-hash-0"),
            "{entered:?}"
        );
    }

    #[tokio::test]
    async fn runs_jobs_and_never_more_than_its_threads_at_once() {
        let pool = Arc::new(WorkerPool::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for i in 0..8 {
            let (pool, running, peak) = (pool.clone(), running.clone(), peak.clone());
            handles.push(tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i * 2
                })
                .await
            }));
        }
        let mut results = Vec::new();
        for handle in handles {
            results.push(handle.await.unwrap().unwrap());
        }
        assert_eq!(results, (0..8).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn jobs_one_at_a_time_stay_on_the_worker_idle_last() {
        let pool = WorkerPool::new(3);
        while pool.shared.lock().idle.len() < 3 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let mut workers = Vec::new();
        for _ in 0..6 {
            workers.push(pool.run(|| thread::current().id()).await.unwrap());
        }
        assert!(workers.iter().all(|w| *w == workers[0]), "{workers:?}");
    }

    #[tokio::test]
    async fn jobs_queued_while_every_worker_is_busy_all_run() {
        let pool = Arc::new(WorkerPool::new(1));
        let jobs: Vec<_> = (0..20)
            .map(|i| {
                let pool = pool.clone();
                tokio::spawn(async move { pool.run(move || i).await })
            })
            .collect();
        for (i, job) in jobs.into_iter().enumerate() {
            assert_eq!(job.await.unwrap().unwrap(), i);
        }
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_internal_error_and_the_pool_survives() {
        let pool = WorkerPool::new(1);
        let err = pool.run(|| panic!("boom")).await.unwrap_err();
        assert!(matches!(err, Error::Internal { .. }));
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn workers_run_below_the_priority_of_other_threads() {
        // Field 19 of /proc/<tid>/stat is the thread's nice value.
        let nice = |stat: String| -> i32 {
            let after_name = &stat[stat.rfind(')').unwrap() + 2..];
            after_name.split(' ').nth(16).unwrap().parse().unwrap()
        };
        let read = || std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let pool = WorkerPool::new(1);
        let worker = nice(pool.run(read).await.unwrap());
        assert!(worker > nice(read()), "worker nice {worker}");
    }
}
