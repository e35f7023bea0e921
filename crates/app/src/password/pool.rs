use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use futures_channel::oneshot;
use roster_domain::{Error, Result};

type Job = Box<dyn FnOnce() + Send>;

/// A worker without a job for this long gives its hashing memory back to the system.
const IDLE: Duration = Duration::from_millis(200);

/// A fixed set of threads for CPU-bound work. Async callers await the result without
/// blocking their executor, and at most `threads` jobs run at once however many wait,
/// so a login flood cannot starve the machine of cores.
pub struct WorkerPool {
    jobs: Sender<Job>,
    threads: usize,
}

impl WorkerPool {
    /// Starts `threads` workers (at least one). They stop when the pool is dropped.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            thread::Builder::new()
                .name(format!("roster-hash-{n}"))
                .spawn(move || {
                    // Hashing yields the cores to request handling: a login flood then
                    // slows logins, not every other request. Where the OS refuses, the
                    // pool works all the same.
                    let _ = thread_priority::set_current_thread_priority(
                        thread_priority::ThreadPriority::Min,
                    );
                    loop {
                        // The lock is held only while waiting for the next job.
                        let next = queue.lock().map(|q| q.recv_timeout(IDLE));
                        match next {
                            // A panicking job drops its reply (the caller sees an error);
                            // the worker lives on.
                            Ok(Ok(job)) => drop(panic::catch_unwind(AssertUnwindSafe(job))),
                            Ok(Err(RecvTimeoutError::Timeout)) => super::argon::release_memory(),
                            _ => break,
                        }
                    }
                })
                .expect("spawning a hashing thread");
        }
        Self { jobs, threads }
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
    /// [`Error::Internal`] if the job panicked; [`Error::Unavailable`] if the pool is gone.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
            }))
            .map_err(|_| Error::Unavailable("hashing pool stopped".into()))?;
        result
            .await
            .map_err(|_| Error::Internal("hashing job panicked".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

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
    async fn a_panicking_job_is_an_internal_error_and_the_pool_survives() {
        let pool = WorkerPool::new(1);
        let err = pool.run(|| panic!("boom")).await.unwrap_err();
        assert!(matches!(err, Error::Internal(_)));
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
