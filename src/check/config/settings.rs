//! Task settings: `cache`, `retries` and `timeout`, as flyte-sdk's `Cache`, `RetryStrategy`
//! with `Backoff`, and `Timeout` take them in flyte-sdk 2.12.1.
//!
//! Codes: `E0504` an invalid cache value, `E0505` invalid retries (the backoff included),
//! `E0506` an invalid timeout; warning `W0503` for the `"override"` behaviour without a
//! `version_override` (flyte-sdk falls back to hashing the body). Falsy values (`retries = 0`,
//! `timeout = 0`, `cache = ""` in a decorator or override) are the caller's business: these
//! functions only make sure they are not reported as errors.
//!
//! ```
//! use flyte_dsl::check::config::{settings::cache, CacheBehavior, Const, Level, SConst};
//! use flyte_dsl::diagnostics::Span;
//! let v = SConst::new(Const::Str("ON".into()), Span::default());
//! let spec = cache(&v, Level::Decorator, &mut Vec::new()).unwrap();
//! assert_eq!(spec.behavior, CacheBehavior::Auto);
//! ```

use super::args::{did_you_mean, duration_error, duration_ns, read_args, type_error, Sink};
use super::value::{
    BackoffSpec, CacheBehavior, CacheSpec, Const, Level, RetrySpec, SConst, TimeoutSpec,
};
use crate::diagnostics::Diagnostic;

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

const CANONICAL: &[(&str, CacheBehavior)] = &[
    ("auto", CacheBehavior::Auto),
    ("override", CacheBehavior::Override),
    ("disable", CacheBehavior::Disable),
];

/// flyte-sdk's `_CACHE_BEHAVIOR_ALIASES`, matched case-insensitively.
const ALIASES: &[(&str, CacheBehavior)] = &[
    ("enable", CacheBehavior::Auto),
    ("enabled", CacheBehavior::Auto),
    ("on", CacheBehavior::Auto),
    ("true", CacheBehavior::Auto),
    ("yes", CacheBehavior::Auto),
    ("off", CacheBehavior::Disable),
    ("false", CacheBehavior::Disable),
    ("no", CacheBehavior::Disable),
    ("none", CacheBehavior::Disable),
];

const CACHE_PARAMS: &[&str] = &[
    "behavior",
    "version_override",
    "serialize",
    "ignored_inputs",
    "salt",
    "max_age",
];

const CACHE_VALUES: &str = "write \"auto\", \"override\" or \"disable\" (aliases: \"enable\", \
    \"enabled\", \"on\", \"true\", \"yes\" mean \"auto\"; \"off\", \"false\", \"no\", \"none\" mean \
    \"disable\")";

/// A spec with flyte-sdk's defaults for `behavior`.
pub fn cache_spec(behavior: CacheBehavior) -> CacheSpec {
    CacheSpec {
        behavior,
        version_override: None,
        serialize: false,
        ignored_inputs: Vec::new(),
        salt: String::new(),
        max_age: None,
    }
}

