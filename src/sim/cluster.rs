//! The simulated cluster's description: node pools and cluster-wide settings, read from TOML
//! (docs/runtime.md).
//!
//! Reading goes in two steps. serde (with `deny_unknown_fields`) turns the text into raw
//! records whose every value is a [`toml::Spanned`], so an unknown key or a value of the wrong
//! type comes back from `toml` with a byte span. The second step validates the raw values with
//! the checker's own rules (`parse_bytes`, `parse_cpu_milli`, the device tables) and, since
//! each value kept its span, reports `FILE:LINE: key `K`: message` for the first problem.
//!
//! ```
//! use flyte_dsl::sim::Cluster;
//! let c = Cluster::from_toml_str("[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 8\nmemory = \"32Gi\"\n", "c.toml").unwrap();
//! assert_eq!(c.pools[0].cpu_milli, 8000);
//! let e = Cluster::from_toml_str("[[pool]]\nname = \"cpu\"\ncount = 0\ncpu = 8\nmemory = \"32Gi\"\n", "c.toml").unwrap_err();
//! assert_eq!(e.to_string(), "c.toml:3: key `count`: a pool needs at least one node");
//! ```

use crate::diagnostics::suggest::closest;
use crate::resources::devices;
use crate::resources::quantity::{parse_bytes, parse_cpu_milli};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// The built-in default cluster's TOML text (`stdlib/default-cluster.toml`).
pub const DEFAULT_CLUSTER_TOML: &str = include_str!("../../stdlib/default-cluster.toml");

/// Nanoseconds per second.
pub const SECOND: i64 = 1_000_000_000;

/// A cluster: node pools plus the cluster-wide timing and preemption settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Pod start time of every non-reusable action and every replica.
    pub cold_start: std::time::Duration,
    /// First pull of an image on a node.
    pub image_pull: std::time::Duration,
    /// Preemptions per node-hour on spot nodes.
    pub preemption_rate: f64,
    /// How often the platform retries a system error (`PreemptedError`).
    pub system_retries: u32,
    pub pools: Vec<Pool>,
}

/// A duration in the simulator's unit, nanoseconds (saturating).
pub fn nanos(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The most nodes a cluster may have, all pools together: the simulator keeps each node's
/// state, so a bigger cluster would only exhaust memory.
pub const MAX_NODES: u64 = 100_000;

/// The most `system_retries`: each is another attempt of a preempted action.
pub const MAX_SYSTEM_RETRIES: u32 = 100;

/// One node pool: `count` identical nodes, or between `min_count` and `max_count` of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    pub name: String,
    /// The most nodes the pool can have: its fixed `count`, or an autoscaling pool's
    /// `max_count`.
    pub count: u32,
    /// `None` for a pool of fixed `count`.
    pub autoscale: Option<Autoscale>,
    pub cpu_milli: u64,
    pub memory: u64,
    /// `None`: the pool accepts any disk request.
    pub disk: Option<u64>,
    pub accel: Option<PoolAccel>,
    pub cost_per_hour: f64,
    pub spot: bool,
    pub labels: BTreeMap<String, String>,
    pub queue: Option<String>,
}

/// An autoscaling pool's bounds and timing (docs/cluster.md), as a cluster autoscaler or
/// Karpenter provisions nodes: it starts with `min_count` nodes and grows to `max_count`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Autoscale {
    pub min_count: u32,
    /// Time from asking for a node to its being ready (it then pulls images as a fresh node).
    pub scale_up_delay: std::time::Duration,
    /// Idle time after which a node is removed while more than `min_count` are live.
    pub scale_down_after: std::time::Duration,
}

/// The accelerators of each node of a pool.
#[derive(Clone, Debug, PartialEq)]
pub enum PoolAccel {
    /// `gpu = "A100:8"`: `count` devices per node (GPUs, or Neuron, AMD, Habana devices).
    Devices { device: String, count: u32 },
    /// `tpu = "V5P:2x2x1"`: one slice of that shape per node.
    Tpu { device: String, shape: String },
}

