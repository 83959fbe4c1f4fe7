//! `t.override(...)` at run time: the settings of the new task, from the task's own and the
//! override's evaluated keyword arguments, validated as the checker does (flyte-sdk's
//! `TaskTemplate.override`: `new or old` for each setting, and the reuse rule).

use super::value::Value;
use super::ActSettings;
use crate::check::config::{self as cfg, Const, ConstArg, Level, SConst};
use crate::diagnostics::ErrorType;
use crate::diagnostics::Span;
use crate::syntax::ast::Name;

/// The settings of `t.override(kwargs)` over `base`, the task's own; an error value
/// (`ValueError`, naming the checker's code) when an override is invalid.
pub(crate) fn apply(
    base: &ActSettings,
    t: &Name,
    kwargs: &[(Name, Value)],
) -> Result<ActSettings, Value> {
    let mut s = base.clone();
    let mut diags = Vec::new();
    // The policy in force: the override's own `reusable`, else the task's (flyte-sdk's
    // `reusable or self.reusable`, with "off" clearing it).
    let mut policy_in_force = base.reuse.is_some();
    let mut restricted: Vec<&str> = Vec::new();
    for (k, v) in kwargs {
        // `none` keeps the task's own setting, as flyte-sdk's `None` does (`reusable = none`
        // too: the policy stays in force).
        if matches!(v, Value::None) {
            continue;
        }
        let c = to_const(v, Span::default());
        match k.as_str() {
            "resources" => {
                if !matches!(v, Value::None) {
                    restricted.push("resources");
                }
                if let Some(r) = cfg::resources(&c, Level::Override, &mut diags) {
                    s.resources = r;
                }
            }
            "reusable" => match cfg::reuse_policy(&c, Level::Override, &mut diags) {
                Some(cfg::ReuseSetting::Policy(p)) => {
                    policy_in_force = true;
                    s.reuse = Some((format!("{t}-override"), p))
                }
                Some(cfg::ReuseSetting::Off) => {
                    policy_in_force = false;
                    s.reuse = None
                }
                // `reusable = none` keeps the task's policy.
                Some(cfg::ReuseSetting::Cleared) | None => {}
            },
            "retries" => {
                if let Some(r) = cfg::retries(&c, Level::Override, &mut diags) {
                    if r.count > 0 {
                        s.retries = Some(r);
                    }
                }
            }
            "timeout" => {
                if let Some(r) = cfg::timeout(&c, Level::Override, &mut diags) {
                    if r != cfg::TimeoutSpec::default() {
                        s.timeout = Some(r);
                    }
                }
            }
            "interruptible" => {
                if let Value::Bool(b) = v {
                    s.interruptible = *b;
                }
            }
            "cache" => {
                if let Some(c) = cfg::cache(&c, Level::Override, &mut diags) {
                    s.cache = Some(c);
                }
            }
            "queue" => {
                if let Value::Str(q) = v {
                    if !q.is_empty() {
                        s.queue = Some(q.to_string());
                    }
                }
            }
            "env_vars" => {
                if let Value::Dict(d) = v {
                    restricted.push("env_vars");
                    let d = d.borrow();
                    // `env_vars or self.env_vars`: an empty dict keeps the task's.
                    if !d.is_empty() {
                        s.env_vars = d
                            .iter()
                            .map(|(k, v)| (k.to_value().display(), v.display()))
                            .collect();
                    }
                }
            }
            "secrets" => {
                if !matches!(v, Value::None) {
                    restricted.push("secrets");
                }
                if let Ok(items) = super::ops::iterate(v) {
                    if !items.is_empty() {
                        s.secrets = items.iter().map(Value::display).collect();
                    }
                }
            }
            _ => {}
        }
        if let Some(d) = diags.iter().find(|d| d.is_error()) {
            // The checker's help names the code the rule has outside an override.
            let message = match d
                .help
                .as_deref()
                .and_then(|h| h.rfind("(outside an override"))
            {
                Some(at) => format!("{} {}", d.message, &d.help.as_deref().unwrap_or("")[at..]),
                None => d.message.clone(),
            };
            return Err(invalid(d.code, &message));
        }
    }
    if policy_in_force {
        if let Some(setting) = restricted.first() {
            return Err(invalid(
                "E0503",
                &format!("cannot override `{setting}` while a reuse policy is in force"),
            ));
        }
    }
    Ok(s)
}

fn invalid(code: &str, message: &str) -> Value {
    Value::error(
        ErrorType::ValueError,
        format!("invalid override ({code}): {message}"),
    )
}

/// A run-time value as a configuration constant, for the validators.
pub(crate) fn to_const(v: &Value, span: Span) -> SConst {
    let c = match v {
        Value::None => Const::None,
        Value::Bool(b) => Const::Bool(*b),
        Value::Int(i) => Const::Int(*i),
        Value::Float(f) => Const::Float(*f),
        Value::Duration(d) => Const::Duration(*d),
        Value::Str(s) => Const::Str(s.to_string()),
        Value::List(l) => Const::List(l.borrow().iter().map(|x| to_const(x, span)).collect()),
        Value::Tuple(t) => Const::Tuple(t.iter().map(|x| to_const(x, span)).collect()),
        Value::Dict(d) => Const::Dict(
            d.borrow()
                .iter()
                .map(|(k, x)| (to_const(&k.to_value(), span), to_const(x, span)))
                .collect(),
        ),
        Value::Record(r) => Const::Record {
            ctor: r.0.clone(),
            args: r
                .1
                .iter()
                .map(|(n, x)| ConstArg {
                    name: n.clone(),
                    span,
                    value: to_const(x, span),
                })
                .collect(),
        },
        _ => Const::Unknown,
    };
    SConst::new(c, span)
}
