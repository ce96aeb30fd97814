//! Host objects that travel through the configuration language as capsules: the
//! telemetry receivers (`storage.Appendable`, `otelcol.Consumer`, …) and
//! handlers components export for each other. Two capsules are equal when they
//! are the same object, as Go compares interface values holding pointers.

/// Makes `$ty`, a newtype around an `Arc<dyn Trait>`, a capsule named `$name`
/// that arguments can ask for by type (`forward_to = [a.receiver, b.receiver]`).
/// `receiver` marks telemetry inputs, so the UI draws data flowing into the
/// exporting component.
#[macro_export]
macro_rules! arc_capsule {
    ($ty:ident, $name:literal, receiver = $receiver:literal) => {
        impl ::syntax::value::CapsuleValue for $ty {
            fn capsule_type(&self) -> &'static str {
                $name
            }
            fn capsule_eq(&self, other: &dyn ::syntax::value::CapsuleValue) -> bool {
                other
                    .as_any()
                    .downcast_ref::<$ty>()
                    .is_some_and(|other| other == self)
            }
            fn is_data_receiver(&self) -> bool {
                $receiver
            }
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
        }

        impl ::syntax::decode::CapsuleType for $ty {
            const NAME: &'static str = $name;
        }

        impl ::syntax::decode::Codec for $ty {
            fn value_type() -> ::syntax::decode::ValueType {
                ::syntax::decode::ValueType::Capsule($name)
            }
            fn decode(
                value: &::syntax::value::Value,
            ) -> ::std::result::Result<Self, ::syntax::decode::ValueError> {
                Ok(<::syntax::decode::CapsuleOf<$ty> as ::syntax::decode::Codec>::decode(value)?.0)
            }
            fn encode(&self) -> ::syntax::value::Value {
                ::syntax::value::Value::capsule(self.clone())
            }
        }

        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                ::std::sync::Arc::ptr_eq(&self.0, &other.0)
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({:p})", $name, ::std::sync::Arc::as_ptr(&self.0))
            }
        }
    };
}
