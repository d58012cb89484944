//! Every open connection's phase, so that timeouts can tell a slow request from an
//! idle keep-alive, and a full server can close its oldest idle connections first.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Where a connection is between requests. Packed with the time it entered that
/// phase into one atomic word, so readers never see one without the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No request in progress: accepted, or its last answer handed over.
    Idle,
    /// The first bytes of a request head arrived; the head is not complete.
    ReadingHead,
    /// A request is with the service (reading its body, running, answering).
    Busy,
}

impl Phase {
    fn bits(self) -> u64 {
        match self {
            Phase::Idle => 0,
            Phase::ReadingHead => 1,
            Phase::Busy => 2,
        }
    }

    fn from_bits(bits: u64) -> Phase {
        match bits & 0b11 {
            0 => Phase::Idle,
            1 => Phase::ReadingHead,
            _ => Phase::Busy,
        }
    }
}

/// Milliseconds since the registry was made: cheap to store, cheap to compare.
#[derive(Clone, Copy)]
pub(crate) struct Clock(Instant);

impl Clock {
    pub(crate) fn now_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }

    pub(crate) fn instant_at(&self, ms: u64) -> Instant {
        self.0 + Duration::from_millis(ms)
    }
}

/// One connection's shared state: its phase, and the signal that asks it to close.
pub(crate) struct Slot {
    state: AtomicU64,
    clock: Clock,
    pub(crate) shed: Notify,
}

impl Slot {
    fn new(clock: Clock) -> Slot {
        let slot = Slot {
            state: AtomicU64::new(0),
            clock,
            shed: Notify::new(),
        };
        slot.enter(Phase::Idle);
        slot
    }

    pub(crate) fn phase(&self) -> (Phase, u64) {
        let state = self.state.load(Ordering::Acquire);
        (Phase::from_bits(state), state >> 2)
    }

    fn enter(&self, phase: Phase) {
        let state = (self.clock.now_ms() << 2) | phase.bits();
        self.state.store(state, Ordering::Release);
    }

    /// Bytes arrived: while idle they start the next request's head (and its timer).
    pub(crate) fn bytes_read(&self) {
        if Phase::from_bits(self.state.load(Ordering::Relaxed)) == Phase::Idle {
            self.enter(Phase::ReadingHead);
        }
    }

    pub(crate) fn request_started(&self) {
        self.enter(Phase::Busy);
    }

    pub(crate) fn request_finished(&self) {
        self.enter(Phase::Idle);
    }

    pub(crate) fn clock(&self) -> Clock {
        self.clock
    }
}

/// Marks the connection idle again when the service's future ends, however it ends.
pub(crate) struct BusyGuard(pub(crate) Arc<Slot>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// All open connections.
pub(crate) struct Registry {
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
    next_id: AtomicU64,
    clock: Clock,
    /// Signalled whenever a connection closes.
    pub(crate) closed: Notify,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            slots: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            clock: Clock(Instant::now()),
            closed: Notify::new(),
        }
    }

    pub(crate) fn open(self: &Arc<Self>) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot::new(self.clock));
        self.lock().insert(id, slot.clone());
        Registration {
            registry: self.clone(),
            id,
            slot,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Asks up to `count` of the connections that have no request in progress, oldest
    /// first, to close. Returns how many were asked.
    pub(crate) fn shed_oldest_idle(&self, count: usize) -> usize {
        let mut idle: Vec<(u64, Arc<Slot>)> = self
            .lock()
            .values()
            .filter_map(|slot| match slot.phase() {
                (Phase::Busy, _) => None,
                (_, since) => Some((since, slot.clone())),
            })
            .collect();
        let count = count.min(idle.len());
        if count == 0 {
            return 0;
        }
        if count < idle.len() {
            idle.select_nth_unstable_by_key(count - 1, |(since, _)| *since);
        }
        for (_, slot) in &idle[..count] {
            slot.shed.notify_one();
        }
        count
    }

    /// Asks every connection to close once its request in progress, if any, is answered.
    pub(crate) fn close_all(&self) {
        for slot in self.lock().values() {
            slot.shed.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        // The map holds no invariant a panic elsewhere could break.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A connection's place in the registry, given up when the connection ends.
pub(crate) struct Registration {
    registry: Arc<Registry>,
    id: u64,
    pub(crate) slot: Arc<Slot>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
        self.registry.closed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_start_a_head_only_when_idle() {
        let registry = Arc::new(Registry::new());
        let connection = registry.open();
        assert_eq!(connection.slot.phase().0, Phase::Idle);
        connection.slot.bytes_read();
        assert_eq!(connection.slot.phase().0, Phase::ReadingHead);
        connection.slot.request_started();
        connection.slot.bytes_read();
        assert_eq!(connection.slot.phase().0, Phase::Busy);
        drop(BusyGuard(connection.slot.clone()));
        assert_eq!(connection.slot.phase().0, Phase::Idle);
    }

    #[test]
    fn shedding_skips_busy_connections_and_takes_the_oldest() {
        let registry = Arc::new(Registry::new());
        let busy = registry.open();
        busy.slot.request_started();
        let old = registry.open();
        std::thread::sleep(Duration::from_millis(5));
        let young = registry.open();
        assert_eq!(registry.len(), 3);
        assert_eq!(registry.shed_oldest_idle(1), 1);
        // The old idle one was asked (its permit is stored), the young one was not.
        assert!(futures::FutureExt::now_or_never(old.slot.shed.notified()).is_some());
        assert!(futures::FutureExt::now_or_never(young.slot.shed.notified()).is_none());
        assert!(futures::FutureExt::now_or_never(busy.slot.shed.notified()).is_none());
        drop(old);
        assert_eq!(registry.len(), 2);
    }
}