impl PoolAccel {
    pub fn device(&self) -> &str {
        match self {
            PoolAccel::Devices { device, .. } | PoolAccel::Tpu { device, .. } => device,
        }
    }

    /// `A100:8`, `V5P:2x2x1`.
    pub fn describe(&self) -> String {
        match self {
            PoolAccel::Devices { device, count } => format!("{device}:{count}"),
            PoolAccel::Tpu { device, shape } => format!("{device}:{shape}"),
        }
    }
}

impl Pool {
    /// Whether this pool serves queue `q`: its `queue` key or its name.
    pub fn serves_queue(&self, q: &str) -> bool {
        self.name == q || self.queue.as_deref() == Some(q)
    }
}

/// A problem in a cluster file: `FILE:LINE: key `K`: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: key `{key}`: {message}")]
pub struct ClusterError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    pub key: String,
    pub message: String,
}

const TOP_KEYS: &[&str] = &[
    "cold_start",
    "image_pull",
    "preemption_rate",
    "system_retries",
    "pool",
];
const POOL_KEYS: &[&str] = &[
    "name",
    "count",
    "cpu",
    "memory",
    "disk",
    "gpu",
    "tpu",
    "cost_per_hour",
    "spot",
    "labels",
    "queue",
    "min_count",
    "max_count",
    "scale_up_delay",
    "scale_down_after",
];

/// A TOML number or string (quantities and durations take both).
#[derive(Clone, Debug)]
enum Scalar {
    Int(i64),
    Float(f64),
    Str(String),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v as i64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    cold_start: Option<Spanned<Scalar>>,
    image_pull: Option<Spanned<Scalar>>,
    preemption_rate: Option<Spanned<Scalar>>,
    system_retries: Option<Spanned<i64>>,
    #[serde(default)]
    pool: Vec<Spanned<RawPool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPool {
    name: Option<Spanned<String>>,
    count: Option<Spanned<i64>>,
    cpu: Option<Spanned<Scalar>>,
    memory: Option<Spanned<Scalar>>,
    disk: Option<Spanned<Scalar>>,
    gpu: Option<Spanned<String>>,
    tpu: Option<Spanned<String>>,
    cost_per_hour: Option<Spanned<Scalar>>,
    spot: Option<Spanned<bool>>,
    labels: Option<Spanned<BTreeMap<String, String>>>,
    queue: Option<Spanned<String>>,
    min_count: Option<Spanned<i64>>,
    max_count: Option<Spanned<i64>>,
    scale_up_delay: Option<Spanned<Scalar>>,
    scale_down_after: Option<Spanned<Scalar>>,
}

/// Error construction with the file's text at hand (to turn byte offsets into lines).
struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    #[cold]
    fn err(&self, offset: usize, key: &str, message: impl Into<String>) -> ClusterError {
        let offset = offset.min(self.text.len());
        ClusterError {
            file: self.file.to_string(),
            line: self.text[..offset].matches('\n').count() + 1,
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// Turns a `toml` error into ours: the key from the message or the line, the line from the
    /// span.
    #[cold]
    fn toml_error(&self, e: &toml::de::Error) -> ClusterError {
        let msg = e.message();
        let offset = e.span().map_or(0, |s| s.start);
        let quoted = |prefix: &str| {
            let rest = msg.strip_prefix(prefix)?;
            Some(rest.split('`').next()?.to_string())
        };
        if let Some(key) = quoted("unknown field `") {
            let keys = if msg.contains("`cold_start`") {
                TOP_KEYS
            } else {
                POOL_KEYS
            };
            let mut m = format!("unknown key; the keys are {}", keys.join(", "));
            if let Some(s) = closest(&key, keys.iter().copied()) {
                m = format!("unknown key; did you mean `{s}`?");
            }
            return self.err(offset, &key, m);
        }
        if let Some(key) = quoted("missing field `") {
            return self.err(offset, &key, "missing");
        }
        // A type error: the span is the value's; the key is what precedes `=` on its line.
        let start = self.text[..offset.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = &self.text[start..];
        let key = match line.split_once('=') {
            Some((k, _)) if !k.contains('[') => k.trim().trim_matches('"').to_string(),
            _ => String::new(),
        };
        self.err(offset, &key, msg.trim())
    }
}

/// Parses a duration: a number of seconds, or a string like `"5s"`, `"500ms"`, `"1m30s"`,
/// `"2h"`. Returns nanoseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(secs) = s.parse::<f64>() {
        return secs_to_ns(secs);
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += num * scale;
    }
    secs_to_ns(total)
}

/// The largest `cost_per_hour` a pool may have: a million dollars a node-hour keeps every
/// cost of a run (at most 292 years of node time) finite, so the summary never reports `null`.
pub const MAX_COST_PER_HOUR: f64 = 1e6;

fn secs_to_ns(secs: f64) -> Option<i64> {
    let ns = (secs * 1e9).round();
    (0.0..9.0e18).contains(&ns).then_some(ns as i64)
}

/// `5s`, `1m30s`, `500ms`, `0s`: the shortest exact form of a duration in nanoseconds.
pub fn format_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    if ns % SECOND != 0 {
        return if ns % 1_000_000 == 0 {
            format!("{}ms", ns / 1_000_000)
        } else {
            format!("{}s", ns as f64 / 1e9)
        };
    }
    let mut s = ns / SECOND;
    let mut out = String::new();
    for (unit, n) in [("h", 3600), ("m", 60)] {
        if s >= n {
            out.push_str(&format!("{}{unit}", s / n));
            s %= n;
        }
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Str(s) => s.clone(),
    }
}

