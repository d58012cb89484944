//! The one timer of a connection, following its phase: the head limit while a
//! request's head is arriving, the keep-alive limit while idle, none while busy (the
//! host bounds the body; the operation bounds itself).

use super::connections::{Phase, Slot};
use super::ConnectionLimits;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::time::Sleep;

pub(crate) struct PhaseTimer {
    slot: Arc<Slot>,
    limits: Arc<ConnectionLimits>,
    sleep: Pin<Box<Sleep>>,
    armed_for_ms: Option<u64>,
}

impl PhaseTimer {
    pub(crate) fn new(slot: Arc<Slot>, limits: Arc<ConnectionLimits>) -> Self {
        PhaseTimer {
            sleep: Box::pin(tokio::time::sleep(limits.keep_alive_idle)),
            slot,
            limits,
            armed_for_ms: None,
        }
    }

    fn deadline_ms(&self) -> Option<(Phase, u64)> {
        let (phase, since_ms) = self.slot.phase();
        let limit = match phase {
            Phase::Busy => return None,
            Phase::Idle => self.limits.keep_alive_idle,
            Phase::ReadingHead => self.limits.header_read_timeout,
        };
        Some((phase, since_ms + limit.as_millis() as u64))
    }
}

impl Future for PhaseTimer {
    /// The phase that ran out of time.
    type Output = Phase;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Phase> {
        // Busy: the connection's own progress polls this again when the phase changes.
        let Some((phase, deadline_ms)) = self.deadline_ms() else {
            return Poll::Pending;
        };
        if self.armed_for_ms != Some(deadline_ms) {
            let at = self.slot.clock().instant_at(deadline_ms);
            self.sleep.as_mut().reset(at.into());
            self.armed_for_ms = Some(deadline_ms);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(phase),
            Poll::Pending => Poll::Pending,
        }
    }
}
