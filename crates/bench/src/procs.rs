//! Child processes (the real server, the limit server) and what /proc says about them.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which output of the child announces `listening on http://ADDR`.
pub enum Announces {
    Stdout,
    Stderr,
}

pub struct Process {
    child: Child,
    pub address: SocketAddr,
    /// The last 64 KiB of the announcing output, for diagnostics.
    tail: Arc<Mutex<Vec<u8>>>,
}

const TAIL: usize = 64 * 1024;

impl Process {
    /// Starts `command` and waits until it announces its address. The announcing output
    /// is drained in large chunks by a thread (the server logs every request), keeping
    /// only its tail.
    pub fn start(mut command: Command, announces: Announces) -> Result<Process, String> {
        command.stdin(Stdio::null());
        match announces {
            Announces::Stdout => command.stdout(Stdio::piped()).stderr(Stdio::inherit()),
            Announces::Stderr => command.stdout(Stdio::null()).stderr(Stdio::piped()),
        };
        let description = format!("{command:?}");
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {description}: {e}"))?;
        let mut output: Box<dyn Read + Send> = match announces {
            Announces::Stdout => Box::new(child.stdout.take().unwrap()),
            Announces::Stderr => Box::new(child.stderr.take().unwrap()),
        };
        let tail = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = mpsc::channel();
        let writer = tail.clone();
        std::thread::spawn(move || {
            let mut buffer = vec![0u8; 256 * 1024];
            let mut announced = false;
            loop {
                let n = match output.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut tail = writer.lock().unwrap();
                tail.extend_from_slice(&buffer[..n]);
                if !announced {
                    let text = String::from_utf8_lossy(&tail);
                    if let Some(rest) = text.split("listening on http://").nth(1) {
                        if let Some(end) = rest.find(char::is_whitespace) {
                            announced = true;
                            let _ = address_tx.send(rest[..end].to_string());
                        }
                    }
                }
                if tail.len() > 2 * TAIL {
                    let cut = tail.len() - TAIL;
                    tail.drain(..cut);
                }
            }
        });
        let address = match address_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let tail = String::from_utf8_lossy(&tail.lock().unwrap()).into_owned();
                return Err(format!(
                    "{description} did not announce its address; output:\n{tail}"
                ));
            }
        };
        let address = address
            .parse()
            .map_err(|_| format!("{description} announced a bad address {address:?}"))?;
        Ok(Process {
            child,
            address,
            tail,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn tail(&self) -> String {
        String::from_utf8_lossy(&self.tail.lock().unwrap()).into_owned()
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of /proc/PID/status (VmHWM: peak resident set; VmRSS: current), in bytes.
pub fn status_bytes(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// User + system CPU time of a process so far (`self` for this one), in seconds.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clock_ticks_per_second())
}

/// CPU time spent by the whole machine outside idle and iowait so far, in seconds
/// (all cores together), from the first line of /proc/stat.
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some((total - idle) as f64 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> f64 {
    // USER_HZ: 100 on every Linux architecture that matters here.
    100.0
}

pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub kernel: String,
    pub memory: String,
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|x| x.1.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!("Linux {}", k.trim()))
        .unwrap_or_else(|_| std::env::consts::OS.into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| format!("{:.1} GiB RAM", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    Machine {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu,
        kernel,
        memory,
    }
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