/// Validates a `cache` value: a behaviour string or `Cache(...)`. In a decorator or an
/// override, `""` and `none` keep the less specific value: `None` without a diagnostic.
pub fn cache(v: &SConst, level: Level, diags: &mut Vec<Diagnostic>) -> Option<CacheSpec> {
    let mut sink = Sink::new(level, diags);
    let falsy = match &v.value {
        Const::Str(s) => s.is_empty(),
        Const::None => true,
        _ => false,
    };
    if falsy && level != Level::Environment {
        return None;
    }
    match &v.value {
        Const::Unknown => None,
        Const::Str(s) => {
            let b = behavior(&mut sink, s, v)?;
            if b == CacheBehavior::Override {
                sink.push(no_version(v));
            }
            sink.finish(cache_spec(b))
        }
        Const::Record { ctor, args } if ctor == "Cache" => {
            let a = read_args(
                &mut sink,
                "E0504",
                "Cache",
                v.span,
                args,
                CACHE_PARAMS,
                &["behavior"],
            );
            let b = match a.given("behavior").map(|bv| (bv, &bv.value)) {
                Some((bv, Const::Str(s))) => behavior(&mut sink, s, bv),
                Some((_, Const::Unknown)) | None => None,
                Some((bv, _)) => {
                    sink.push(type_error("E0504", "the cache behavior", "a string", bv));
                    None
                }
            };
            let mut spec = cache_spec(b.unwrap_or(CacheBehavior::Auto));
            if let Some(s) = a.get("version_override") {
                spec.version_override = string(&mut sink, "`version_override`", s);
            }
            if let Some(s) = a.get("serialize") {
                match s.value {
                    Const::Bool(b) => spec.serialize = b,
                    _ => sink.push(type_error("E0504", "`serialize`", "a bool", s)),
                }
            }
            if let Some(s) = a.get("salt") {
                spec.salt = string(&mut sink, "`salt`", s).unwrap_or_default();
            }
            if let Some(i) = a.get("ignored_inputs") {
                spec.ignored_inputs = ignored_inputs(&mut sink, i);
            }
            if let Some(m) = a.get("max_age") {
                match duration_ns(&m.value) {
                    Ok(ns) if ns >= 0 => spec.max_age = Some(ns),
                    Ok(_) => sink.push(
                        Diagnostic::error("E0504", "`max_age` cannot be negative")
                            .with_label(m.span, "negative")
                            .with_help(
                                "entries older than max_age are misses; 0 means always a miss",
                            ),
                    ),
                    Err(e) => sink.push(duration_error("E0504", "`max_age`", e, m)),
                }
            }
            let version_unknown = a
                .given("version_override")
                .is_some_and(|v| matches!(v.value, Const::Unknown));
            if let (Some(CacheBehavior::Override), None, Some(bv)) =
                (b, a.get("version_override"), a.given("behavior"))
            {
                if !version_unknown {
                    sink.push(no_version(bv));
                }
            }
            b?;
            sink.finish(spec)
        }
        _ => {
            sink.push(
                type_error("E0504", "`cache`", "a behaviour string or `Cache(...)`", v)
                    .with_help(CACHE_VALUES),
            );
            None
        }
    }
}

fn behavior(sink: &mut Sink, s: &str, v: &SConst) -> Option<CacheBehavior> {
    if let Some((_, b)) = CANONICAL.iter().find(|(name, _)| *name == s) {
        return Some(*b);
    }
    let lower = s.to_lowercase();
    if let Some((_, b)) = ALIASES.iter().find(|(name, _)| *name == lower) {
        return Some(*b);
    }
    let d = if let Some((name, _)) = CANONICAL.iter().find(|(name, _)| *name == lower) {
        Diagnostic::error(
            "E0504",
            format!("invalid cache behaviour \"{s}\": the names are case-sensitive"),
        )
        .with_label(v.span, format!("did you mean \"{name}\"?"))
        .with_help(format!(
            "write \"{name}\"; only the aliases (\"enable\", \"off\", ...) ignore case"
        ))
    } else {
        let names = CANONICAL.iter().chain(ALIASES).map(|(n, _)| *n);
        let help = match did_you_mean(s, names) {
            Some(h) => format!("{h} {CACHE_VALUES}"),
            None => CACHE_VALUES.to_string(),
        };
        Diagnostic::error("E0504", format!("invalid cache behaviour \"{s}\""))
            .with_label(v.span, "not a cache behaviour")
            .with_help(help)
    };
    sink.push(d);
    None
}

fn no_version(v: &SConst) -> Diagnostic {
    Diagnostic::warning(
        "W0503",
        "cache behaviour \"override\" without a `version_override`",
    )
    .with_label(v.span, "no version given")
    .with_help(
        "the version falls back to the hash of the task's body, as with \"auto\": write \
         `Cache(behavior = \"override\", version_override = \"v1\")`",
    )
}

fn string(sink: &mut Sink, what: &str, v: &SConst) -> Option<String> {
    match &v.value {
        Const::Str(s) => Some(s.clone()),
        _ => {
            sink.push(type_error("E0504", what, "a string", v));
            None
        }
    }
}

