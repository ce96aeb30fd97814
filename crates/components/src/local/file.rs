//! `local.file`: exports the content of a file and follows its changes.
//!
//! The `fsnotify` detector is emulated by checking the file's metadata
//! (modification time, size, inode) every [`STAT_INTERVAL`] and re-reading it
//! when they change; both detectors also re-read the file every
//! `poll_frequency`, as Alloy's do, which catches changes that leave the
//! metadata alone.

use parking_lot::Mutex;
use prometheus_client::metrics::gauge::Gauge;
use runtime::component::{Component, Options};
use runtime::health::Health;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime};
use syntax::decode::{Block, Codec, GoDuration, ValueError, ValueType};
use syntax::value::{OptionalSecret, Value};
use tokio::sync::Notify;
use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

/// How often the `fsnotify` detector looks at the file's metadata.
const STAT_INTERVAL: Duration = Duration::from_millis(250);

/// The longest wait between two reads; longer poll frequencies are clamped so
/// timer arithmetic cannot overflow.
const MAX_POLL: Duration = Duration::from_secs(365 * 24 * 3600);

/// How changes to the file are noticed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Detector {
    #[default]
    FsNotify,
    Poll,
}

impl Codec for Detector {
    fn value_type() -> ValueType {
        ValueType::Text("detector")
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        match String::decode(value)?.as_str() {
            "" | "fsnotify" => Ok(Detector::FsNotify),
            "poll" => Ok(Detector::Poll),
            other => Err(ValueError::message(format!(
                "unrecognized detector {}, expected fsnotify or poll",
                syntax::scanner::go_quote(other.as_bytes())
            ))),
        }
    }
    fn encode(&self) -> Value {
        Value::string(match self {
            Detector::FsNotify => "fsnotify",
            Detector::Poll => "poll",
        })
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Arguments {
    #[alloy(attr)]
    pub filename: String,
    #[alloy(attr, optional)]
    pub detector: Detector,
    #[alloy(attr, optional)]
    pub poll_frequency: GoDuration,
    #[alloy(attr, optional)]
    pub is_secret: bool,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            filename: String::new(),
            detector: Detector::FsNotify,
            poll_frequency: GoDuration::from_secs(60),
            is_secret: false,
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Exports {
    #[alloy(attr)]
    pub content: OptionalSecret,
}

/// What identifies a version of the file without reading it.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

impl Stamp {
    /// `None` when the file cannot be looked at.
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            modified: meta.modified().ok(),
            len: meta.len(),
            inode,
        })
    }
}

struct State {
    args: Arguments,
    /// The last exported content; exports are published only when it changes.
    exported: Option<OptionalSecret>,
    /// The file's metadata when it was last read.
    stamp: Option<Stamp>,
}

pub struct LocalFile {
    opts: Options,
    state: Mutex<State>,
    health: Mutex<Health>,
    /// Wakes the run loop when the arguments changed, to restart its timers.
    reconfigured: Notify,
    last_accessed: Gauge<f64, AtomicU64>,
}

