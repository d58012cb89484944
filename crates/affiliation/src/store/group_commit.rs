//! Group commit: a task owns a write connection and puts every write waiting in its
//! queue into one transaction, each in its own savepoint, with one `COMMIT` (one
//! fsync) for all. Each caller is answered only after that commit, so a 200 still
//! means "on disk"; a failing write rolls back to its savepoint alone. What differs
//! between the databases (how a batch begins, telling other nodes, watching other
//! writers, replacing a lost connection) is a [`Flavor`].
//!
//! The control statements are fused into one round trip each (`RELEASE` of one
//! write with the `SAVEPOINT` of the next, the last `RELEASE` with the announcement
//! and the `COMMIT`), and a batch of one write needs no savepoint at all: every
//! statement is a hand-off to the driver (a thread switch on SQLite, a network round
//! trip on PostgreSQL), and those, not the database, are what a write costs.

use crate::changes::Change;
use crate::error::StoreError;
use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::{Database, Executor};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Most writes in one transaction: bounds how long the first of them waits.
const MAX_BATCH: usize = 64;

/// A connection of flavor `F`'s driver.
pub type Connection<F> = <<F as Flavor>::Db as Database>::Connection;

/// What differs between the databases' group commits.
pub trait Flavor: Send + 'static {
    type Db: Database;
    /// Opens a batch's transaction.
    const BEGIN: &'static str;
    /// When set, [`Flavor::between_batches`] also runs after this long without writes.
    const IDLE_TICK: Option<Duration> = None;

    /// Runs on the connection after every batch (and every [`Flavor::IDLE_TICK`]).
    fn between_batches(&mut self, _conn: &mut Connection<Self>) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// The statement, run in the batch's transaction just before its `COMMIT`, that
    /// tells other nodes what the batch's writes changed (`None`: nobody to tell).
    fn announcement(_changes: &[Change]) -> Option<String> {
        None
    }

    /// A new connection for `old`, after a batch could not even be rolled back on it
    /// (`None`: keep it).
    fn reconnect(
        &mut self,
        _old: &mut Connection<Self>,
    ) -> impl Future<Output = Option<Connection<Self>>> + Send {
        async { None }
    }
}

/// A write waiting in the queue.
struct Job<C> {
    /// What the write changes, told to other nodes when its batch commits.
    change: Option<Change>,
    /// Runs on the connection inside the batch's transaction and says whether it
    /// succeeded; its answer is delivered once the batch's fate is known.
    run: Run<C>,
    /// Answers the caller with an error without running the write.
    refuse: Refuse,
}

type Run<C> = Box<dyn for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, (bool, Deliver)> + Send>;
/// The caller's answer, sent once by whichever of running or refusing comes first.
type Answer<T> = Arc<Mutex<Option<oneshot::Sender<Result<T, StoreError>>>>>;
/// Given the commit's error (if any), answers the caller.
type Deliver = Box<dyn FnOnce(Option<&StoreError>) + Send>;
type Refuse = Box<dyn FnOnce(&StoreError) + Send>;

/// The queues of one or more committing tasks, each with its own connection.
pub struct GroupCommit<C> {
    queues: Vec<mpsc::UnboundedSender<Job<C>>>,
}

