//! `local.file_match`: finds the files matching the `__path__` globs of its
//! path targets and exports one target per file, re-scanning every
//! `sync_period`.

use super::glob::Glob;
use model::target::Target;
use parking_lot::Mutex;
use runtime::component::{Component, Options};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use syntax::decode::{Block, GoDuration};
use tokio::sync::Notify;
use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

const PATH_LABEL: &str = "__path__";
const PATH_EXCLUDE_LABEL: &str = "__path_exclude__";

/// The longest wait between two scans, so timer arithmetic cannot overflow.
const MAX_SYNC_PERIOD: Duration = Duration::from_secs(365 * 24 * 3600);

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Arguments {
    #[alloy(attr)]
    pub path_targets: Vec<Target>,
    #[alloy(attr, optional)]
    pub sync_period: GoDuration,
    #[alloy(attr, optional)]
    pub ignore_older_than: GoDuration,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            path_targets: Vec::new(),
            sync_period: GoDuration::from_secs(10),
            ignore_older_than: GoDuration::default(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Exports {
    #[alloy(attr)]
    pub targets: Vec<Target>,
}

pub struct LocalFileMatch {
    opts: Options,
    args: Mutex<Arguments>,
    /// The last exported targets; a scan that finds the same is not exported.
    exported: Mutex<Option<Vec<Target>>>,
    /// Wakes the run loop when the arguments changed: scan now, restart the timer.
    reconfigured: Notify,
}

fn check_sync_period(args: &Arguments) -> Result<(), String> {
    if args.sync_period.nanos() <= 0 {
        return Err("sync_period must be greater than 0".into());
    }
    Ok(())
}

/// The files matching one path target, each as a copy of the target with
/// `__path__` set to the file's absolute path.
fn matches(path_target: &Target, ignore_older_than: Option<Duration>, cwd: &str) -> Vec<Target> {
    let pattern = path_target.value(PATH_LABEL);
    let glob = match Glob::new(pattern) {
        Ok(glob) => glob,
        Err(e) => {
            tracing::error!(path = pattern, "error getting paths: {e}");
            return Vec::new();
        }
    };
    let exclude = match path_target.get(PATH_EXCLUDE_LABEL) {
        Some(p) if !p.is_empty() => Glob::new(p).ok(),
        _ => None,
    };
    let oldest = ignore_older_than.and_then(|d| SystemTime::now().checked_sub(d));
    glob.paths()
        .into_iter()
        .filter(|path| !exclude.as_ref().is_some_and(|e| e.is_match(path)))
        .filter_map(|path| {
            let absolute = absolute(&path, cwd);
            let meta = std::fs::metadata(&absolute).ok()?;
            if meta.is_dir() {
                return None;
            }
            if let (Some(oldest), Ok(modified)) = (oldest, meta.modified())
                && modified < oldest
            {
                return None;
            }
            let mut target = path_target.clone();
            target.set(PATH_LABEL, absolute);
            Some(target)
        })
        .collect()
}

/// `path` made absolute and cleaned, as Go's `filepath.Abs`.
fn absolute(path: &str, cwd: &str) -> String {
    if Path::new(path).is_absolute() {
        syntax::stdlib::join_paths([path])
    } else {
        syntax::stdlib::join_paths([cwd, path])
    }
}

/// Every file matching the path targets.
fn scan(args: &Arguments) -> Vec<Target> {
    // Relative patterns are relative to the working directory (Go's filepath.Abs).
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ignore_older_than = args.ignore_older_than.to_std().filter(|d| !d.is_zero());
    args.path_targets
        .iter()
        .flat_map(|t| matches(t, ignore_older_than, &cwd))
        .collect()
}

impl LocalFileMatch {
    /// Publishes `targets` when they differ from the last ones.
    fn export(&self, targets: Vec<Target>) {
        let mut exported = self.exported.lock();
        if exported.as_ref() != Some(&targets) {
            self.opts.export(&Exports {
                targets: targets.clone(),
            });
            *exported = Some(targets);
        }
    }

    /// Scans off the async threads: walking directories blocks.
    async fn rescan(&self) {
        let args = self.args.lock().clone();
        match tokio::task::spawn_blocking(move || scan(&args)).await {
            Ok(targets) => self.export(targets),
            Err(e) => tracing::error!(component = %self.opts.id, "scanning for files failed: {e}"),
        }
    }
}

impl Component for LocalFileMatch {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<LocalFileMatch, String> {
        check_sync_period(&args)?;
        let component = LocalFileMatch {
            opts,
            exported: Mutex::new(None),
            reconfigured: Notify::new(),
            args: Mutex::new(args),
        };
        // The first targets are known before the component runs.
        component.export(scan(&component.args.lock()));
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            let period = self
                .args
                .lock()
                .sync_period
                .to_std()
                .unwrap_or(MAX_SYNC_PERIOD);
            let mut sync = interval(period.min(MAX_SYNC_PERIOD));
            sync.set_missed_tick_behavior(MissedTickBehavior::Delay);
            // The first tick completes at once: targets were just scanned.
            sync.tick().await;
            loop {
                tokio::select! {
                    biased;
                    () = shutdown.cancelled() => return Ok(()),
                    () = self.reconfigured.notified() => {
                        self.rescan().await;
                        break;
                    }
                    _ = sync.tick() => self.rescan().await,
                }
            }
        }
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        check_sync_period(&args)?;
        *self.args.lock() = args;
        self.reconfigured.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eventually, field, options};
    use model::labels::Labels;
    use syntax::decode::Codec;
    use syntax::value::Value;

    fn targets(exports: &Value) -> Vec<Target> {
        Vec::<Target>::decode(field(exports, "targets")).unwrap()
    }

    fn paths(exports: &Value) -> Vec<String> {
        targets(exports)
            .iter()
            .map(|t| t.value(PATH_LABEL).to_string())
            .collect()
    }

    fn path_target(pairs: &[(&str, &str)]) -> Target {
        Labels::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn matches_files_with_exclusions_and_copied_labels() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        for f in ["a.log", "b.txt", "skip.log", "sub/c.log"] {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, f).unwrap();
        }
        let pattern = format!("{root}/**/*.{{log,txt}}");
        let exclude = format!("{root}/skip.*");
        let args = Arguments {
            path_targets: vec![path_target(&[
                (PATH_LABEL, &pattern),
                (PATH_EXCLUDE_LABEL, &exclude),
                ("job", "app"),
            ])],
            ..Arguments::default()
        };
        let (opts, exports) = options("local.file_match.logs");
        LocalFileMatch::build(opts, args).unwrap();
        let found = targets(&exports.last().unwrap());
        assert_eq!(
            found,
            ["a.log", "b.txt", "sub/c.log"].map(|f| path_target(&[
                (PATH_LABEL, &format!("{root}/{f}")),
                (PATH_EXCLUDE_LABEL, &exclude),
                ("job", "app"),
            ]))
        );
    }

    #[test]
    fn paths_are_cleaned_and_directories_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("f"), "").unwrap();
        let pattern = format!("{root}/./d/../*");
        let found = scan(&Arguments {
            path_targets: vec![path_target(&[(PATH_LABEL, &pattern)])],
            ..Arguments::default()
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].value(PATH_LABEL), format!("{root}/f"));
    }

    #[test]
    fn ignores_files_older_than_asked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        let old = dir.path().join("old.log");
        std::fs::write(&old, "").unwrap();
        std::fs::write(dir.path().join("new.log"), "").unwrap();
        let file = std::fs::File::options().write(true).open(&old).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        let args = |ignore| Arguments {
            path_targets: vec![path_target(&[(PATH_LABEL, &format!("{root}/*.log"))])],
            ignore_older_than: ignore,
            ..Arguments::default()
        };
        assert_eq!(scan(&args(GoDuration::default())).len(), 2);
        let recent = scan(&args(GoDuration::from_secs(60)));
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].value(PATH_LABEL), format!("{root}/new.log"));
    }

    #[tokio::test]
    async fn new_files_appear_and_updates_rescan_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().display().to_string();
        std::fs::write(dir.path().join("a.log"), "").unwrap();
        let args = Arguments {
            path_targets: vec![path_target(&[(PATH_LABEL, &format!("{root}/*.log"))])],
            sync_period: GoDuration::from_nanos(20_000_000),
            ..Arguments::default()
        };
        let (opts, exports) = options("local.file_match.growing");
        let component = Arc::new(LocalFileMatch::build(opts, args.clone()).unwrap());
        let shutdown = CancellationToken::new();
        tokio::spawn(component.clone().run(shutdown.clone()));
        assert_eq!(paths(&exports.last().unwrap()), [format!("{root}/a.log")]);

        std::fs::write(dir.path().join("b.log"), "").unwrap();
        eventually("the new file", || {
            exports.last().is_some_and(|e| paths(&e).len() == 2)
        })
        .await;
        let published = exports.count();

        // A long sync period: only the update itself can rescan.
        component
            .update(Arguments {
                path_targets: vec![path_target(&[(PATH_LABEL, &format!("{root}/b.*"))])],
                sync_period: GoDuration::from_secs(3600),
                ..args
            })
            .unwrap();
        eventually("the narrowed targets", || {
            exports
                .last()
                .is_some_and(|e| paths(&e) == [format!("{root}/b.log")])
        })
        .await;
        assert_eq!(
            exports.count(),
            published + 1,
            "unchanged scans are not exported"
        );
        shutdown.cancel();
    }

    #[test]
    fn sync_period_must_be_positive() {
        let (opts, _) = options("local.file_match.zero");
        let zero = Arguments {
            sync_period: GoDuration::default(),
            ..Arguments::default()
        };
        assert_eq!(
            LocalFileMatch::build(opts, zero).err().unwrap(),
            "sync_period must be greater than 0"
        );
    }
}