fn scalar_f64(s: &Scalar) -> Option<f64> {
    match s {
        Scalar::Int(i) => Some(*i as f64),
        Scalar::Float(f) => Some(*f),
        Scalar::Str(_) => None,
    }
}

impl Cluster {
    /// Reads a cluster file; `file_name` only names the file in errors.
    pub fn from_toml_str(text: &str, file_name: &str) -> Result<Cluster, ClusterError> {
        let cx = Ctx {
            text,
            file: file_name,
        };
        let raw: RawCluster = toml::from_str(text).map_err(|e| cx.toml_error(&e))?;
        let duration = |v: &Option<Spanned<Scalar>>, key: &str, default: i64| {
            parse_duration_key(&cx, v, key, default)
        };
        let cold_start = duration(&raw.cold_start, "cold_start", 5 * SECOND)?;
        let image_pull = duration(&raw.image_pull, "image_pull", 30 * SECOND)?;
        let preemption_rate = match &raw.preemption_rate {
            None => 0.0,
            Some(v) => match scalar_f64(v.get_ref()) {
                Some(r) if r >= 0.0 && r.is_finite() => r,
                _ => {
                    return Err(cx.err(
                        v.span().start,
                        "preemption_rate",
                        "expected a number of preemptions per node-hour, at least 0",
                    ))
                }
            },
        };
        let system_retries = match &raw.system_retries {
            None => 3,
            Some(v) => match u32::try_from(*v.get_ref()) {
                Ok(n) if n <= MAX_SYSTEM_RETRIES => n,
                _ => {
                    return Err(cx.err(
                        v.span().start,
                        "system_retries",
                        format!(
                            "expected an int from 0 to {MAX_SYSTEM_RETRIES}, found {}",
                            v.get_ref()
                        ),
                    ))
                }
            },
        };
        let mut pools: Vec<Pool> = Vec::new();
        for p in &raw.pool {
            let pool = pool_from_raw(&cx, p.span().start, p.get_ref())?;
            if pools.iter().any(|q| q.name == pool.name) {
                let at = p.get_ref().name.as_ref().map_or(0, |n| n.span().start);
                return Err(cx.err(at, "name", format!("a second pool named `{}`", pool.name)));
            }
            pools.push(pool);
        }
        if pools.is_empty() {
            return Err(cx.err(text.len(), "pool", "the cluster has no [[pool]]"));
        }
        let total: u64 = pools.iter().map(|p| u64::from(p.count)).sum();
        if total > MAX_NODES {
            let at = raw.pool.last().map_or(0, |p| {
                p.get_ref()
                    .count
                    .as_ref()
                    .map_or(p.span().start, |c| c.span().start)
            });
            return Err(cx.err(
                at,
                "count",
                format!("the pools have {total} nodes in all; a cluster has at most {MAX_NODES}"),
            ));
        }
        // Durations are checked to be at least 0 (and within the clock) when read.
        let ns = |d: i64| std::time::Duration::from_nanos(d.max(0) as u64);
        Ok(Cluster {
            cold_start: ns(cold_start),
            image_pull: ns(image_pull),
            preemption_rate,
            system_retries,
            pools,
        })
    }

