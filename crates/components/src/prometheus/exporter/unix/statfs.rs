//! `statvfs` with a deadline (the `filesystem` block's `mount_timeout`): a
//! dead network filesystem can block the call for minutes, which must not
//! block the scrape. A scrape hands all its mount points to a worker thread at
//! once and collects the answers; when the worker overruns the deadline on a
//! mount point, that mount point is marked stuck — skipped by later scrapes
//! until its call returns — and a fresh worker takes the rest while the old
//! one stays blocked.

use crossbeam_channel::{RecvTimeoutError, Sender, unbounded};
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

/// A mount point to look at, its index in the scrape, and where to answer.
type Job = (usize, PathBuf, Sender<(usize, Option<Usage>)>);

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

/// A worker answering jobs in order until its queue is dropped; it clears a
/// mount point's stuck mark when the call returns.
fn spawn_worker(stuck: Arc<Mutex<HashSet<PathBuf>>>) -> Sender<Job> {
    let (jobs, queue) = unbounded::<Job>();
    std::thread::Builder::new()
        .name("unix-statfs".into())
        .spawn(move || {
            for (index, path, reply) in queue {
                let usage = statvfs(&path);
                stuck.lock().remove(&path);
                let _ = reply.send((index, usage));
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

    /// The figures of the filesystems mounted at `paths`, in order.
    pub fn usages(&mut self, paths: &[PathBuf]) -> Vec<Result<Usage, StatError>> {
        let mut results: Vec<Result<Usage, StatError>> =
            paths.iter().map(|_| Err(StatError::Failed)).collect();
        let mut pending: Vec<usize> = {
            let stuck = self.stuck.lock();
            (0..paths.len())
                .filter(|&i| {
                    let skip = stuck.contains(&paths[i]);
                    if skip {
                        results[i] = Err(StatError::Stuck);
                    }
                    !skip
                })
                .collect()
        };
        while !pending.is_empty() {
            let (reply, answers) = unbounded();
            for &i in &pending {
                if self
                    .jobs
                    .send((i, paths[i].clone(), reply.clone()))
                    .is_err()
                {
                    return results;
                }
            }
            drop(reply);
            // The worker answers in order; `pending` shrinks from the front.
            let mut next = 0;
            loop {
                match answers.recv_timeout(self.timeout) {
                    Ok((i, usage)) => {
                        results[i] = usage.ok_or(StatError::Failed);
                        next += 1;
                        if next == pending.len() {
                            pending.clear();
                            break;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        let blocked = pending[next];
                        let path = &paths[blocked];
                        tracing::warn!(mount_point = %path.display(), "mount point is unresponsive; skipping it until statfs returns");
                        self.stuck.lock().insert(path.clone());
                        results[blocked] = Err(StatError::Stuck);
                        self.jobs = spawn_worker(self.stuck.clone());
                        pending.drain(..=next);
                        break;
                    }
                    Err(RecvTimeoutError::Disconnected) => return results,
                }
            }
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    #[test]
    fn answers_in_order_and_fails() {
        let mut statfs = Statfs::new(Duration::from_secs(5));
        let dir = tempfile::tempdir().unwrap();
        let paths = [
            dir.path().to_path_buf(),
            dir.path().join("missing"),
            "/".into(),
        ];
        let results = statfs.usages(&paths);
        assert!(results[0].as_ref().is_ok_and(|u| u.size > 0.0));
        assert_eq!(results[1].as_ref().err(), Some(&StatError::Failed));
        assert!(results[2].is_ok());
    }

    #[test]
    fn a_stuck_mount_point_is_skipped_until_its_call_returns() {
        let mut statfs = Statfs::new(Duration::from_millis(1));
        let dir = tempfile::tempdir().unwrap();
        let paths = [dir.path().to_path_buf(), "/".into()];
        // A worker that holds its first job until told, then works normally:
        // the first mount point overruns whatever the machine's speed.
        let (release, held) = bounded::<()>(0);
        let real = spawn_worker(statfs.stuck.clone());
        statfs.jobs = {
            let (jobs, queue) = unbounded::<Job>();
            std::thread::spawn(move || {
                for (n, job) in queue.into_iter().enumerate() {
                    if n == 0 {
                        let _ = held.recv();
                    }
                    let _ = real.send(job);
                }
            });
            jobs
        };
        // Long enough for the fresh worker on a loaded machine; the held job never answers.
        statfs.timeout = Duration::from_secs(1);
        let results = statfs.usages(&paths);
        assert_eq!(results[0].as_ref().err(), Some(&StatError::Stuck));
        assert!(results[1].is_ok(), "the rest goes to a fresh worker");
        let again = statfs.usages(&paths);
        assert_eq!(
            again[0].as_ref().err(),
            Some(&StatError::Stuck),
            "skipped while stuck"
        );
        // The blocked call returns: the mark goes and the next scrape sees it.
        release.send(()).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while statfs.stuck.lock().contains(dir.path()) {
            assert!(std::time::Instant::now() < deadline, "the stuck mark stays");
            std::thread::sleep(Duration::from_millis(5));
        }
        statfs.timeout = Duration::from_secs(10);
        assert!(statfs.usages(&paths)[0].is_ok());
    }
}
