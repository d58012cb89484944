//! A sleep precise to microseconds, for the paced passes' schedule.
//!
//! tokio's timer wheel has a 1 ms resolution: every connection whose slot falls within
//! one millisecond wakes at that millisecond's tick, so a schedule meant to send one
//! request every 32 µs sends about 32 at once every millisecond, and the last of each
//! burst waits for the others. A timerfd is a kernel hrtimer (no timer slack): it wakes
//! the runtime's epoll at the slot itself.

use rustix::fd::OwnedFd;
use rustix::time::{
    timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags,
    Timespec,
};
use std::io;
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// One timer, for one task at a time (each connection owns its own).
pub struct PreciseTimer {
    fd: AsyncFd<OwnedFd>,
}

impl PreciseTimer {
    /// Must be called inside the tokio runtime (the fd joins its reactor).
    pub fn new() -> io::Result<PreciseTimer> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        // SAFETY: the fd is owned by what is registered, so it stays open and the same
        // file description for as long as the `AsyncFd` holds it.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        Ok(PreciseTimer { fd })
    }

    /// Returns at `at` (at once if it has passed).
    pub async fn sleep_until(&self, at: Instant) -> io::Result<()> {
        let wait = at.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            // A zero expiry would disarm the timer rather than fire it.
            return Ok(());
        }
        timerfd_settime(
            self.fd.get_ref(),
            TimerfdTimerFlags::empty(),
            &Itimerspec {
                it_interval: timespec(Duration::ZERO),
                it_value: timespec(wait),
            },
        )?;
        let mut expirations = [0u8; 8];
        loop {
            let mut ready = self.fd.readable().await?;
            match ready.try_io(|fd| Ok(rustix::io::read(fd.get_ref(), &mut expirations)?)) {
                Ok(read) => return read.map(|_| ()),
                // Woken for an earlier expiry already read: wait for this one.
                Err(_would_block) => continue,
            }
        }
    }
}

fn timespec(duration: Duration) -> Timespec {
    Timespec {
        tv_sec: duration.as_secs() as _,
        tv_nsec: duration.subsec_nanos() as _,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wakes_at_the_time_asked_not_before() {
        let timer = PreciseTimer::new().unwrap();
        for wait_us in [50, 300, 1_500] {
            let at = Instant::now() + Duration::from_micros(wait_us);
            timer.sleep_until(at).await.unwrap();
            assert!(Instant::now() >= at, "woke before {wait_us} µs");
        }
    }

    #[tokio::test]
    async fn a_time_passed_returns_at_once() {
        let timer = PreciseTimer::new().unwrap();
        let past = Instant::now() - Duration::from_millis(5);
        tokio::time::timeout(Duration::from_secs(5), timer.sleep_until(past))
            .await
            .expect("a passed time does not wait")
            .unwrap();
    }
}