    /// The built-in default cluster (docs/runtime.md).
    pub fn default_cluster() -> Cluster {
        Cluster::from_toml_str(DEFAULT_CLUSTER_TOML, "default-cluster.toml")
            .expect("the default cluster is valid")
    }

    /// The device of the first GPU pool: what a bare GPU count (`gpu = 2`) asks for.
    pub fn default_gpu(&self) -> Option<&str> {
        self.pools.iter().find_map(|p| match &p.accel {
            Some(PoolAccel::Devices { device, .. })
                if devices::GPU_TYPES.contains(&device.as_str()) =>
            {
                Some(device.as_str())
            }
            _ => None,
        })
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.pools.iter().map(|p| p.count as usize).sum()
    }
}

fn pool_from_raw(cx: &Ctx, at: usize, p: &RawPool) -> Result<Pool, ClusterError> {
    let name = match &p.name {
        Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().clone(),
        Some(n) => return Err(cx.err(n.span().start, "name", "a pool name cannot be empty")),
        None => return Err(cx.err(at, "name", "the pool has no `name`")),
    };
    let (count, autoscale) = pool_count(cx, at, &name, p)?;
    let cpu_milli = match &p.cpu {
        None => return Err(cx.err(at, "cpu", format!("pool `{name}` has no `cpu`"))),
        Some(v) => {
            let parsed = match v.get_ref() {
                Scalar::Str(s) => parse_cpu_milli(s).map_err(|e| e.message),
                other => crate::resources::quantity::cpu_milli_of(scalar_f64(other).unwrap())
                    .ok_or_else(|| format!("`{}` is not a CPU amount", scalar_text(other))),
            };
            match parsed {
                Ok(0) => return Err(cx.err(v.span().start, "cpu", "a node needs some CPU")),
                Ok(m) => m,
                Err(m) => return Err(cx.err(v.span().start, "cpu", m)),
            }
        }
    };
    let bytes = |v: &Spanned<Scalar>, key: &str| -> Result<u64, ClusterError> {
        match v.get_ref() {
            Scalar::Str(s) => parse_bytes(s).map_err(|e| {
                let mut m = e.message;
                if let Some(s) = e.suggestion {
                    m.push_str(&format!("; write {s}"));
                }
                cx.err(v.span().start, key, m)
            }),
            Scalar::Int(i) if *i >= 0 => Ok(*i as u64),
            other => Err(cx.err(
                v.span().start,
                key,
                format!("`{}` is not a size", scalar_text(other)),
            )),
        }
    };
    let memory = match &p.memory {
        None => return Err(cx.err(at, "memory", format!("pool `{name}` has no `memory`"))),
        Some(v) => match bytes(v, "memory")? {
            0 => return Err(cx.err(v.span().start, "memory", "a node needs some memory")),
            m => m,
        },
    };
    let disk = p.disk.as_ref().map(|v| bytes(v, "disk")).transpose()?;
    let accel = match (&p.gpu, &p.tpu) {
        (Some(_), Some(t)) => {
            return Err(cx.err(
                t.span().start,
                "tpu",
                "a pool has either `gpu` or `tpu`, not both",
            ))
        }
        (Some(g), None) => Some(parse_gpu(cx, g)?),
        (None, Some(t)) => Some(parse_tpu(cx, t)?),
        (None, None) => None,
    };
    let cost_per_hour = match &p.cost_per_hour {
        None => 0.0,
        Some(v) => match scalar_f64(v.get_ref()) {
            Some(c) if (0.0..=MAX_COST_PER_HOUR).contains(&c) => c,
            _ => {
                return Err(cx.err(
                    v.span().start,
                    "cost_per_hour",
                    "expected a number of dollars from 0 to 1000000 (a million dollars a \
                     node-hour)",
                ))
            }
        },
    };
    Ok(Pool {
        name,
        count,
        autoscale,
        cpu_milli,
        memory,
        disk,
        accel,
        cost_per_hour,
        spot: p.spot.as_ref().is_some_and(|s| *s.get_ref()),
        labels: p
            .labels
            .as_ref()
            .map(|l| l.get_ref().clone())
            .unwrap_or_default(),
        queue: p.queue.as_ref().map(|q| q.get_ref().clone()),
    })
}

