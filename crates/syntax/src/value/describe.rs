//! Type descriptions for messages: the plain type name, or for capsules the
//! host type Alloy prints (`capsule("alloytypes.Secret")`).

use super::Value;

impl Value {
    /// The type as Alloy describes it in conversion errors.
    pub fn describe(&self) -> String {
        match self {
            Value::Capsule(c) => format!("capsule({:?})", c.type_name()),
            other => other.ty().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capsules_show_their_host_type() {
        assert_eq!(
            Value::secret("x").describe(),
            "capsule(\"alloytypes.Secret\")"
        );
        assert_eq!(Value::int(1).describe(), "number");
        assert_eq!(Value::Null.describe(), "null");
    }
}