impl<C: Send + 'static> GroupCommit<C> {
    /// Queues without committers yet: see [`GroupCommit::committer`].
    pub fn new() -> GroupCommit<C> {
        GroupCommit { queues: Vec::new() }
    }

    /// Adds a committer of `flavor` on `connection`: the returned task, for the caller
    /// to spawn (there the connection's type is known, and so is its future's `Send`),
    /// ends when `self` is dropped.
    pub fn committer<F>(&mut self, flavor: F, connection: C) -> impl Future<Output = ()>
    where
        F: Flavor<Db: Database<Connection = C>>,
        for<'c> &'c mut C: Executor<'c, Database = F::Db>,
    {
        let (queue, jobs) = mpsc::unbounded_channel();
        self.queues.push(queue);
        run(flavor, connection, jobs)
    }

    /// Runs `work` in the next batch of the committer that `change` is routed to:
    /// writes to one group (or one user's own records) always meet on the same
    /// committer, one after another, so two batches of one node never wait for each
    /// other's row locks.
    pub async fn write<T: Send + 'static>(
        &self,
        change: Option<Change>,
        work: impl for<'c> FnOnce(&'c mut C) -> BoxFuture<'c, Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel::<Result<T, StoreError>>();
        let answer = Arc::new(Mutex::new(Some(answer)));
        let send = |answer: &Answer<T>, result: Result<T, StoreError>| {
            if let Some(sender) = answer.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = sender.send(result);
            }
        };
        let refused = answer.clone();
        let job = Job {
            change,
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
        let stopped = || StoreError::Database("the writer has stopped".into());
        self.queues[route(change, self.queues.len())]
            .send(job)
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// The committer of a write that changes `change`, out of `committers`.
fn route(change: Option<Change>, committers: usize) -> usize {
    let key = match change {
        Some(Change::Group(id)) => u64::from(id),
        // Kept apart from group ids' range only by chance: any fixed choice is right.
        Some(Change::UserTokens(owner)) => owner as u64,
        _ => 0,
    };
    (key % committers.max(1) as u64) as usize
}

/// Where a write goes in its batch. Every node's batches take their row locks in this
/// one order (groups by id, then users by id, then the rest), so two nodes' batches cannot
/// each hold a row the other waits for. The sort is stable: writes to the same rows keep
/// the order they came in.
fn lock_order(change: Option<Change>) -> (u8, i64) {
    match change {
        Some(Change::Group(id)) => (0, i64::from(id)),
        Some(Change::UserTokens(owner)) => (1, owner),
        _ => (2, 0),
    }
}

async fn run<F>(
    mut flavor: F,
    mut connection: Connection<F>,
    mut jobs: mpsc::UnboundedReceiver<Job<Connection<F>>>,
) where
    F: Flavor,
    for<'c> &'c mut Connection<F>: Executor<'c, Database = F::Db>,
{
    loop {
        let next = match F::IDLE_TICK {
            Some(tick) => tokio::time::timeout(tick, jobs.recv()).await,
            None => Ok(jobs.recv().await),
        };
        match next {
            Ok(None) => return,
            Ok(Some(first)) => {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                batch.sort_by_key(|job| lock_order(job.change));
                if commit_batch::<F>(&mut connection, batch).await == Health::Suspect {
                    if let Some(replacement) = flavor.reconnect(&mut connection).await {
                        connection = replacement;
                    }
                }
            }
            Err(_idle) => {}
        }
        flavor.between_batches(&mut connection).await;
    }
}

/// Whether a connection is still fit for the next batch, as far as a batch can tell.
#[derive(Debug, PartialEq, Eq)]
enum Health {
    Sound,
    /// Even the `ROLLBACK` failed: the connection may be gone.
    Suspect,
}

/// One round trip of control statements. Boxed as the driver's executor boxes it,
/// so the committer's future is `Send` whatever the driver.
fn execute<'c, F>(
    connection: &'c mut Connection<F>,
    sql: &'c str,
) -> BoxFuture<'c, Result<(), StoreError>>
where
    F: Flavor,
    for<'e> &'e mut Connection<F>: Executor<'e, Database = F::Db>,
{
    Executor::execute(connection, sqlx::raw_sql(sql))
        .map(|done| done.map(|_| ()).map_err(StoreError::from))
        .boxed()
}

/// A batch's statements around its writes, each string one round trip.
struct Control<F> {
    single: bool,
    flavor: std::marker::PhantomData<F>,
}

impl<F: Flavor> Control<F> {
    fn opening(&self) -> String {
        match self.single {
            true => F::BEGIN.to_string(),
            false => format!("{}; SAVEPOINT write", F::BEGIN),
        }
    }

    /// After a write: settles its savepoint and opens the next one, or ends the batch
    /// (a lone write that failed rolls the whole transaction back).
    fn after(&self, succeeded: bool, last: bool, changes: &[Change]) -> String {
        let mut statements = Vec::new();
        if self.single && !succeeded {
            return "ROLLBACK".into();
        }
        if !self.single {
            statements.push(match succeeded {
                true => "RELEASE write".to_string(),
                false => "ROLLBACK TO write; RELEASE write".to_string(),
            });
        }
        if !last {
            statements.push("SAVEPOINT write".into());
        } else {
            statements.extend(F::announcement(changes));
            statements.push("COMMIT".into());
        }
        statements.join("; ")
    }
}