/// A tuple or list of input names (a single string, as flyte-sdk allows, is one name).
fn ignored_inputs(sink: &mut Sink, v: &SConst) -> Vec<String> {
    let items = match &v.value {
        Const::Str(s) => return vec![s.clone()],
        Const::Tuple(items) | Const::List(items) => items,
        _ => {
            sink.push(type_error(
                "E0504",
                "`ignored_inputs`",
                "a tuple or list of input names",
                v,
            ));
            return Vec::new();
        }
    };
    items
        .iter()
        .filter_map(|item| match &item.value {
            Const::Str(s) => Some(s.clone()),
            Const::Unknown => None,
            _ => {
                sink.push(type_error("E0504", "an ignored input", "a string", item));
                None
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

/// Validates `retries`: an int >= 0 or `RetryStrategy(count, backoff = none)` with
/// `Backoff(base, factor = 1.0, cap = none)`. `none` means no retries.
pub fn retries(v: &SConst, level: Level, diags: &mut Vec<Diagnostic>) -> Option<RetrySpec> {
    let mut sink = Sink::new(level, diags);
    match &v.value {
        Const::Unknown => None,
        Const::None => Some(RetrySpec {
            count: 0,
            backoff: None,
        }),
        Const::Int(_) => {
            let count = count(&mut sink, v)?;
            Some(RetrySpec {
                count,
                backoff: None,
            })
        }
        Const::Record { ctor, args } if ctor == "RetryStrategy" => {
            const PARAMS: &[&str] = &["count", "backoff"];
            let a = read_args(
                &mut sink,
                "E0505",
                "RetryStrategy",
                v.span,
                args,
                PARAMS,
                &["count"],
            );
            let count = match a.given("count") {
                Some(c) => count(&mut sink, c),
                None => None,
            };
            let backoff = a.get("backoff").and_then(|b| backoff(&mut sink, b));
            if sink.failed() || count.is_none() {
                return None;
            }
            Some(RetrySpec {
                count: count?,
                backoff,
            })
        }
        _ => {
            sink.push(retries_type(v));
            None
        }
    }
}

fn retries_type(v: &SConst) -> Diagnostic {
    type_error("E0505", "`retries`", "an int or `RetryStrategy(...)`", v)
        .with_help("write `retries = 3` or `retries = RetryStrategy(count = 3, backoff = Backoff(base = 10s))`")
}

fn count(sink: &mut Sink, v: &SConst) -> Option<u32> {
    match v.value {
        Const::Int(n) if n < 0 => {
            sink.push(
                Diagnostic::error("E0505", format!("retries cannot be negative ({n})"))
                    .with_label(v.span, "a negative count")
                    .with_help("`retries = 0` means a single attempt"),
            );
            None
        }
        Const::Int(n) => match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                sink.push(
                    Diagnostic::error("E0505", format!("{n} retries is too many"))
                        .with_label(v.span, "too many"),
                );
                None
            }
        },
        Const::Unknown => None,
        _ => {
            sink.push(type_error("E0505", "the retry count", "an int", v));
            None
        }
    }
}

/// `Backoff(base, factor = 1.0, cap = none)`: the delay before retry n is
/// `min(base * factor^n, cap)`.
fn backoff(sink: &mut Sink, v: &SConst) -> Option<BackoffSpec> {
    const PARAMS: &[&str] = &["base", "factor", "cap"];
    let args = match &v.value {
        Const::Record { ctor, args } if ctor == "Backoff" => args,
        Const::Unknown => return None,
        _ => {
            sink.push(type_error(
                "E0505",
                "`backoff`",
                "`Backoff(...)` or `none`",
                v,
            ));
            return None;
        }
    };
    let a = read_args(sink, "E0505", "Backoff", v.span, args, PARAMS, &["base"]);
    let delay = |sink: &mut Sink, name: &str| -> Option<i64> {
        // `cap = none` is no cap; `base` is required and `none` is not a delay.
        let d = if name == "base" {
            a.given(name)?
        } else {
            a.get(name)?
        };
        // flyte-sdk's `Backoff` fields are `timedelta`s: a plain int fails its comparison
        // with `timedelta(0)` (unlike `Timeout` and `ReusePolicy`, which take int seconds).
        if let Const::Int(n) = d.value {
            sink.push(
                Diagnostic::error(
                    "E0505",
                    format!("`Backoff` {name} must be a duration, not an int"),
                )
                .with_label(d.span, "an int")
                .with_help(format!("write `{name} = {n}s`")),
            );
            return None;
        }
        match duration_ns(&d.value) {
            Ok(ns) if ns >= 0 => Some(ns),
            Ok(_) => {
                sink.push(
                    Diagnostic::error("E0505", format!("`Backoff` {name} must be >= 0"))
                        .with_label(d.span, "negative"),
                );
                None
            }
            Err(_) if matches!(d.value, Const::Unknown) => None,
            Err(e) => {
                sink.push(duration_error("E0505", &format!("`Backoff` {name}"), e, d));
                None
            }
        }
    };
    let base = delay(sink, "base");
    let cap = delay(sink, "cap");
    let mut factor = Some(1.0);
    if let Some(f) = a.known("factor") {
        factor = match f.value {
            Const::Int(n) => Some(n as f64),
            Const::Float(x) => Some(x),
            _ => {
                sink.push(type_error("E0505", "`Backoff` factor", "a number", f));
                None
            }
        };
        if let Some(x) = factor.filter(|x| !x.is_finite() || *x < 1.0) {
            sink.push(
                Diagnostic::error(
                    "E0505",
                    format!("`Backoff` factor must be finite and >= 1, not {x:?}"),
                )
                .with_label(f.span, "factor below 1")
                .with_help("1.0 keeps the delay constant, 2.0 doubles it each retry"),
            );
            factor = None;
        }
        if let (Some(x), None) = (factor, a.get("cap")) {
            if x > 1.0
                && !a
                    .given("cap")
                    .is_some_and(|c| matches!(c.value, Const::Unknown))
            {
                sink.push(
                    Diagnostic::error("E0505", "`Backoff` cap is required when factor > 1")
                        .with_label(f.span, "the delay grows without bound")
                        .with_help(format!(
                            "add a cap: `Backoff(..., factor = {x:?}, cap = 5m)`"
                        )),
                );
                factor = None;
            }
        }
    }
    Some(BackoffSpec {
        base: base?,
        factor: factor?,
        cap,
    })
}

// ---------------------------------------------------------------------------------------------
// Timeout
// ---------------------------------------------------------------------------------------------

/// Validates `timeout`: an int of seconds or a duration (the running time of one attempt), or
/// `Timeout(max_runtime, max_queued_time, deadline)`. 0 or `none` is no bound.
pub fn timeout(v: &SConst, level: Level, diags: &mut Vec<Diagnostic>) -> Option<TimeoutSpec> {
    let mut sink = Sink::new(level, diags);
    match &v.value {
        Const::Unknown => None,
        Const::None => Some(TimeoutSpec::default()),
        Const::Record { ctor, args } if ctor == "Timeout" => {
            const PARAMS: &[&str] = &["max_runtime", "max_queued_time", "deadline"];
            let a = read_args(&mut sink, "E0506", "Timeout", v.span, args, PARAMS, &[]);
            let mut spec = TimeoutSpec::default();
            for (name, slot) in [
                ("max_runtime", &mut spec.max_runtime),
                ("max_queued_time", &mut spec.max_queued_time),
                ("deadline", &mut spec.deadline),
            ] {
                if let Some(b) = a.get(name) {
                    *slot = bound(&mut sink, &format!("`{name}`"), b);
                }
            }
            sink.finish(spec)
        }
        Const::Int(_) | Const::Duration(_) | Const::Float(_) => {
            let max_runtime = bound(&mut sink, "`timeout`", v);
            sink.finish(TimeoutSpec {
                max_runtime,
                ..TimeoutSpec::default()
            })
        }
        _ => {
            sink.push(
                type_error(
                    "E0506",
                    "`timeout`",
                    "an int (seconds), a duration or `Timeout(...)`",
                    v,
                )
                .with_help("write `timeout = 600`, `timeout = 10m` or `timeout = Timeout(max_runtime = 10m, deadline = 1h)`"),
            );
            None
        }
    }
}

/// One bound in nanoseconds; `None` for 0 (no bound) and after an error.
fn bound(sink: &mut Sink, what: &str, v: &SConst) -> Option<i64> {
    match duration_ns(&v.value) {
        Ok(0) => None,
        Ok(ns) if ns > 0 => Some(ns),
        Ok(_) => {
            sink.push(
                Diagnostic::error("E0506", format!("{what} cannot be negative"))
                    .with_label(v.span, "a negative time")
                    .with_help("0 or `none` means no bound"),
            );
            None
        }
        Err(e) => {
            sink.push(duration_error("E0506", what, e, v));
            None
        }
    }
}
