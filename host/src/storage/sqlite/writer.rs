//! The one thread that touches the database.
//!
//! Callers send it jobs over a channel and await the answer on a oneshot,
//! so no async thread ever blocks on SQLite. The thread takes every job
//! that is waiting and runs them all in one transaction (group commit):
//! with `synchronous=FULL` a commit costs a disk flush, and a thousand
//! teams writing at once pay for one flush, not a thousand. Each job runs
//! in a savepoint of its own, so a refused or failed job leaves nothing
//! behind while the others of its group still commit. Answers (and the
//! cache edits that go with them) are given only once the group's commit
//! is known, so no caller is ever told "done" about a write that a crash
//! could still lose, and the cache never shows one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::db_error;
use crate::storage::StorageError;

/// Most jobs in one transaction: bounds how long the first of them waits
/// for its answer when the queue is long.
const MAX_GROUP: usize = 4096;

/// What a job hands back once its group committed: runs on the writer
/// thread after the commit (for cache edits) and gives the caller's answer.
pub(super) type Finish<T> = Box<dyn FnOnce() -> T + Send>;

/// A finish that only answers `value`.
pub(super) fn answer<T: Send + 'static>(value: T) -> Finish<T> {
    Box::new(move || value)
}

/// A job as the thread sees it: run with the connection (or told why the
/// group could not run at all), it says whether to keep what it wrote and
/// how to settle its caller once the group's fate is known.
type Job = Box<dyn FnOnce(Result<&Connection, StorageError>) -> Step + Send>;

struct Step {
    /// Keep what the job wrote (false: roll its savepoint back).
    keep: bool,
    settle: Box<dyn FnOnce(Result<(), StorageError>) + Send>,
}

enum Command {
    Job(Job),
    /// Finish what came before, close the database and exit; then answer.
    Stop(Option<oneshot::Sender<()>>),
}

/// What the writer has done, for tests and benches that check that writes
/// are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Jobs (reads and writes) sent to the writer.
    pub submitted: u64,
    /// Transactions committed.
    pub groups: u64,
    /// Jobs in those transactions.
    pub commands: u64,
}

#[derive(Debug, Default)]
struct Counters {
    submitted: AtomicU64,
    groups: AtomicU64,
    commands: AtomicU64,
}

/// The handle to the writer thread. Dropping it lets the thread finish
/// what is queued, close the database and exit, and waits for that.
pub(super) struct Writer {
    commands: mpsc::Sender<Command>,
    thread: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

fn closed() -> StorageError {
    StorageError::Unavailable("the storage is closed".into())
}

impl Writer {
    /// Starts the thread, which owns `conn` from now on.
    pub(super) fn start(conn: Connection) -> std::io::Result<Self> {
        let (commands, queue) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let thread = std::thread::Builder::new()
            .name("bothost-storage".into())
            .spawn({
                let counters = counters.clone();
                move || serve(conn, &queue, &counters)
            })?;
        Ok(Self {
            commands,
            thread: Mutex::new(Some(thread)),
            counters,
        })
    }

