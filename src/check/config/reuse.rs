//! `reusable = ...`: a `ReusePolicy(...)`, `none`, or (inside `override(...)` only) `"off"`.
//!
//! flyte-sdk's `ReusePolicy.__post_init__` rules, with its messages where it has them, plus
//! flyte-dsl's own: a maximum of 0 replicas is an error (no replica could ever run). Codes:
//! `E0401` replicas, `E0402` concurrency, `E0403` TTLs, `E0404` scope, `E0406` a value that is
//! not a policy (`"off"` outside an override included), `E0407` the argument list.
//!
//! ```
//! use flyte_dsl::check::config::{reuse::{reuse_policy, ReuseSetting}, Const, ConstArg, Level, SConst};
//! use flyte_dsl::diagnostics::Span;
//! let s = Span::default();
//! let v = SConst::new(Const::Record { ctor: "ReusePolicy".into(), args: vec![] }, s);
//! let Some(ReuseSetting::Policy(p)) = reuse_policy(&v, Level::Environment, &mut Vec::new()) else {
//!     panic!()
//! };
//! assert_eq!((p.min_replicas, p.max_replicas, p.concurrency), (2, 2, 1));
//! ```

use super::args::{
    did_you_mean, duration_error, duration_ns, fmt_duration, read_args, type_error, Sink,
};
use super::value::{Const, Level, ReuseScope, ReuseSpec, SConst};
use crate::diagnostics::Diagnostic;

/// What a `reusable` value says.
#[derive(Clone, Debug, PartialEq)]
pub enum ReuseSetting {
    /// `ReusePolicy(...)`.
    Policy(ReuseSpec),
    /// `reusable = none`: no reuse (in `clone_with`, clears the inherited policy).
    Cleared,
    /// `reusable = "off"`, inside `override(...)` only: lifts the reuse rule for that call.
    Off,
}

/// Parameters of `ReusePolicy(...)`.
pub const PARAMS: &[&str] = &[
    "replicas",
    "idle_ttl",
    "concurrency",
    "scaledown_ttl",
    "scope",
];

/// The shortest TTL flyte-sdk accepts, in nanoseconds.
const MIN_TTL: i64 = 30_000_000_000;

/// flyte-sdk's defaults: 2 replicas, concurrency 1, both TTLs 30 s, global scope.
pub fn default_policy() -> ReuseSpec {
    ReuseSpec {
        min_replicas: 2,
        max_replicas: 2,
        concurrency: 1,
        idle_ttl: MIN_TTL,
        scaledown_ttl: MIN_TTL,
        scope: ReuseScope::Global,
    }
}

/// Validates a `reusable` value given at `level`. `None` after an error, or when the value is
/// only known at run time.
pub fn reuse_policy(v: &SConst, level: Level, diags: &mut Vec<Diagnostic>) -> Option<ReuseSetting> {
    let mut sink = Sink::new(level, diags);
    let in_override = level == Level::Override;
    let expected = if in_override {
        "`ReusePolicy(...)`, `none` or \"off\""
    } else {
        "`ReusePolicy(...)` or `none`"
    };
    match &v.value {
        Const::Unknown => None,
        Const::None => Some(ReuseSetting::Cleared),
        Const::Str(s) if s == "off" && in_override => Some(ReuseSetting::Off),
        Const::Str(s) if s == "off" => {
            sink.push(
                Diagnostic::error(
                    "E0406",
                    "`reusable = \"off\"` is only valid in `override(...)`",
                )
                .with_label(v.span, "\"off\" outside an override")
                .with_help(
                    "an environment without reuse leaves `reusable` out (or, in `clone_with`, \
                     writes `reusable = none` to clear an inherited policy)",
                ),
            );
            None
        }
        Const::Record { ctor, args } if ctor == "ReusePolicy" => {
            let a = read_args(&mut sink, "E0407", "ReusePolicy", v.span, args, PARAMS, &[]);
            let mut spec = default_policy();
            if let Some(r) = a.known("replicas") {
                if let Some((min, max)) = replicas(&mut sink, r) {
                    spec.min_replicas = min;
                    spec.max_replicas = max;
                }
            }
            if let Some(c) = a.known("concurrency") {
                match c.value {
                    Const::Int(n) => match u32::try_from(n).ok().filter(|n| *n >= 1) {
                        Some(n) => spec.concurrency = n,
                        None => sink.push(
                            Diagnostic::error(
                                "E0402",
                                format!("concurrency must be at least 1, not {n}"),
                            )
                            .with_label(c.span, "tasks per replica")
                            .with_help("concurrency is how many tasks one replica runs at once"),
                        ),
                    },
                    _ => sink.push(type_error("E0402", "`concurrency`", "an int", c)),
                }
            }
            for (name, slot) in [
                ("idle_ttl", &mut spec.idle_ttl),
                ("scaledown_ttl", &mut spec.scaledown_ttl),
            ] {
                if let Some(t) = a.known(name) {
                    if let Some(ns) = ttl(&mut sink, name, t) {
                        *slot = ns;
                    }
                }
            }
            if let Some(s) = a.known("scope") {
                match &s.value {
                    Const::Str(text) if text == "global" => spec.scope = ReuseScope::Global,
                    Const::Str(text) if text == "run" => spec.scope = ReuseScope::Run,
                    Const::Str(text) => sink.push(
                        Diagnostic::error("E0404", "scope must be \"global\" or \"run\"")
                            .with_label(s.span, format!("\"{text}\" is not a scope"))
                            .with_help_opt(did_you_mean(text, ["global", "run"])),
                    ),
                    _ => sink.push(type_error("E0404", "`scope`", "\"global\" or \"run\"", s)),
                }
            }
            sink.finish(ReuseSetting::Policy(spec))
        }
        Const::Str(s) => {
            let mut d = type_error("E0406", "`reusable`", expected, v);
            if in_override {
                d = d.with_help_opt(did_you_mean(s, ["off"]));
            }
            sink.push(d);
            None
        }
        _ => {
            sink.push(type_error("E0406", "`reusable`", expected, v));
            None
        }
    }
}