/// A duration key: seconds, or a string like `"5s"`; `default` when absent.
fn parse_duration_key(
    cx: &Ctx,
    v: &Option<Spanned<Scalar>>,
    key: &str,
    default: i64,
) -> Result<i64, ClusterError> {
    let Some(v) = v else {
        return Ok(default);
    };
    let parsed = match v.get_ref() {
        Scalar::Str(s) => parse_duration(s),
        other => scalar_f64(other).and_then(secs_to_ns),
    };
    parsed.ok_or_else(|| {
        cx.err(
            v.span().start,
            key,
            format!(
                "`{}` is not a duration (write seconds, or a string like \"5s\" or \"1m30s\")",
                scalar_text(v.get_ref())
            ),
        )
    })
}

/// A node count key: at least `min`, at most [`MAX_NODES`].
fn node_count(
    cx: &Ctx,
    v: &Spanned<i64>,
    key: &str,
    name: &str,
    min: i64,
) -> Result<u32, ClusterError> {
    let n = *v.get_ref();
    if n < min {
        let m = if min == 0 {
            "a node count cannot be negative"
        } else {
            "a pool needs at least one node"
        };
        return Err(cx.err(v.span().start, key, m));
    }
    match u32::try_from(n) {
        Ok(n) if u64::from(n) <= MAX_NODES => Ok(n),
        _ => Err(cx.err(
            v.span().start,
            key,
            format!("pool `{name}` has {n} nodes; a cluster has at most {MAX_NODES}"),
        )),
    }
}

/// A pool's size: a fixed `count`, or `min_count` and `max_count` with the autoscaler's
/// timing. Returns the most nodes the pool can have and its autoscaling settings.
fn pool_count(
    cx: &Ctx,
    at: usize,
    name: &str,
    p: &RawPool,
) -> Result<(u32, Option<Autoscale>), ClusterError> {
    let timing = p
        .scale_up_delay
        .as_ref()
        .map(|v| ("scale_up_delay", v))
        .or(p.scale_down_after.as_ref().map(|v| ("scale_down_after", v)));
    match (&p.count, &p.min_count, &p.max_count) {
        (Some(_), Some(b), _) | (Some(_), None, Some(b)) => {
            let key = if p.min_count.is_some() {
                "min_count"
            } else {
                "max_count"
            };
            Err(cx.err(
                b.span().start,
                key,
                format!("pool `{name}` has both `count` and `{key}`: a pool is either fixed (`count`) or autoscaling (`min_count`, `max_count`)"),
            ))
        }
        (Some(c), None, None) => {
            if let Some((key, v)) = timing {
                return Err(cx.err(
                    v.span().start,
                    key,
                    format!("pool `{name}` has a fixed `count`; only an autoscaling pool (`min_count`, `max_count`) has `{key}`"),
                ));
            }
            Ok((node_count(cx, c, "count", name, 1)?, None))
        }
        (None, None, None) => Err(cx.err(
            at,
            "count",
            format!("pool `{name}` has no `count` (or `min_count` and `max_count`)"),
        )),
        (None, min, None) => Err(cx.err(
            min.as_ref().map_or(at, |m| m.span().start),
            "max_count",
            format!("autoscaling pool `{name}` has no `max_count`"),
        )),
        (None, min, Some(max)) => {
            let max_n = node_count(cx, max, "max_count", name, 1)?;
            let min_n = match min {
                None => 0,
                Some(m) => node_count(cx, m, "min_count", name, 0)?,
            };
            if min_n > max_n {
                return Err(cx.err(
                    min.as_ref().map_or(at, |m| m.span().start),
                    "min_count",
                    format!("pool `{name}` has `min_count` {min_n} above its `max_count` {max_n}"),
                ));
            }
            let ns = |d: i64| std::time::Duration::from_nanos(d.max(0) as u64);
            let up = parse_duration_key(cx, &p.scale_up_delay, "scale_up_delay", 60 * SECOND)?;
            let down =
                parse_duration_key(cx, &p.scale_down_after, "scale_down_after", 600 * SECOND)?;
            Ok((
                max_n,
                Some(Autoscale {
                    min_count: min_n,
                    scale_up_delay: ns(up),
                    scale_down_after: ns(down),
                }),
            ))
        }
    }
}

