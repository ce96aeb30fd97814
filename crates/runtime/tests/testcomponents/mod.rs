//! Alloy's test components (`internal/runtime/internal/testcomponents`) used by
//! the runtime fixtures, plus a few that prove controller guarantees: one that
//! holds a TCP port, one that ignores shutdown.

use runtime::component::{Component, Options, Registration};
use runtime::registry::Registry;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;
use syntax::decode::{Block, CapsuleOf, CapsuleType, GoDuration};
use syntax::stability::Stability;
use syntax::value::{CapsuleValue, Object, Value};
use tokio_util::sync::CancellationToken;

/// Every test component.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(Registration::of::<Count>(
        "testcomponents.count",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<Passthrough>(
        "testcomponents.passthrough",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<Summation>(
        "testcomponents.summation",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<Pulse>(
        "testcomponents.pulse",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<SummationReceiver>(
        "testcomponents.summation_receiver",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<Targets>(
        "testcomponents.targets",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<Stringer>(
        "testcomponents.stringer",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<StringReceiverComponent>(
        "testcomponents.string_receiver",
        Stability::PublicPreview,
    ));
    registry.register(Registration::of::<Experimental>(
        "testcomponents.experimental",
        Stability::Experimental,
    ));
    registry.register(Registration::of::<Port>(
        "testcomponents.port",
        Stability::GenerallyAvailable,
    ));
    registry.register(Registration::of::<Stubborn>(
        "testcomponents.stubborn",
        Stability::GenerallyAvailable,
    ));
    registry
}

fn object(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Object(Object::from_iter(
        fields.into_iter().map(|(k, v)| (k.to_string(), v)),
    ))
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct CountArguments {
    #[alloy(attr)]
    frequency: GoDuration,
    #[alloy(attr)]
    max: i64,
}

/// Counts up to `max`, one step every `frequency`, exporting `count`.
pub struct Count {
    opts: Options,
    count: AtomicI64,
    args: parking_lot::Mutex<CountArguments>,
}

fn check_frequency(args: &CountArguments) -> Result<Duration, String> {
    match args.frequency.to_std() {
        Some(d) if !d.is_zero() => Ok(d),
        _ => Err("frequency must not be 0".into()),
    }
}

impl Component for Count {
    type Arguments = CountArguments;

    fn build(opts: Options, args: CountArguments) -> Result<Count, String> {
        check_frequency(&args)?;
        opts.export_value(object([("count", Value::int(0))]));
        Ok(Count {
            opts,
            count: AtomicI64::new(0),
            args: parking_lot::Mutex::new(args),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            let (frequency, max) = {
                let args = self.args.lock();
                (check_frequency(&args)?, args.max)
            };
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = tokio::time::sleep(frequency) => {}
            }
            let current = self.count.load(Ordering::SeqCst);
            if max == 0 || current < max {
                self.count.store(current + 1, Ordering::SeqCst);
                self.opts
                    .export_value(object([("count", Value::int(current + 1))]));
            }
        }
    }

    fn update(&self, args: CountArguments) -> Result<(), String> {
        check_frequency(&args)?;
        *self.args.lock() = args;
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct PassthroughArguments {
    #[alloy(attr)]
    input: String,
    #[alloy(attr, optional)]
    lag: GoDuration,
}

/// Exports its `input` as `output`; its debug info counts the updates.
pub struct Passthrough {
    opts: Options,
    updates: AtomicUsize,
}

impl Passthrough {
    fn pass(&self, args: &PassthroughArguments) {
        if let Some(lag) = args.lag.to_std() {
            std::thread::sleep(lag);
        }
        self.opts
            .export_value(object([("output", Value::string(args.input.clone()))]));
    }
}

impl Component for Passthrough {
    type Arguments = PassthroughArguments;

    fn build(opts: Options, args: PassthroughArguments) -> Result<Passthrough, String> {
        let component = Passthrough {
            opts,
            updates: AtomicUsize::new(0),
        };
        component.pass(&args);
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: PassthroughArguments) -> Result<(), String> {
        self.updates.fetch_add(1, Ordering::SeqCst);
        self.pass(&args);
        Ok(())
    }

    fn debug_info(&self) -> Option<Value> {
        let updates = self.updates.load(Ordering::SeqCst);
        Some(object([("updates", Value::int(updates as i64))]))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct SummationArguments {
    #[alloy(attr)]
    input: i64,
}

/// Sums every input it is given: exports `sum` and `last_added`.
pub struct Summation {
    opts: Options,
    sum: AtomicI64,
}

impl Summation {
    fn add(&self, input: i64) {
        let sum = self.sum.fetch_add(input, Ordering::SeqCst) + input;
        self.opts.export_value(object([
            ("sum", Value::int(sum)),
            ("last_added", Value::int(input)),
        ]));
    }
}

impl Component for Summation {
    type Arguments = SummationArguments;

    fn build(opts: Options, args: SummationArguments) -> Result<Summation, String> {
        let component = Summation {
            opts,
            sum: AtomicI64::new(0),
        };
        component.add(args.input);
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: SummationArguments) -> Result<(), String> {
        self.add(args.input);
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct NoArguments {}

/// An experimental component that does nothing.
pub struct Experimental;

impl Component for Experimental {
    type Arguments = NoArguments;

    fn build(_: Options, _: NoArguments) -> Result<Experimental, String> {
        Ok(Experimental)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, _: NoArguments) -> Result<(), String> {
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct PortArguments {
    #[alloy(attr)]
    port: u16,
}

/// Binds `127.0.0.1:<port>` when built and releases it when its run loop
/// returns: an exclusive resource, as a server or a WAL is.
pub struct Port {
    listener: parking_lot::Mutex<Option<TcpListener>>,
}

impl Component for Port {
    type Arguments = PortArguments;

    fn build(_: Options, args: PortArguments) -> Result<Port, String> {
        let listener = TcpListener::bind(("127.0.0.1", args.port)).map_err(|e| e.to_string())?;
        Ok(Port {
            listener: parking_lot::Mutex::new(Some(listener)),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        self.listener.lock().take();
        Ok(())
    }

    fn update(&self, _: PortArguments) -> Result<(), String> {
        Err("the port cannot change".into())
    }
}

/// Ignores shutdown: its run loop never returns.
pub struct Stubborn;

impl Component for Stubborn {
    type Arguments = NoArguments;

    fn build(_: Options, _: NoArguments) -> Result<Stubborn, String> {
        Ok(Stubborn)
    }

    async fn run(self: Arc<Self>, _: CancellationToken) -> Result<(), String> {
        std::future::pending::<()>().await;
        Ok(())
    }

    fn update(&self, _: NoArguments) -> Result<(), String> {
        Ok(())
    }
}

/// Where a test component sends its items (`testcomponents.pulse` its numbers,
/// `testcomponents.stringer` its text): a telemetry input, as a `LogsReceiver` is.
pub struct Receiver<T: ?Sized>(Arc<dyn Fn(&T) + Send + Sync>);

pub type IntReceiver = Receiver<i64>;
pub type StringReceiver = Receiver<str>;

/// The capsule name of a receiver of `Self`.
pub trait Received: 'static {
    const RECEIVER: &'static str;
}

impl Received for i64 {
    const RECEIVER: &'static str = "testcomponents.IntReceiver";
}

impl Received for str {
    const RECEIVER: &'static str = "testcomponents.StringReceiver";
}

impl<T: ?Sized> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver(self.0.clone())
    }
}

impl<T: Received + ?Sized> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(T::RECEIVER)
    }
}

impl<T: ?Sized> PartialEq for Receiver<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: Received + ?Sized> CapsuleValue for Receiver<T> {
    fn capsule_type(&self) -> &'static str {
        T::RECEIVER
    }
    fn capsule_eq(&self, other: &dyn CapsuleValue) -> bool {
        other.as_any().downcast_ref::<Self>() == Some(self)
    }
    fn is_data_receiver(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl<T: Received + ?Sized> CapsuleType for Receiver<T> {
    const NAME: &'static str = T::RECEIVER;
}

#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct PulseArguments {
    #[alloy(attr)]
    frequency: GoDuration,
    #[alloy(attr)]
    max: i64,
    #[alloy(attr, optional)]
    forward_to: Vec<CapsuleOf<IntReceiver>>,
}

/// Sends 1 to its receivers every `frequency`, `max` times.
pub struct Pulse {
    sent: AtomicI64,
    args: parking_lot::Mutex<PulseArguments>,
}

impl Component for Pulse {
    type Arguments = PulseArguments;

    fn build(_: Options, args: PulseArguments) -> Result<Pulse, String> {
        Ok(Pulse {
            sent: AtomicI64::new(0),
            args: parking_lot::Mutex::new(args),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            let args = self.args.lock().clone();
            let frequency = args.frequency.to_std().filter(|d| !d.is_zero());
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = tokio::time::sleep(frequency.unwrap_or(Duration::from_millis(10))) => {}
            }
            if self.sent.load(Ordering::SeqCst) < args.max {
                self.sent.fetch_add(1, Ordering::SeqCst);
                for receiver in &args.forward_to {
                    (receiver.0.0)(&1);
                }
            }
        }
    }

    fn update(&self, args: PulseArguments) -> Result<(), String> {
        *self.args.lock() = args;
        Ok(())
    }
}

/// Sums what its exported `receiver` is sent; the debug info is the sum.
pub struct SummationReceiver {
    sum: Arc<AtomicI64>,
}

impl Component for SummationReceiver {
    type Arguments = NoArguments;

    fn build(opts: Options, _: NoArguments) -> Result<SummationReceiver, String> {
        let sum = Arc::new(AtomicI64::new(0));
        let target = sum.clone();
        let receiver: IntReceiver = Receiver(Arc::new(move |n: &i64| {
            target.fetch_add(*n, Ordering::SeqCst);
        }));
        opts.export_value(object([("receiver", Value::capsule(receiver))]));
        Ok(SummationReceiver { sum })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, _: NoArguments) -> Result<(), String> {
        Ok(())
    }

    fn debug_info(&self) -> Option<Value> {
        Some(Value::int(self.sum.load(Ordering::SeqCst)))
    }
}

#[derive(Clone, Debug, Default, Block)]
pub struct TargetsArguments {
    #[alloy(attr)]
    targets: Vec<Value>,
}

impl PartialEq for TargetsArguments {
    fn eq(&self, other: &TargetsArguments) -> bool {
        syntax::value::ops::values_equal(
            &Value::Array(self.targets.clone()),
            &Value::Array(other.targets.clone()),
        )
    }
}

/// Exports its `targets` as `output`.
pub struct Targets {
    opts: Options,
}

impl Component for Targets {
    type Arguments = TargetsArguments;

    fn build(opts: Options, args: TargetsArguments) -> Result<Targets, String> {
        opts.export_value(object([("output", Value::Array(args.targets))]));
        Ok(Targets { opts })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: TargetsArguments) -> Result<(), String> {
        self.opts
            .export_value(object([("output", Value::Array(args.targets))]));
        Ok(())
    }
}

#[derive(Clone, Debug, Default, Block)]
pub struct StringerArguments {
    #[alloy(attr, optional)]
    input_string: Option<Value>,
    #[alloy(attr, optional)]
    input_int: Option<i64>,
    #[alloy(attr, optional)]
    input_float: Option<f64>,
    #[alloy(attr, optional)]
    input_bool: Option<bool>,
    #[alloy(attr, optional)]
    input_map: Option<Value>,
    #[alloy(attr, optional)]
    input_array: Option<Value>,
    #[alloy(attr)]
    forward_to: Vec<CapsuleOf<StringReceiver>>,
}

impl PartialEq for StringerArguments {
    fn eq(&self, other: &StringerArguments) -> bool {
        self.inputs().len() == other.inputs().len()
            && self
                .inputs()
                .iter()
                .zip(other.inputs())
                .all(|(a, b)| syntax::value::ops::values_equal(a, &b))
            && self.forward_to == other.forward_to
    }
}

impl StringerArguments {
    /// The inputs that are set, in Alloy's order.
    fn inputs(&self) -> Vec<Value> {
        [
            self.input_string.clone(),
            self.input_int.map(Value::int),
            self.input_float.map(Value::float),
            self.input_bool.map(Value::Bool),
            self.input_array.clone(),
            self.input_map.clone(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Go's `%#v` of a value, through the standard library's `string.format`.
fn go_syntax(value: &Value) -> String {
    let format = match syntax::stdlib::identifier("string") {
        Some(Value::Object(o)) => o.get("format").cloned(),
        _ => None,
    };
    let Some(Value::Function(format)) = format else {
        return String::new();
    };
    match (format.call)(&[Value::string("%#v"), value.clone()]) {
        Ok(Value::String(text)) => text,
        _ => String::new(),
    }
}

/// Sends each of its inputs, as Go's `%#v` prints it, to its receivers.
pub struct Stringer;

impl Stringer {
    fn send(args: &StringerArguments) {
        for input in args.inputs() {
            let text = go_syntax(&input);
            for receiver in &args.forward_to {
                (receiver.0.0)(&text);
            }
        }
    }
}

impl Component for Stringer {
    type Arguments = StringerArguments;

    fn build(_: Options, args: StringerArguments) -> Result<Stringer, String> {
        Stringer::send(&args);
        Ok(Stringer)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: StringerArguments) -> Result<(), String> {
        Stringer::send(&args);
        Ok(())
    }
}

/// Appends what its exported `receiver` is sent, a line each; the debug info
/// is the text.
pub struct StringReceiverComponent {
    log: Arc<parking_lot::Mutex<String>>,
}

impl Component for StringReceiverComponent {
    type Arguments = NoArguments;

    fn build(opts: Options, _: NoArguments) -> Result<StringReceiverComponent, String> {
        let log = Arc::new(parking_lot::Mutex::new(String::new()));
        let target = log.clone();
        let receiver: StringReceiver = Receiver(Arc::new(move |text: &str| {
            let mut log = target.lock();
            log.push_str(text);
            log.push('\n');
        }));
        opts.export_value(object([("receiver", Value::capsule(receiver))]));
        Ok(StringReceiverComponent { log })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, _: NoArguments) -> Result<(), String> {
        Ok(())
    }

    fn debug_info(&self) -> Option<Value> {
        Some(Value::string(self.log.lock().clone()))
    }
}