async fn commit_batch<F>(connection: &mut Connection<F>, batch: Vec<Job<Connection<F>>>) -> Health
where
    F: Flavor,
    for<'c> &'c mut Connection<F>: Executor<'c, Database = F::Db>,
{
    let control = Control::<F> {
        single: batch.len() == 1,
        flavor: std::marker::PhantomData,
    };
    // A statement that fails leaves the transaction in doubt: then none of the batch
    // commits, and every caller hears why.
    let mut failure = execute::<F>(connection, &control.opening()).await.err();
    let mut changes = Vec::new();
    let mut pending = Vec::with_capacity(batch.len());
    let count = batch.len();
    for (n, job) in batch.into_iter().enumerate() {
        if failure.is_some() {
            pending.push(Pending::Refused(job.refuse));
            continue;
        }
        let (succeeded, deliver) = (job.run)(connection).await;
        pending.push(Pending::Ran(deliver));
        if succeeded {
            changes.extend(job.change);
        }
        let settle = control.after(succeeded, n + 1 == count, &changes);
        failure = execute::<F>(connection, &settle).await.err();
        if control.single && !succeeded {
            // Its own error is its answer; the rollback's fate only tells the health.
            return match failure {
                None => finish(pending, None, Health::Sound),
                Some(_) => finish(pending, None, Health::Suspect),
            };
        }
    }
    let mut health = Health::Sound;
    if failure.is_some() && execute::<F>(connection, "ROLLBACK").await.is_err() {
        health = Health::Suspect;
    }
    finish(pending, failure.as_ref(), health)
}

/// Answers every caller of a batch whose commit ended with `failure`.
fn finish(pending: Vec<Pending>, failure: Option<&StoreError>, health: Health) -> Health {
    for job in pending {
        match (job, failure) {
            (Pending::Ran(deliver), failure) => deliver(failure),
            (Pending::Refused(refuse), Some(error)) => refuse(error),
            (Pending::Refused(refuse), None) => refuse(&StoreError::Database(
                "its transaction was abandoned".into(),
            )),
        }
    }
    health
}

enum Pending {
    Ran(Deliver),
    Refused(Refuse),
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::postgres::PgListener;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{
        ConnectOptions, Connection as _, PgConnection, Postgres, Row, Sqlite, SqliteConnection,
    };
    use std::collections::BTreeSet;

    struct SqliteTest;

    impl Flavor for SqliteTest {
        type Db = Sqlite;
        const BEGIN: &'static str = "BEGIN IMMEDIATE";
    }

    /// Announces on its own channel, which the test listens to.
    struct PgTest;

    const TEST_CHANNEL: &str = "group_commit_test";

    impl Flavor for PgTest {
        type Db = Postgres;
        const BEGIN: &'static str = "BEGIN";

        fn announcement(changes: &[Change]) -> Option<String> {
            // As PostgreSQL's own flavor: a batch whose writes all failed says nothing.
            (!changes.is_empty())
                .then(|| format!("NOTIFY {TEST_CHANNEL}, '{}'", Change::payload_of(changes)))
        }
    }

    const WRITERS: i64 = 200;

    /// Which of the writers of [`writers_at_once`] commit.
    fn committing(n: i64) -> bool {
        n % 3 == 0 && n != 99
    }

    /// Many writers at once, so batches hold several writes, each naming its own
    /// change: every third inserts its row and then fails by itself, every third + 1
    /// fails on the database (a duplicate key, which on PostgreSQL aborts the
    /// transaction until its savepoint is rolled back), one panics; the others commit.
    async fn writers_at_once<C, DB>(writes: Arc<GroupCommit<C>>, table: &'static str)
    where
        C: Send + 'static,
        DB: Database,
        for<'e> &'e mut C: Executor<'e, Database = DB>,
    {
        let tasks: Vec<_> = (0..WRITERS)
            .map(|n| {
                let writes = writes.clone();
                tokio::spawn(async move {
                    let change = Some(Change::Group(n as u32));
                    writes
                        .write(change, move |c| {
                            Box::pin(async move {
                                let insert = format!("INSERT INTO {table} (n) VALUES ({n})");
                                Executor::execute(&mut *c, sqlx::raw_sql(&insert)).await?;
                                match n % 3 {
                                    1 => return Err(StoreError::Database(format!("{n} fails"))),
                                    2 => {
                                        Executor::execute(&mut *c, sqlx::raw_sql(&insert)).await?;
                                    }
                                    _ if n == 99 => panic!("a bug in one write"),
                                    _ => {}
                                }
                                Ok(n)
                            })
                        })
                        .await
                })
            })
            .collect();
        for (n, task) in (0..).zip(tasks) {
            let outcome = task.await.unwrap();
            assert_eq!(outcome.is_ok(), committing(n), "write {n}: {outcome:?}");
            if let Ok(written) = outcome {
                assert_eq!(written, n);
            }
        }
    }

    fn expected_rows() -> Vec<i64> {
        (0..WRITERS).filter(|n| committing(*n)).collect()
    }

    #[tokio::test]
    async fn a_batch_takes_its_locks_in_one_order_keeping_each_rows_writes_in_turn() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("t.db"))
            .create_if_missing(true);
        let connection: SqliteConnection = options.connect().await.unwrap();
        let mut writes = GroupCommit::new();
        let committer = writes.committer(SqliteTest, connection);
        let ran = Arc::new(Mutex::new(Vec::new()));
        let changes = |n: u32| match n % 4 {
            3 => Change::UserTokens(i64::from(n % 3)),
            _ => Change::Group((n * 7) % 5),
        };
        // Every write is queued before the committer starts, so all are one batch.
        let mut queued: Vec<_> = (0..20u32)
            .map(|n| {
                let ran = ran.clone();
                Box::pin(writes.write(Some(changes(n)), move |_| {
                    Box::pin(async move {
                        ran.lock().unwrap().push(n);
                        Ok(())
                    })
                }))
            })
            .collect();
        for write in &mut queued {
            assert!(write.now_or_never().is_none());
        }
        tokio::spawn(committer);
        for write in queued {
            write.await.unwrap();
        }
        let ran = ran.lock().unwrap().clone();
        let mut expected: Vec<u32> = (0..20).collect();
        expected.sort_by_key(|n| lock_order(Some(changes(*n))));
        assert_eq!(ran, expected);
        assert_ne!(ran, (0..20).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_a_failing_write_leaves_nothing_and_the_others_commit() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("t.db"))
            .create_if_missing(true);
        let mut connection: SqliteConnection = options.connect().await.unwrap();
        sqlx::query("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .execute(&mut connection)
            .await
            .unwrap();
        let mut writes = GroupCommit::new();
        tokio::spawn(writes.committer(SqliteTest, connection));
        writers_at_once(Arc::new(writes), "t").await;

        let mut check = options.connect().await.unwrap();
        let rows = sqlx::query("SELECT n FROM t ORDER BY n")
            .fetch_all(&mut check)
            .await
            .unwrap();
        let stored: Vec<i64> = rows.iter().map(|r| r.get("n")).collect();
        assert_eq!(stored, expected_rows());
    }