/// `replicas = N` or `(min, max)`.
fn replicas(sink: &mut Sink, v: &SConst) -> Option<(u32, u32)> {
    const SHAPE: &str = "replicas must be an int or a tuple of two ints";
    let one = |sink: &mut Sink, item: &SConst, what: &str| -> Option<u32> {
        match item.value {
            Const::Int(n) if n < 0 => {
                sink.push(
                    Diagnostic::error(
                        "E0401",
                        format!("replicas{what} must be at least 0, not {n}"),
                    )
                    .with_label(item.span, "negative"),
                );
                None
            }
            Const::Int(n) => match u32::try_from(n) {
                Ok(n) => Some(n),
                Err(_) => {
                    sink.push(
                        Diagnostic::error("E0401", format!("{n} replicas is too many"))
                            .with_label(item.span, "too many"),
                    );
                    None
                }
            },
            Const::Unknown => None,
            _ => {
                sink.push(type_error(
                    "E0401",
                    &format!("`replicas`{what}"),
                    "an int",
                    item,
                ));
                None
            }
        }
    };
    let (min, max, max_span) = match &v.value {
        Const::Int(_) => {
            let n = one(sink, v, "")?;
            (n, n, v.span)
        }
        Const::Tuple(items) if items.len() == 2 => {
            let min = one(sink, &items[0], " min");
            let max = one(sink, &items[1], " max");
            let (min, max) = (min?, max?);
            if min > max {
                sink.push(
                    Diagnostic::error(
                        "E0401",
                        format!("replicas min ({min}) must be less than or equal to max ({max})"),
                    )
                    .with_label(items[0].span, "the minimum")
                    .with_secondary(items[1].span, "the maximum")
                    .with_help("write `replicas = (min, max)`"),
                );
                return None;
            }
            (min, max, items[1].span)
        }
        Const::Tuple(items) => {
            sink.push(
                Diagnostic::error("E0401", SHAPE)
                    .with_label(v.span, format!("a tuple of {}", items.len()))
                    .with_help(
                        "write a fixed count (`replicas = 2`) or a range (`replicas = (1, 4)`)",
                    ),
            );
            return None;
        }
        Const::List(_) => {
            sink.push(
                Diagnostic::error("E0401", SHAPE)
                    .with_label(v.span, "a list")
                    .with_help("a (min, max) range is a tuple: `replicas = (1, 4)`"),
            );
            return None;
        }
        _ => {
            sink.push(type_error(
                "E0401",
                "`replicas`",
                "an int or a (min, max) tuple of ints",
                v,
            ));
            return None;
        }
    };
    if max == 0 {
        sink.push(
            Diagnostic::error("E0401", "replicas max must be at least 1")
                .with_label(max_span, "no replica could ever run")
                .with_help(
                    "a minimum of 0 lets the environment scale to zero: `replicas = (0, 2)`",
                ),
        );
        return None;
    }
    Some((min, max))
}

/// `idle_ttl` / `scaledown_ttl`: at least 30 s.
fn ttl(sink: &mut Sink, name: &str, v: &SConst) -> Option<i64> {
    if matches!(v.value, Const::Unknown) {
        return None;
    }
    match duration_ns(&v.value) {
        Ok(ns) if ns >= MIN_TTL => Some(ns),
        Ok(ns) => {
            sink.push(
                Diagnostic::error("E0403", format!("{name} must be at least 30 seconds"))
                    .with_label(v.span, format!("this is {}", fmt_duration(ns)))
                    .with_help("flyte-sdk rejects TTLs under 30 s"),
            );
            None
        }
        Err(e) => {
            sink.push(duration_error("E0403", &format!("`{name}`"), e, v));
            None
        }
    }
}
