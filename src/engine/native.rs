//! Host functions: a Rust closure's signature becomes the script-side signature.
//!
//! [`NativeType`] maps Rust types to the language's types (`i64` is `int`, `Vec<T>` is
//! `list[T]`, `Option<T>` is `T?`, ...); [`IntoNative`] is implemented for closures of zero to
//! four such arguments returning `Result<R, HostError>`. Values cross as JSON through serde.

use crate::check::types::Type;
use crate::runtime::NativeFn;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

/// An error a host function returns; the script sees a `RuntimeUserError` with this message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct HostError(pub String);

impl HostError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> HostError {
        HostError(message.into())
    }
}

/// A Rust type scripts can pass to or get from a host function.
pub trait NativeType: Serialize + DeserializeOwned {
    /// The language type this Rust type stands for.
    fn script_type() -> Type;
}

macro_rules! native_scalar {
    ($($t:ty => $ty:expr),*) => {
        $(impl NativeType for $t {
            fn script_type() -> Type { $ty }
        })*
    };
}

native_scalar!(i64 => Type::Int, i32 => Type::Int, u32 => Type::Int, f64 => Type::Float, bool => Type::Bool, String => Type::Str, () => Type::None);

impl<T: NativeType> NativeType for Vec<T> {
    fn script_type() -> Type {
        Type::list(T::script_type())
    }
}

impl<T: NativeType> NativeType for Option<T> {
    fn script_type() -> Type {
        Type::optional(T::script_type())
    }
}

impl<V: NativeType> NativeType for std::collections::BTreeMap<String, V> {
    fn script_type() -> Type {
        Type::Dict(Box::new(Type::Str), Box::new(V::script_type()))
    }
}

impl<V: NativeType> NativeType for std::collections::HashMap<String, V> {
    fn script_type() -> Type {
        Type::Dict(Box::new(Type::Str), Box::new(V::script_type()))
    }
}

/// A closure usable as a host function (`Args` is its argument tuple).
pub trait IntoNative<Args> {
    fn into_native(self) -> (Vec<Type>, Type, NativeFn);
}

fn arg<T: NativeType>(args: &[serde_json::Value], i: usize) -> Result<T, String> {
    let v = args.get(i).cloned().unwrap_or(serde_json::Value::Null);
    serde_json::from_value(v).map_err(|e| format!("argument {}: {e}", i + 1))
}

fn out<R: NativeType>(r: Result<R, HostError>) -> Result<serde_json::Value, String> {
    match r {
        Ok(v) => serde_json::to_value(v).map_err(|e| e.to_string()),
        Err(e) => Err(e.0),
    }
}

/// An async closure usable as a host task (`Args` is its argument tuple).
pub trait IntoNativeTask<Args> {
    fn into_native_task(self) -> (Vec<Type>, Type, crate::runtime::NativeTaskFn);
}

macro_rules! into_native_task {
    ($($a:ident $i:tt),*) => {
        impl<F, Fut, R, $($a),*> IntoNativeTask<($($a,)*)> for F
        where
            F: Fn($($a),*) -> Fut + Send + Sync + 'static,
            Fut: std::future::Future<Output = Result<R, HostError>> + Send + 'static,
            R: NativeType,
            $($a: NativeType,)*
        {
            fn into_native_task(self) -> (Vec<Type>, Type, crate::runtime::NativeTaskFn) {
                let params = vec![$($a::script_type()),*];
                let f = Arc::new(self);
                let call: crate::runtime::NativeTaskFn = Arc::new(move |_args: Vec<serde_json::Value>| {
                    let f = f.clone();
                    Box::pin(async move {
                        #[allow(non_snake_case)]
                        let ($($a,)*) = ($(arg::<$a>(&_args, $i)?,)*);
                        out(f($($a),*).await)
                    })
                });
                (params, R::script_type(), call)
            }
        }
    };
}

into_native_task!();
into_native_task!(A 0);
into_native_task!(A 0, B 1);
into_native_task!(A 0, B 1, C 2);

macro_rules! into_native {
    ($($a:ident $i:tt),*) => {
        impl<F, R, $($a),*> IntoNative<($($a,)*)> for F
        where
            F: Fn($($a),*) -> Result<R, HostError> + Send + Sync + 'static,
            R: NativeType,
            $($a: NativeType,)*
        {
            fn into_native(self) -> (Vec<Type>, Type, NativeFn) {
                let params = vec![$($a::script_type()),*];
                let call: NativeFn = Arc::new(move |_args: Vec<serde_json::Value>| {
                    out((self)($(arg::<$a>(&_args, $i)?),*))
                });
                (params, R::script_type(), call)
            }
        }
    };
}

into_native!();
into_native!(A 0);
into_native!(A 0, B 1);
into_native!(A 0, B 1, C 2);
into_native!(A 0, B 1, C 2, D 3);