    /// Runs `work` on the writer thread inside a transaction and answers
    /// with what its finish gives once the transaction committed. `work`
    /// must check before it writes: an error rolls back only its own
    /// writes. A caller that stops waiting does not cancel the job.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<Finish<T>, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let (reply, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn| match conn.and_then(work) {
            Ok(finish) => Step {
                keep: true,
                settle: Box::new(move |commit| {
                    let _ = reply.send(commit.map(|()| finish()));
                }),
            },
            Err(e) => Step {
                keep: false,
                settle: Box::new(move |_| {
                    let _ = reply.send(Err(e));
                }),
            },
        });
        self.commands
            .send(Command::Job(job))
            .map_err(|_| closed())?;
        self.counters.submitted.fetch_add(1, Ordering::Relaxed);
        answered.await.map_err(|_| closed())?
    }

    /// Holds the writer inside a job of its own until the returned sender
    /// is dropped; returns once the writer is inside it (its group is
    /// closed then), so a test knows that the jobs it queues meanwhile run
    /// as one group.
    #[cfg(test)]
    pub(super) fn pause(&self) -> mpsc::Sender<()> {
        let (release, released) = mpsc::channel::<()>();
        let (entered, inside) = mpsc::channel::<()>();
        let job: Job = Box::new(move |_| {
            let _ = entered.send(());
            let _ = released.recv();
            Step {
                keep: true,
                settle: Box::new(drop),
            }
        });
        let _ = self.commands.send(Command::Job(job));
        let _ = inside.recv();
        release
    }

    pub(super) fn stats(&self) -> WriterStats {
        WriterStats {
            submitted: self.counters.submitted.load(Ordering::Relaxed),
            groups: self.counters.groups.load(Ordering::Relaxed),
            commands: self.counters.commands.load(Ordering::Relaxed),
        }
    }

    /// Finishes what is queued, closes the database (checkpointing the
    /// write-ahead log into it) and stops the thread. Later calls answer
    /// [`StorageError::Unavailable`].
    pub(super) async fn close(&self) {
        let (done, finished) = oneshot::channel();
        if self.commands.send(Command::Stop(Some(done))).is_ok() {
            let _ = finished.await;
        }
        // The thread has closed the database and is returning.
        self.join();
    }

    fn join(&self) {
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread
            // Never wait for oneself (a finish dropping the last handle).
            && thread.thread().id() != std::thread::current().id()
            && thread.join().is_err()
        {
            tracing::error!("the storage writer thread panicked");
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop(None));
        self.join();
    }
}

/// The thread's loop: one group per turn, until stopped or every handle is
/// gone.
fn serve(conn: Connection, queue: &mpsc::Receiver<Command>, counters: &Counters) {
    let mut stop = None;
    while let Ok(first) = queue.recv() {
        let mut jobs = Vec::new();
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Job(job) => jobs.push(job),
                Command::Stop(reply) => {
                    stop = Some(reply);
                    break;
                }
            }
            if jobs.len() < MAX_GROUP {
                next = queue.try_recv().ok();
            }
        }
        if !jobs.is_empty() {
            run_group(&conn, jobs, counters);
        }
        if stop.is_some() {
            break;
        }
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the database failed");
    }
    if let Some(Some(reply)) = stop {
        let _ = reply.send(());
    }
}

fn run_group(conn: &Connection, jobs: Vec<Job>, counters: &Counters) {
    let count = jobs.len() as u64;
    let mut settles = Vec::with_capacity(jobs.len());
    let mut failed = exec(conn, "BEGIN IMMEDIATE").err();
    for job in jobs {
        let step = match &failed {
            Some(e) => job(Err(e.clone())),
            None => match in_savepoint(conn, job) {
                Ok(step) => step,
                Err((step, e)) => {
                    failed = Some(e);
                    step
                }
            },
        };
        settles.push(step.settle);
    }
    let outcome = match failed {
        None => match exec(conn, "COMMIT") {
            Ok(()) => {
                counters.groups.fetch_add(1, Ordering::Relaxed);
                counters.commands.fetch_add(count, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => Err(e),
        },
        Some(e) => Err(e),
    };
    if let Err(e) = &outcome {
        tracing::warn!(error = %e, "a storage transaction failed; its writes were rolled back");
        if !conn.is_autocommit() {
            let _ = exec(conn, "ROLLBACK");
        }
    }
    for settle in settles {
        settle(outcome.clone());
    }
}

/// Runs one job in a savepoint, rolled back if the job refused. An error
/// here (or SQLite having abandoned the transaction, as it does on a full
/// disk) fails the whole group: nothing after it may run outside it.
fn in_savepoint(conn: &Connection, job: Job) -> Result<Step, (Step, StorageError)> {
    if let Err(e) = exec(conn, "SAVEPOINT job") {
        return Err((job(Err(e.clone())), e));
    }
    let step = job(Ok(conn));
    let end = if step.keep {
        exec(conn, "RELEASE job")
    } else {
        exec(conn, "ROLLBACK TO job").and_then(|()| exec(conn, "RELEASE job"))
    };
    match end {
        Ok(()) if !conn.is_autocommit() => Ok(step),
        Ok(()) => Err((
            step,
            StorageError::Unavailable("the transaction was abandoned by the database".into()),
        )),
        Err(e) => Err((step, e)),
    }
}

/// One statement without parameters or rows, prepared once per connection.
fn exec(conn: &Connection, sql: &str) -> Result<(), StorageError> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(drop)
        .map_err(db_error)
}