    /// The test server of the API tests (`AFFILIATION_TEST_POSTGRES_URL`); `None`
    /// skips the test unless `AFFILIATION_REQUIRE_POSTGRES=1`.
    async fn postgres() -> Option<(String, PgConnection)> {
        let url = std::env::var("AFFILIATION_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        match PgConnection::connect(&url).await {
            Ok(connection) => Some((url, connection)),
            Err(error) if std::env::var("AFFILIATION_REQUIRE_POSTGRES").as_deref() != Ok("1") => {
                eprintln!("SKIPPED: PostgreSQL not reachable ({error})");
                None
            }
            Err(error) => panic!("PostgreSQL is required: {error}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_a_failing_write_fails_alone_and_one_notification_per_commit_names_the_rest() {
        let Some((url, mut admin)) = postgres().await else {
            return;
        };
        let table: &'static str = Box::leak(
            format!(
                "group_commit_test_{}_{}",
                std::process::id(),
                time::OffsetDateTime::now_utc().unix_timestamp_nanos()
            )
            .into_boxed_str(),
        );
        sqlx::raw_sql(&format!("CREATE TABLE {table} (n BIGINT PRIMARY KEY)"))
            .execute(&mut admin)
            .await
            .unwrap();
        let mut listener = PgListener::connect(&url).await.unwrap();
        listener.listen(TEST_CHANNEL).await.unwrap();

        // Several committers on one queue each: writes meet in batches on each.
        let mut writes = GroupCommit::new();
        for _ in 0..3 {
            let connection = PgConnection::connect(&url).await.unwrap();
            tokio::spawn(writes.committer(PgTest, connection));
        }
        writers_at_once(Arc::new(writes), table).await;

        let rows = sqlx::raw_sql(&format!("SELECT n FROM {table} ORDER BY n"))
            .fetch_all(&mut admin)
            .await
            .unwrap();
        let stored: Vec<i64> = rows.iter().map(|r| r.get("n")).collect();
        sqlx::raw_sql(&format!("DROP TABLE {table}"))
            .execute(&mut admin)
            .await
            .unwrap();
        assert_eq!(stored, expected_rows());

        // Every committed write is named, nothing else (each write's change is its n).
        let expected: BTreeSet<u32> = expected_rows().iter().map(|n| *n as u32).collect();
        let mut heard = BTreeSet::new();
        while heard.len() < expected.len() {
            let notification = tokio::time::timeout(Duration::from_secs(10), listener.recv())
                .await
                .expect("a committed write was never announced")
                .unwrap();
            for change in Change::all_from_payload(notification.payload()) {
                match change {
                    Change::Group(n) => assert!(heard.insert(n), "{n} announced twice"),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        assert_eq!(heard, expected);
    }
}