fn unknown_device(name: &str, family: &[&'static str]) -> String {
    let mut m = format!("unknown device `{name}`");
    if let Some(s) = closest(name, family.iter().copied()) {
        m.push_str(&format!("; did you mean `{s}`?"));
    }
    m
}

fn parse_gpu(cx: &Ctx, g: &Spanned<String>) -> Result<PoolAccel, ClusterError> {
    let at = g.span().start;
    let text = g.get_ref();
    let Some((device, n)) = text.rsplit_once(':') else {
        return Err(cx.err(
            at,
            "gpu",
            format!("`{text}` is not `DEVICE:COUNT` (like \"A100:8\")"),
        ));
    };
    let known: Vec<&'static str> = devices::all_devices()
        .filter(|d| !devices::TPU_TYPES.contains(d))
        .collect();
    if !known.contains(&device) {
        return Err(cx.err(at, "gpu", unknown_device(device, &known)));
    }
    match n.trim().parse::<u32>() {
        Ok(count @ 1..=64) => Ok(PoolAccel::Devices {
            device: device.to_string(),
            count,
        }),
        _ => Err(cx.err(
            at,
            "gpu",
            format!("`{n}` is not a device count per node (1 to 64)"),
        )),
    }
}

fn parse_tpu(cx: &Ctx, t: &Spanned<String>) -> Result<PoolAccel, ClusterError> {
    let at = t.span().start;
    let text = t.get_ref();
    let Some((device, shape)) = text.split_once(':') else {
        return Err(cx.err(
            at,
            "tpu",
            format!("`{text}` is not `DEVICE:SHAPE` (like \"V5P:2x2x1\")"),
        ));
    };
    if !devices::TPU_TYPES.contains(&device) {
        return Err(cx.err(at, "tpu", unknown_device(device, devices::TPU_TYPES)));
    }
    let shapes = devices::tpu_slices(device);
    if !shapes.contains(&shape) {
        return Err(cx.err(
            at,
            "tpu",
            format!(
                "{device} has no slice shape `{shape}`; its shapes are {}",
                shapes.join(", ")
            ),
        ));
    }
    Ok(PoolAccel::Tpu {
        device: device.to_string(),
        shape: shape.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Some(5 * SECOND));
        assert_eq!(parse_duration("1m30s"), Some(90 * SECOND));
        assert_eq!(parse_duration("500ms"), Some(SECOND / 2));
        assert_eq!(parse_duration("2"), Some(2 * SECOND));
        assert_eq!(parse_duration("5 s"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(format_duration(90 * SECOND), "1m30s");
        assert_eq!(format_duration(3600 * SECOND), "1h");
        assert_eq!(format_duration(SECOND / 2), "500ms");
    }

    #[test]
    fn default_cluster_loads() {
        let c = Cluster::default_cluster();
        assert_eq!(c.pools.len(), 6);
        assert_eq!(c.default_gpu(), Some("T4"));
        assert!(c.show().contains("cpu-spot"));
    }
}
