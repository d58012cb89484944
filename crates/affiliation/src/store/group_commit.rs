//! Group commit for SQLite: one task owns the write connection and puts every write
//! waiting in its queue into one transaction, each in its own savepoint, with one
//! `COMMIT` (one fsync) for all. Each caller is answered only after that commit, so a
//! 200 still means "on disk"; a failing write rolls back to its savepoint alone.

use crate::changes::{Change, ChangeFeed};
use crate::error::StoreError;
use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::SqliteConnection;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Most writes in one transaction: bounds how long the first of them waits.
const MAX_BATCH: usize = 64;

/// A write waiting in the queue.
struct Job {
    /// Runs on the connection inside the batch's transaction and says whether it
    /// succeeded; its answer is delivered once the batch's fate is known.
    run: Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Deliver)> + Send>,
    /// Answers the caller with an error without running the write.
    refuse: Box<dyn FnOnce(&StoreError) + Send>,
}

/// Given the commit's error (if any), answers the caller.
type Deliver = Box<dyn FnOnce(Option<&StoreError>) + Send>;

pub struct GroupCommit {
    queue: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts the committing task on the current runtime; it ends when `self` is dropped.
    /// Between writes it watches for other processes' commits and publishes them as
    /// [`Change::Everything`] on `feed`.
    pub fn start(connection: SqliteConnection, feed: Weak<ChangeFeed>) -> GroupCommit {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(run(connection, jobs, feed));
        GroupCommit { queue }
    }

    pub async fn write<T: Send + 'static>(
        &self,
        work: impl for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel::<Result<T, StoreError>>();
        let answer = Arc::new(Mutex::new(Some(answer)));
        let send = |answer: &Arc<Mutex<Option<oneshot::Sender<Result<T, StoreError>>>>>,
                    result: Result<T, StoreError>| {
            if let Some(sender) = answer.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = sender.send(result);
            }
        };
        let refused = answer.clone();
        let job = Job {
            run: Box::new(move |connection| {
                Box::pin(async move {
                    // A panicking write fails alone (rolled back to its savepoint); it must
                    // not take the writer task, and every later write, down with it.
                    let outcome = std::panic::AssertUnwindSafe(work(connection))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| Err(StoreError::Database("a write panicked".into())));
                    let succeeded = outcome.is_ok();
                    let deliver: Deliver = Box::new(move |commit_error| {
                        let result = match (outcome, commit_error) {
                            (Ok(_), Some(error)) => Err(StoreError::Database(format!(
                                "the transaction did not commit: {error}"
                            ))),
                            (outcome, _) => outcome,
                        };
                        send(&answer, result);
                    });
                    (succeeded, deliver)
                })
            }),
            refuse: Box::new(move |error| {
                send(
                    &refused,
                    Err(StoreError::Database(format!(
                        "the write did not run: {error}"
                    ))),
                )
            }),
        };
        self.queue
            .send(job)
            .map_err(|_| StoreError::Database("the SQLite writer has stopped".into()))?;
        answered
            .await
            .map_err(|_| StoreError::Database("the SQLite writer has stopped".into()))?
    }
}

async fn run(
    mut connection: SqliteConnection,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    feed: Weak<ChangeFeed>,
) {
    let mut others = OtherWriters::start(&mut connection, feed).await;
    loop {
        match tokio::time::timeout(DATA_VERSION_POLL, jobs.recv()).await {
            Ok(None) => return,
            Ok(Some(first)) => {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                commit_batch(&mut connection, batch).await;
            }
            Err(_idle) => {}
        }
        others.check(&mut connection).await;
    }
}

/// How often, at most, the writer asks whether another process committed: the delay
/// before this process's caches forget what another process changed.
const DATA_VERSION_POLL: Duration = Duration::from_millis(5);

/// Commits by other processes on the same file, seen through `PRAGMA data_version`:
/// on this connection it moves only when another connection commits, and this
/// process's other connections only read.
struct OtherWriters {
    feed: Weak<ChangeFeed>,
    version: Option<i64>,
    checked: Instant,
}

impl OtherWriters {
    async fn start(connection: &mut SqliteConnection, feed: Weak<ChangeFeed>) -> OtherWriters {
        OtherWriters {
            feed,
            version: data_version(connection).await,
            checked: Instant::now(),
        }
    }

