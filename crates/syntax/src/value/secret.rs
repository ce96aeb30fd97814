//! The two secret capsules: `secret`, which may never become a plain string, and
//! the optional secret whose secrecy is decided at run time (`local.file`'s
//! `content` with `is_secret`).

use super::CapsuleValue;
use std::any::Any;
use std::fmt;

/// A string that is never shown: rendered as `(secret)` everywhere.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret text. Callers must not show it to users.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

impl CapsuleValue for Secret {
    fn capsule_type(&self) -> &'static str {
        "alloytypes.Secret"
    }

    fn capsule_eq(&self, other: &dyn CapsuleValue) -> bool {
        other.as_any().downcast_ref::<Secret>() == Some(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A string that is secret only when `is_secret` is set.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct OptionalSecret {
    pub is_secret: bool,
    pub value: String,
}

impl fmt::Debug for OptionalSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_secret {
            f.write_str("(secret)")
        } else {
            write!(f, "{:?}", self.value)
        }
    }
}

impl CapsuleValue for OptionalSecret {
    fn capsule_type(&self) -> &'static str {
        "alloytypes.OptionalSecret"
    }

    fn capsule_eq(&self, other: &dyn CapsuleValue) -> bool {
        other.as_any().downcast_ref::<OptionalSecret>() == Some(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
