//! What `:env` and `:tasks` print: settings and signatures in the language's own syntax, as
//! a person would write them (`timeout = 2m`, `cache = "auto"`, `Resources(cpu = 2)`).

use flyte_dsl::check::config::{
    quantity, Accelerator, BackoffSpec, CacheBehavior, CacheSpec, ResourceSpec, RetrySpec,
    ReuseScope, ReuseSpec, TimeoutSpec,
};
use flyte_dsl::check::{Checked, EnvInfo, Origin};
use flyte_dsl::runtime::value::format_duration as dur;
use flyte_dsl::runtime::Executable;

/// A string literal.
fn s(text: &str) -> String {
    flyte_dsl::runtime::value::Value::str(text).repr()
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|i| s(i)).collect::<Vec<_>>().join(", ")
    )
}

fn opt_str(o: &Option<String>) -> String {
    o.as_deref().map_or("none".into(), s)
}

/// `Resources(cpu = (1, 2), memory = "4Gi", gpu = "A100:1")`
pub fn resources(r: &ResourceSpec) -> String {
    let mut parts = Vec::new();
    let cpu = |m: u64| {
        let t = quantity::format_cpu(m);
        if t.ends_with('m') {
            s(&t)
        } else {
            t
        }
    };
    if let Some(c) = r.cpu_milli {
        parts.push(if c.request == c.limit {
            format!("cpu = {}", cpu(c.request))
        } else {
            format!("cpu = ({}, {})", cpu(c.request), cpu(c.limit))
        });
    }
    if let Some(m) = r.memory {
        let (req, lim) = (
            s(&quantity::format_bytes(m.request)),
            s(&quantity::format_bytes(m.limit)),
        );
        parts.push(if req == lim {
            format!("memory = {req}")
        } else {
            format!("memory = ({req}, {lim})")
        });
    }
    match &r.accelerator {
        Some(Accelerator::Gpu {
            device,
            quantity,
            partition,
            ..
        }) => parts.push(match (device, partition) {
            (Some(d), Some(p)) => format!(
                "gpu = GPU(device = {}, quantity = {quantity}, partition = {})",
                s(d),
                s(p)
            ),
            (Some(d), None) => format!("gpu = {}", s(&format!("{d}:{quantity}"))),
            (None, _) => format!("gpu = {quantity}"),
        }),
        Some(Accelerator::Tpu { device, slice }) => parts.push(match slice {
            Some(p) => format!("gpu = TPU(device = {}, partition = {})", s(device), s(p)),
            None => format!("gpu = TPU(device = {})", s(device)),
        }),
        Some(Accelerator::Other { device, quantity }) => {
            parts.push(format!("gpu = {}", s(&format!("{device}:{quantity}"))))
        }
        None => {}
    }
    if let Some(d) = r.disk {
        parts.push(format!("disk = {}", s(&quantity::format_bytes(d))));
    }
    format!("Resources({})", parts.join(", "))
}

/// `"auto"`, or `Cache(behavior = "override", version_override = "v2", ...)`.
pub fn cache(c: &CacheSpec) -> String {
    let behavior = match c.behavior {
        CacheBehavior::Auto => "auto",
        CacheBehavior::Override => "override",
        CacheBehavior::Disable => "disable",
    };
    let mut args = vec![format!("behavior = {}", s(behavior))];
    if let Some(v) = &c.version_override {
        args.push(format!("version_override = {}", s(v)));
    }
    if c.serialize {
        args.push("serialize = true".into());
    }
    if !c.ignored_inputs.is_empty() {
        args.push(format!("ignored_inputs = {}", list(&c.ignored_inputs)));
    }
    if !c.salt.is_empty() {
        args.push(format!("salt = {}", s(&c.salt)));
    }
    if let Some(a) = c.max_age {
        args.push(format!("max_age = {}", dur(a)));
    }
    if args.len() == 1 {
        s(behavior)
    } else {
        format!("Cache({})", args.join(", "))
    }
}

/// `ReusePolicy(replicas = (1, 3), concurrency = 2, idle_ttl = 30s, scope = "run")`
pub fn reuse(r: &ReuseSpec) -> String {
    let replicas = if r.min_replicas == r.max_replicas {
        r.max_replicas.to_string()
    } else {
        format!("({}, {})", r.min_replicas, r.max_replicas)
    };
    let scope = match r.scope {
        ReuseScope::Global => "global",
        ReuseScope::Run => "run",
    };
    format!(
        "ReusePolicy(replicas = {replicas}, concurrency = {}, idle_ttl = {}, scaledown_ttl = {}, scope = {})",
        r.concurrency,
        dur(r.idle_ttl),
        dur(r.scaledown_ttl),
        s(scope)
    )
}