    async fn check(&mut self, connection: &mut SqliteConnection) {
        if self.checked.elapsed() < DATA_VERSION_POLL {
            return;
        }
        self.checked = Instant::now();
        let version = data_version(connection).await;
        if version != self.version {
            self.version = version;
            if let Some(feed) = self.feed.upgrade() {
                feed.publish(Change::Everything);
            }
        }
    }
}

async fn data_version(connection: &mut SqliteConnection) -> Option<i64> {
    sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(connection)
        .await
        .ok()
}

async fn execute(connection: &mut SqliteConnection, sql: &str) -> Result<(), StoreError> {
    sqlx::query(sql).execute(&mut *connection).await?;
    Ok(())
}

async fn commit_batch(connection: &mut SqliteConnection, batch: Vec<Job>) {
    if let Err(error) = execute(connection, "BEGIN IMMEDIATE").await {
        for job in batch {
            (job.refuse)(&error);
        }
        return;
    }
    // A savepoint that cannot be set or settled leaves the transaction in doubt: then
    // none of the batch commits, and every caller hears why.
    let mut in_doubt = None;
    let mut pending = Vec::with_capacity(batch.len());
    for job in batch {
        if in_doubt.is_some() {
            pending.push(Pending::Refused(job.refuse));
            continue;
        }
        if let Err(error) = execute(connection, "SAVEPOINT write").await {
            in_doubt = Some(error);
            pending.push(Pending::Refused(job.refuse));
            continue;
        }
        let (succeeded, deliver) = (job.run)(connection).await;
        let settled = if succeeded {
            execute(connection, "RELEASE write").await
        } else {
            match execute(connection, "ROLLBACK TO write").await {
                Ok(()) => execute(connection, "RELEASE write").await,
                error => error,
            }
        };
        if let Err(error) = settled {
            in_doubt = Some(error);
        }
        pending.push(Pending::Ran(deliver));
    }
    let failure = match in_doubt {
        Some(error) => Some(error),
        None => execute(connection, "COMMIT").await.err(),
    };
    if failure.is_some() {
        let _ = execute(connection, "ROLLBACK").await;
    }
    for job in pending {
        match (job, &failure) {
            (Pending::Ran(deliver), failure) => deliver(failure.as_ref()),
            (Pending::Refused(refuse), Some(error)) => refuse(error),
            (Pending::Refused(refuse), None) => refuse(&StoreError::Database(
                "its transaction was abandoned".into(),
            )),
        }
    }
}

enum Pending {
    Ran(Deliver),
    Refused(Box<dyn FnOnce(&StoreError) + Send>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Row};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_leaves_nothing_and_the_others_commit() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("t.db"))
            .create_if_missing(true);
        let mut connection = options.connect().await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .execute(&mut connection)
            .await
            .unwrap();
        let writes = Arc::new(GroupCommit::start(connection, Weak::new()));

        // Many writers at once, so batches hold several writes; every odd one inserts
        // its row and then fails.
        let tasks: Vec<_> = (0..200i64)
            .map(|n| {
                let writes = writes.clone();
                tokio::spawn(async move {
                    writes
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query("INSERT INTO t (n) VALUES ($1)")
                                    .bind(n)
                                    .execute(&mut *c)
                                    .await?;
                                if n % 2 == 1 {
                                    return Err(StoreError::Database(format!("{n} fails")));
                                }
                                if n == 100 {
                                    panic!("a bug in one write");
                                }
                                Ok(n)
                            })
                        })
                        .await
                })
            })
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            let outcome = task.await.unwrap();
            assert_eq!(
                outcome.is_ok(),
                n % 2 == 0 && n != 100,
                "write {n}: {outcome:?}"
            );
        }

        let mut check = options.connect().await.unwrap();
        let rows = sqlx::query("SELECT n FROM t ORDER BY n")
            .fetch_all(&mut check)
            .await
            .unwrap();
        let stored: Vec<i64> = rows.iter().map(|r| r.get("n")).collect();
        let expected: Vec<i64> = (0..200).step_by(2).filter(|n| *n != 100).collect();
        assert_eq!(stored, expected);
    }
}
