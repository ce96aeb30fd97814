//! Runtime values of the Alloy configuration language.
//!
//! One user-visible `number` type is kept internally as int64, uint64 or float64
//! ([`Number`]) because Alloy's arithmetic depends on it (`1 / 2 == 0`). Objects keep
//! insertion order; capsules wrap host values (secrets, receivers, handlers) that the
//! language can pass around but not look inside.

pub mod convert;
mod describe;
pub mod number;
pub mod ops;
mod secret;

pub use secret::{OptionalSecret, Secret};

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// An object: string keys to values, in insertion order.
pub type Object = indexmap::IndexMap<String, Value>;

#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Null,
    Number(Number),
    String(String),
    Bool(bool),
    Array(Vec<Value>),
    Object(Object),
    Function(Function),
    Capsule(Capsule),
}

/// A number of one of Alloy's three internal kinds. Arithmetic promotes to the
/// widest kind of the two operands, in the order uint < int < float.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Number {
    Int(i64),
    Uint(u64),
    Float(f64),
}

/// The user-visible type of a value, as Alloy names it in messages.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Type {
    Null,
    Number,
    String,
    Bool,
    Array,
    Object,
    Function,
    Capsule,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Number => "number",
            Type::String => "string",
            Type::Bool => "bool",
            Type::Array => "array",
            Type::Object => "object",
            Type::Function => "function",
            Type::Capsule => "capsule",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Value {
    pub fn ty(&self) -> Type {
        match self {
            Value::Null => Type::Null,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::Bool(_) => Type::Bool,
            Value::Array(_) => Type::Array,
            Value::Object(_) => Type::Object,
            Value::Function(_) => Type::Function,
            Value::Capsule(_) => Type::Capsule,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    pub fn uint(u: u64) -> Value {
        Value::Number(Number::Uint(u))
    }

    pub fn float(f: f64) -> Value {
        Value::Number(Number::Float(f))
    }

    pub fn capsule<T: CapsuleValue>(v: T) -> Value {
        Value::Capsule(Capsule::new(v))
    }

    pub fn secret(s: impl Into<String>) -> Value {
        Value::capsule(Secret::new(s))
    }
}

/// The signature of a host function callable from the language.
pub type NativeFn = dyn Fn(&[Value]) -> Result<Value, CallError> + Send + Sync;

/// A function value: a standard-library function or a component export.
/// Functions never compare equal, not even to themselves.
#[derive(Clone)]
pub struct Function {
    pub name: Arc<str>,
    /// Arguments required; with `variadic`, the minimum.
    pub arity: usize,
    pub variadic: bool,
    pub call: Arc<NativeFn>,
}

impl Function {
    pub fn new(
        name: impl Into<Arc<str>>,
        arity: usize,
        variadic: bool,
        call: impl Fn(&[Value]) -> Result<Value, CallError> + Send + Sync + 'static,
    ) -> Function {
        Function {
            name: name.into(),
            arity,
            variadic,
            call: Arc::new(call),
        }
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function({})", self.name)
    }
}

/// An error raised by a function call. `arg` names the argument at fault (its
/// index), so the evaluator can point the diagnostic at that argument's expression.
///
/// Alloy prefixes the message with the text of the expression at fault: the
/// argument (followed into array elements and object fields by `path`, when the
/// offending value sits inside it), or the function itself when `arg` is `None`.
/// A `bare` error gets no prefix (Alloy's plain errors from raw functions, e.g.
/// `group_by: expected 3 arguments, got 2`).
#[derive(Clone, Debug, PartialEq)]
pub struct CallError {
    pub message: String,
    pub arg: Option<usize>,
    pub path: Vec<PathStep>,
    pub bare: bool,
}

/// One step from an argument into the value at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// An array element.
    Index(usize),
    /// An object field.
    Key(String),
}

impl CallError {
    pub fn new(message: impl Into<String>) -> CallError {
        CallError {
            message: message.into(),
            arg: None,
            path: Vec::new(),
            bare: false,
        }
    }

    pub fn at_arg(arg: usize, message: impl Into<String>) -> CallError {
        CallError {
            arg: Some(arg),
            ..CallError::new(message)
        }
    }

    /// An error shown without any expression text in front.
    pub fn bare(message: impl Into<String>) -> CallError {
        CallError {
            bare: true,
            ..CallError::new(message)
        }
    }

    /// The same error, about a value one step further inside the argument.
    pub fn within(mut self, step: PathStep) -> CallError {
        self.path.push(step);
        self
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A host value carried through the language unchanged.
pub trait CapsuleValue: Any + Send + Sync + fmt::Debug {
    /// The name shown in messages as `capsule("<name>")`, e.g. `alloytypes.Secret`.
    fn capsule_type(&self) -> &'static str;

    /// Deep equality with another capsule of the same type.
    fn capsule_eq(&self, other: &dyn CapsuleValue) -> bool;

    /// A view as an object, for capsules that support field access and indexing.
    fn as_object(&self) -> Option<Object> {
        None
    }

    /// `true` for telemetry inputs (a `LogsReceiver`, a metrics appendable, an
    /// `otelcol.Consumer` …): data flows *into* the component exporting them, which
    /// orients the UI's data-flow edges (SPEC §1.11).
    fn is_data_receiver(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn Any;
}

#[derive(Clone)]
pub struct Capsule(pub Arc<dyn CapsuleValue>);

impl Capsule {
    pub fn new<T: CapsuleValue>(v: T) -> Capsule {
        Capsule(Arc::new(v))
    }

    pub fn type_name(&self) -> &'static str {
        self.0.capsule_type()
    }

    pub fn downcast_ref<T: CapsuleValue>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
}

impl fmt::Debug for Capsule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