/// `3`, or `RetryStrategy(count = 3, backoff = Backoff(base = 1s, factor = 2.0))`.
pub fn retries(r: &RetrySpec) -> String {
    match &r.backoff {
        None => r.count.to_string(),
        Some(BackoffSpec { base, factor, cap }) => {
            let cap = cap.map_or(String::new(), |c| format!(", cap = {}", dur(c)));
            format!(
                "RetryStrategy(count = {}, backoff = Backoff(base = {}, factor = {}{cap}))",
                r.count,
                dur(*base),
                flyte_dsl::runtime::value::Value::Float(*factor).repr()
            )
        }
    }
}

/// `2m`, or `Timeout(max_runtime = 2m, max_queued_time = 10m)`.
pub fn timeout(t: &TimeoutSpec) -> String {
    match (t.max_runtime, t.max_queued_time, t.deadline) {
        (Some(r), None, None) => dur(r),
        _ => {
            let parts: Vec<String> = [
                ("max_runtime", t.max_runtime),
                ("max_queued_time", t.max_queued_time),
                ("deadline", t.deadline),
            ]
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k} = {}", dur(v))))
            .collect();
            format!("Timeout({})", parts.join(", "))
        }
    }
}

/// `:env NAME`: each resolved setting with the level it came from, then the decorator
/// settings of its tasks.
pub fn env(env: &EnvInfo, checked: &Checked) -> String {
    let st = &env.settings;
    let origin = |field: &str| -> String {
        match st.origins.iter().find(|(f, _)| *f == field).map(|(_, o)| o) {
            Some(Origin::Environment) => "environment".into(),
            Some(Origin::Parent(p)) => format!("parent environment `{p}` (clone_with)"),
            _ => "default".into(),
        }
    };
    let mut out = format!("env {} (name {})\n", env.binding, s(&st.name));
    let env_vars = format!(
        "{{{}}}",
        st.env_vars
            .iter()
            .map(|(k, v)| format!("{}: {}", s(k), s(v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let fields: Vec<(&str, String)> = vec![
        ("image", s(&st.image)),
        (
            "resources",
            st.resources
                .as_ref()
                .map_or("none (cluster default)".into(), resources),
        ),
        ("env_vars", env_vars),
        ("secrets", list(&st.secrets)),
        ("cache", st.cache.as_ref().map_or(s("disable"), cache)),
        (
            "reusable",
            st.reusable
                .as_ref()
                .map_or("none".into(), |(p, _)| reuse(p)),
        ),
        ("depends_on", format!("[{}]", st.depends_on.join(", "))),
        ("description", opt_str(&st.description)),
        ("interruptible", st.interruptible.to_string()),
        ("queue", opt_str(&st.queue)),
    ];
    for (f, v) in fields {
        out.push_str(&format!("  {f:<13} = {v:<40} [{}]\n", origin(f)));
    }
    for t in checked
        .tasks
        .values()
        .filter(|t| t.env.as_ref() == Some(&env.binding))
    {
        let d = &t.settings;
        let mut set = Vec::new();
        if let Some(r) = &d.retries {
            set.push(format!("retries = {}", retries(r)));
        }
        if let Some(tm) = &d.timeout {
            set.push(format!("timeout = {}", timeout(tm)));
        }
        if let Some(c) = &d.cache {
            set.push(format!("cache = {}", cache(c)));
        }
        if let Some(q) = &d.queue {
            set.push(format!("queue = {}", s(q)));
        }
        if let Some(i) = d.interruptible {
            set.push(format!("interruptible = {i}"));
        }
        if !set.is_empty() {
            out.push_str(&format!(
                "  task {}: {} [decorator]\n",
                t.fqn,
                set.join(", ")
            ));
        }
    }
    out
}

/// `:tasks`: each task's FQN and signature, defaults as written; `hidden` is left out.
pub fn tasks(program: &Executable, hidden: &str) -> String {
    let checked = &program.checked;
    let mut out = String::new();
    for (key, t) in checked.tasks.iter().filter(|(_, t)| t.name != hidden) {
        let defaults = flyte_dsl::frontend::defaults(program, key);
        let params: Vec<String> = t
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| match defaults.get(i).and_then(|d| d.as_deref()) {
                Some(d) => format!("{}: {} = {d}", p.name, p.ty),
                None => format!("{}: {}", p.name, p.ty),
            })
            .collect();
        out.push_str(&format!(
            "{}{} {}({}) -> {}\n",
            if t.is_async { "async " } else { "" },
            t.fqn,
            t.name,
            params.join(", "),
            t.ret
        ));
    }
    if out.is_empty() {
        out.push_str("no tasks yet\n");
    }
    out
}