impl LocalFile {
    /// Reads the file and publishes its content when it changed. The error is
    /// also the component's health.
    fn read(&self, state: &mut State) -> Result<(), String> {
        let path = Path::new(&state.args.filename);
        state.stamp = Stamp::of(path);
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                // Go opens a directory fine and fails reading it.
                let op = match e.kind() {
                    std::io::ErrorKind::IsADirectory => "read",
                    _ => "open",
                };
                let message = format!(
                    "failed to read file: {}",
                    runtime::go_io::path_error(op, path, &e)
                );
                tracing::error!(component = %self.opts.id, path = %path.display(), "{message}");
                *self.health.lock() = Health::unhealthy(message.clone());
                return Err(message);
            }
        };
        self.last_accessed.set(unix_now());
        let content = OptionalSecret {
            is_secret: state.args.is_secret,
            value: String::from_utf8_lossy(&bytes).into_owned(),
        };
        if state.exported.as_ref() != Some(&content) {
            self.opts.export(&Exports {
                content: content.clone(),
            });
            state.exported = Some(content);
        }
        *self.health.lock() = Health::healthy("read file");
        Ok(())
    }

    /// Re-reads the file when its metadata changed since the last read.
    fn read_if_changed(&self) {
        let mut state = self.state.lock();
        if Stamp::of(Path::new(&state.args.filename)) != state.stamp {
            // The error is already the component's health.
            let _ = self.read(&mut state);
        }
    }

    /// Reads the file now; a failure is also reported as the health.
    fn reread(&self) -> Result<(), String> {
        let mut state = self.state.lock();
        self.read(&mut state)
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn check_poll_frequency(args: &Arguments) -> Result<(), String> {
    if args.poll_frequency.nanos() <= 0 {
        return Err("poll_frequency must be greater than 0".into());
    }
    Ok(())
}

impl Component for LocalFile {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<LocalFile, String> {
        check_poll_frequency(&args)?;
        let last_accessed = Gauge::<f64, AtomicU64>::default();
        opts.metrics.lock().register(
            "agent_local_file_timestamp_last_accessed_unix_seconds",
            "The last successful access in unix seconds",
            last_accessed.clone(),
        );
        let component = LocalFile {
            opts,
            state: Mutex::new(State {
                args,
                exported: None,
                stamp: None,
            }),
            health: Mutex::new(Health::unknown()),
            reconfigured: Notify::new(),
            last_accessed,
        };
        // A file that cannot be read fails the build, as in Alloy.
        component.reread()?;
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            let (detector, poll) = {
                let state = self.state.lock();
                let poll = state.args.poll_frequency.to_std().unwrap_or(MAX_POLL);
                (state.args.detector, poll.min(MAX_POLL))
            };
            let mut full = interval(poll);
            let mut stat = interval(STAT_INTERVAL);
            full.set_missed_tick_behavior(MissedTickBehavior::Delay);
            stat.set_missed_tick_behavior(MissedTickBehavior::Delay);
            // Both first ticks complete at once; the file was just read.
            full.tick().await;
            stat.tick().await;
            loop {
                tokio::select! {
                    biased;
                    () = shutdown.cancelled() => return Ok(()),
                    () = self.reconfigured.notified() => break,
                    // A failed read is reported as the health.
                    _ = full.tick() => { let _ = self.reread(); }
                    _ = stat.tick(), if detector == Detector::FsNotify => self.read_if_changed(),
                }
            }
        }
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        check_poll_frequency(&args)?;
        self.state.lock().args = args;
        self.reread()?;
        self.reconfigured.notify_one();
        Ok(())
    }

    fn health(&self) -> Option<Health> {
        Some(self.health.lock().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eventually, field, options};
    use runtime::health::HealthState;

    fn args(path: &Path) -> Arguments {
        Arguments {
            filename: path.to_string_lossy().into_owned(),
            ..Arguments::default()
        }
    }

    fn content(exports: &Value) -> OptionalSecret {
        match field(exports, "content") {
            Value::Capsule(c) => c
                .downcast_ref::<OptionalSecret>()
                .cloned()
                .expect("an optional secret"),
            other => panic!("content is {other:?}"),
        }
    }

    fn start(component: LocalFile) -> (Arc<LocalFile>, CancellationToken) {
        let component = Arc::new(component);
        let shutdown = CancellationToken::new();
        tokio::spawn(component.clone().run(shutdown.clone()));
        (component, shutdown)
    }

    #[tokio::test]
    async fn exports_content_and_follows_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "one").unwrap();
        let (opts, exports) = options("local.file.token");
        let (component, shutdown) = start(LocalFile::build(opts, args(&path)).unwrap());
        assert_eq!(
            content(&exports.last().unwrap()),
            OptionalSecret {
                is_secret: false,
                value: "one".into()
            }
        );
        assert_eq!(component.health().unwrap().message, "read file");

        std::fs::write(&path, "two, longer").unwrap();
        eventually("the new content", || {
            exports
                .last()
                .is_some_and(|e| content(&e).value == "two, longer")
        })
        .await;

        std::fs::remove_file(&path).unwrap();
        eventually("unhealthy", || {
            component.health().unwrap().state == HealthState::Unhealthy
        })
        .await;
        assert_eq!(
            component.health().unwrap().message,
            format!(
                "failed to read file: open {}: no such file or directory",
                path.display()
            )
        );

        // The same content again is healthy but not a new export.
        let published = exports.count();
        std::fs::write(&path, "two, longer").unwrap();
        eventually("healthy", || {
            component.health().unwrap().state == HealthState::Healthy
        })
        .await;
        assert_eq!(exports.count(), published);
        shutdown.cancel();
    }

    #[tokio::test]
    async fn poll_detector_rereads_every_poll_frequency() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "a").unwrap();
        let (opts, exports) = options("local.file.polled");
        let polled = Arguments {
            detector: Detector::Poll,
            poll_frequency: GoDuration::from_nanos(20_000_000),
            ..args(&path)
        };
        let (_component, shutdown) = start(LocalFile::build(opts, polled).unwrap());
        std::fs::write(&path, "b").unwrap();
        eventually("the polled content", || {
            exports.last().is_some_and(|e| content(&e).value == "b")
        })
        .await;
        shutdown.cancel();
    }

    #[tokio::test]
    async fn secrecy_follows_is_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "hunter2").unwrap();
        let (opts, exports) = options("local.file.secret");
        let component = LocalFile::build(opts, args(&path)).unwrap();
        assert!(!content(&exports.last().unwrap()).is_secret);
        component
            .update(Arguments {
                is_secret: true,
                ..args(&path)
            })
            .unwrap();
        assert_eq!(exports.count(), 2, "a change of secrecy is a new export");
        let secret = content(&exports.last().unwrap());
        assert!(secret.is_secret);
        assert_eq!(format!("{secret:?}"), "(secret)");
    }

    #[test]
    fn unreadable_files_and_bad_arguments_fail_the_build() {
        let (opts, _) = options("local.file.missing");
        let err = LocalFile::build(opts.clone(), args(Path::new("/nonexistent/f")))
            .err()
            .unwrap();
        assert_eq!(
            err,
            "failed to read file: open /nonexistent/f: no such file or directory"
        );
        assert_eq!(
            LocalFile::build(opts.clone(), args(Path::new("/")))
                .err()
                .unwrap(),
            "failed to read file: read /: is a directory"
        );
        let zero = Arguments {
            poll_frequency: GoDuration::from_nanos(0),
            ..args(Path::new("/nonexistent/f"))
        };
        assert_eq!(
            LocalFile::build(opts, zero).err().unwrap(),
            "poll_frequency must be greater than 0"
        );
    }

    #[test]
    fn detector_decodes_as_alloy() {
        assert_eq!(Detector::decode(&Value::string("poll")), Ok(Detector::Poll));
        assert_eq!(Detector::decode(&Value::string("")), Ok(Detector::FsNotify));
        assert_eq!(
            Detector::decode(&Value::string("inotify"))
                .unwrap_err()
                .to_string(),
            r#"unrecognized detector "inotify", expected fsnotify or poll"#
        );
    }
}
