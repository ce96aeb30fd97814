//! `statvfs` with a deadline (the `filesystem` block's `mount_timeout`): a
//! dead network filesystem can block the call for minutes, which must not
//! block the scrape. Calls run on a worker thread; when one overruns, its
//! mount point is marked stuck — skipped by later scrapes until the call
//! returns — and a fresh worker takes over while the old one stays blocked.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use parking_lot::Mutex;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What `statvfs` says about one filesystem.
pub struct Usage {
    pub size: f64,
    pub free: f64,
    pub avail: f64,
    pub files: f64,
    pub files_free: f64,
}

/// Why there are no figures for a mount point.
#[derive(Debug, PartialEq)]
pub enum StatError {
    /// The call failed.
    Failed,
    /// The call did not return in time (now or in an earlier scrape).
    Stuck,
}

type Job = (PathBuf, Sender<Option<Usage>>);

pub struct Statfs {
    timeout: Duration,
    jobs: Sender<Job>,
    /// Mount points whose call has not returned.
    stuck: Arc<Mutex<HashSet<PathBuf>>>,
}

fn statvfs(path: &Path) -> Option<Usage> {
    let stat = rustix::fs::statvfs(path).ok()?;
    let block = stat.f_frsize as f64;
    Some(Usage {
        size: stat.f_blocks as f64 * block,
        free: stat.f_bfree as f64 * block,
        avail: stat.f_bavail as f64 * block,
        files: stat.f_files as f64,
        files_free: stat.f_ffree as f64,
    })
}

/// A worker answering jobs until its queue is dropped; it clears a mount
/// point's stuck mark when the call returns.
fn spawn_worker(stuck: Arc<Mutex<HashSet<PathBuf>>>) -> Sender<Job> {
    let (jobs, queue): (Sender<Job>, Receiver<Job>) = bounded(1);
    std::thread::Builder::new()
        .name("unix-statfs".into())
        .spawn(move || {
            for (path, reply) in queue {
                let usage = statvfs(&path);
                stuck.lock().remove(&path);
                let _ = reply.send(usage);
            }
        })
        .expect("spawning a thread");
    jobs
}

impl Statfs {
    pub fn new(timeout: Duration) -> Statfs {
        let stuck = Arc::new(Mutex::new(HashSet::new()));
        Statfs {
            timeout,
            jobs: spawn_worker(stuck.clone()),
            stuck,
        }
    }

    /// The figures of the filesystem mounted at `path`.
    pub fn usage(&mut self, path: &Path) -> Result<Usage, StatError> {
        if self.stuck.lock().contains(path) {
            return Err(StatError::Stuck);
        }
        let (reply, answer) = bounded(1);
        if self.jobs.send((path.to_path_buf(), reply)).is_err() {
            return Err(StatError::Failed);
        }
        match answer.recv_timeout(self.timeout) {
            Ok(usage) => usage.ok_or(StatError::Failed),
            Err(RecvTimeoutError::Timeout) => {
                tracing::warn!(mount_point = %path.display(), "mount point is unresponsive; skipping it until statfs returns");
                self.stuck.lock().insert(path.to_path_buf());
                self.jobs = spawn_worker(self.stuck.clone());
                Err(StatError::Stuck)
            }
            Err(RecvTimeoutError::Disconnected) => Err(StatError::Failed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_fails() {
        let mut statfs = Statfs::new(Duration::from_secs(5));
        let dir = tempfile::tempdir().unwrap();
        let usage = statfs.usage(dir.path()).unwrap();
        assert!(usage.size > 0.0);
        assert_eq!(
            statfs.usage(&dir.path().join("missing")).err(),
            Some(StatError::Failed)
        );
    }

    #[test]
    fn a_stuck_mount_point_is_skipped_until_its_call_returns() {
        let mut statfs = Statfs::new(Duration::from_millis(1));
        let dir = tempfile::tempdir().unwrap();
        // Occupy the worker so the next call overruns whatever the machine's speed.
        let (block, blocked) = bounded::<()>(0);
        let stuck = statfs.stuck.clone();
        let busy = spawn_worker(stuck.clone());
        statfs.jobs = {
            let (jobs, queue): (Sender<Job>, Receiver<Job>) = bounded(1);
            std::thread::spawn(move || {
                for job in queue {
                    let _ = blocked.recv();
                    let _ = busy.send(job);
                }
            });
            jobs
        };
        assert_eq!(statfs.usage(dir.path()).err(), Some(StatError::Stuck));
        assert_eq!(
            statfs.usage(dir.path()).err(),
            Some(StatError::Stuck),
            "skipped while stuck"
        );
        // The blocked call returns: the mark goes and the fresh worker answers.
        block.send(()).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while stuck.lock().contains(dir.path()) {
            assert!(std::time::Instant::now() < deadline, "the stuck mark stays");
            std::thread::sleep(Duration::from_millis(5));
        }
        statfs.timeout = Duration::from_secs(10);
        assert!(statfs.usage(dir.path()).is_ok());
    }
}
