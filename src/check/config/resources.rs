//! `Resources(...)` and the accelerator helpers (`GPU`, `TPU`, `Neuron`, `AMD_GPU`,
//! `HABANA_GAUDI`): flyte-sdk's rules, exactly, plus the Kubernetes checks flyte-sdk leaves to
//! deploy time (malformed or negative quantities, request above limit, zero requests).
//!
//! Every error points at the offending argument's value. Codes: `E0301` malformed quantity,
//! `E0302` negative, `E0303` request above limit, `E0304` unknown device, `E0305` quantity not
//! available for a device, `E0306` partition not available, `E0307` TPU slice or TPU quantity,
//! `E0308` wrong value type, `E0310` argument list; warnings `W0301` zero request and `W0302`
//! deprecated device spelling.
//!
//! ```
//! use flyte_dsl::check::config::{resources, Const, ConstArg, Level, SConst};
//! use flyte_dsl::diagnostics::Span;
//! let s = Span::default();
//! let mem = ConstArg { name: Some("memory".into()), span: s,
//!     value: SConst::new(Const::Str("4GB".into()), s) };
//! let v = SConst::new(Const::Record { ctor: "Resources".into(), args: vec![mem] }, s);
//! let mut diags = Vec::new();
//! assert!(resources(&v, Level::Environment, &mut diags).is_none());
//! assert_eq!(diags[0].code, "E0301");
//! ```

use super::args::{did_you_mean, list, list_strings, read_args, to_u32, type_error, Sink};
use super::value::{Const, ConstArg, Level, SConst};
use crate::diagnostics::Diagnostic;
use crate::resources::devices::{self, Allowed};
use crate::resources::quantity::{self, QuantityError};
use crate::resources::{Accelerator, ReqLim, ResourceSpec};

/// Parameters of `Resources(...)`.
pub const FIELDS: &[&str] = &["cpu", "memory", "gpu", "disk", "shm"];
/// Parameters of `GPU(...)`; `TPU(...)` and the other devices take a subset.
pub const GPU_PARAMS: &[&str] = &["device", "quantity", "partition"];

/// Validates `Resources(...)` and normalizes it (CPU in millicores, sizes in bytes). `None`
/// after an error, or when the whole value is only known at run time.
pub fn resources(v: &SConst, level: Level, diags: &mut Vec<Diagnostic>) -> Option<ResourceSpec> {
    let mut sink = Sink::new(level, diags);
    let args = match &v.value {
        Const::Unknown => return None,
        Const::Record { ctor, args } if ctor == "Resources" => args,
        _ => {
            sink.push(type_error("E0308", "`resources`", "`Resources(...)`", v));
            return None;
        }
    };
    let a = read_args(&mut sink, "E0310", "Resources", v.span, args, FIELDS, &[]);
    let mut spec = ResourceSpec::default();
    if let Some(c) = a.get("cpu") {
        spec.cpu_milli = req_lim(&mut sink, "cpu", c, true);
    }
    if let Some(m) = a.get("memory") {
        spec.memory = req_lim(&mut sink, "memory", m, true);
    }
    if let Some(d) = a.get("disk") {
        spec.disk = req_lim(&mut sink, "disk", d, false).map(|r| r.request);
    }
    if let Some(s) = a.get("shm") {
        spec.shm = match &s.value {
            Const::Str(text) if text == "auto" => Some(None),
            _ => req_lim(&mut sink, "shm", s, false).map(|r| Some(r.request)),
        };
    }
    if let Some(g) = a.get("gpu") {
        spec.accelerator = gpu(&mut sink, g);
    }
    sink.finish(spec)
}

/// One amount of a field: millicores for `cpu`, bytes for the others.
fn amount(sink: &mut Sink, field: &str, v: &SConst) -> Option<u64> {
    let cpu = field == "cpu";
    match &v.value {
        Const::Unknown => None,
        Const::Int(n) if cpu => {
            if *n < 0 {
                sink.push(negative(field, v));
                return None;
            }
            let m = (*n as u64).checked_mul(1000);
            if m.is_none() {
                sink.push(malformed(field, v, "too large".into(), None));
            }
            m
        }
        Const::Float(f) if cpu => {
            if *f < 0.0 {
                sink.push(negative(field, v));
                return None;
            }
            let m = quantity::cpu_milli_of(*f);
            if m.is_none() {
                sink.push(malformed(
                    field,
                    v,
                    format!("{f} is not a CPU amount"),
                    None,
                ));
            }
            m
        }
        Const::Str(text) => {
            let parsed = if cpu {
                quantity::parse_cpu_milli(text)
            } else {
                quantity::parse_bytes(text)
            };
            match parsed {
                Ok(n) => Some(n),
                Err(e) => {
                    sink.push(quantity_error(field, v, text, e));
                    None
                }
            }
        }
        _ => {
            let expected = if cpu {
                "an int, a float or a quantity string (`\"500m\"`, `\"2\"`)"
            } else {
                "a quantity string (`\"512Mi\"`, `\"4Gi\"`)"
            };
            let mut d = type_error("E0308", &format!("`{field}`"), expected, v);
            if let (false, Const::Int(n)) = (cpu, &v.value) {
                let n = n.unsigned_abs();
                d = d.with_help(format!(
                    "sizes are Kubernetes quantity strings: `\"{n}Gi\"` is {n} GiB, `\"{n}Mi\"` {n} MiB"
                ));
            }
            sink.push(d);
            None
        }
    }
}

fn quantity_error(field: &str, v: &SConst, text: &str, e: QuantityError) -> Diagnostic {
    let body = text.trim();
    if let Some(rest) = body.strip_prefix('-') {
        let positive = if field == "cpu" {
            quantity::parse_cpu_milli(rest).is_ok()
        } else {
            quantity::parse_bytes(rest).is_ok()
        };
        if positive {
            return negative(field, v);
        }
    }
    malformed(field, v, e.message, e.suggestion)
}

fn malformed(field: &str, v: &SConst, why: String, suggestion: Option<String>) -> Diagnostic {
    let example = if field == "cpu" {
        "write cores as a number (`2`, `0.5`) or a string (`\"500m\"`, `\"2\"`)"
    } else {
        "write a Kubernetes quantity such as `\"512Mi\"`, `\"4Gi\"` or `\"1G\"`: binary suffixes Ki Mi Gi Ti, decimal k M G T"
    };
    Diagnostic::error("E0301", format!("invalid `{field}` quantity: {why}"))
        .with_label(v.span, "not a Kubernetes quantity")
        .with_help(match suggestion {
            Some(s) => format!("did you mean {s}?"),
            None => example.to_string(),
        })
}

fn negative(field: &str, v: &SConst) -> Diagnostic {
    Diagnostic::error("E0302", format!("`{field}` cannot be negative"))
        .with_label(v.span, "a negative amount")
        .with_help("Kubernetes rejects negative resource amounts")
}

fn fmt_amount(field: &str, n: u64) -> String {
    if field == "cpu" {
        quantity::format_cpu(n)
    } else {
        quantity::format_bytes(n)
    }
}

fn zero_request(field: &str, v: &SConst) -> Diagnostic {
    Diagnostic::warning("W0301", format!("zero `{field}` request"))
        .with_label(v.span, "requests nothing")
        .with_help(format!(
            "a request of 0 reserves no {field}: the scheduler may place the task on a node with none to spare; leave `{field}` out to use the cluster default"
        ))
}

/// A single amount (both request and limit) or, where `pair` allows, a (request, limit) tuple.
fn req_lim(sink: &mut Sink, field: &str, v: &SConst, pair: bool) -> Option<ReqLim<u64>> {
    match &v.value {
        Const::Tuple(items) if pair => {
            if items.len() != 2 {
                sink.push(
                    Diagnostic::error(
                        "E0308",
                        format!(
                            "a `{field}` tuple must have exactly two items (request, limit), not {}",
                            items.len()
                        ),
                    )
                    .with_label(v.span, format!("{} items", items.len())),
                );
                return None;
            }
            let request = amount(sink, field, &items[0]);
            let limit = amount(sink, field, &items[1]);
            let (request, limit) = (request?, limit?);
            if request > limit {
                sink.push(
                    Diagnostic::error(
                        "E0303",
                        format!(
                            "`{field}` request ({}) is above its limit ({})",
                            fmt_amount(field, request),
                            fmt_amount(field, limit)
                        ),
                    )
                    .with_label(items[0].span, "the request")
                    .with_secondary(items[1].span, "the limit")
                    .with_help("Kubernetes requires request <= limit: write (request, limit)"),
                );
                return None;
            }
            if request == 0 {
                sink.push(zero_request(field, &items[0]));
            }
            Some(ReqLim { request, limit })
        }
        Const::Tuple(_) | Const::List(_) => {
            let d = type_error("E0308", &format!("`{field}`"), "a single quantity", v);
            sink.push(if pair {
                d.with_help(format!(
                    "a (request, limit) pair is a tuple: `{field} = (a, b)`"
                ))
            } else {
                d.with_help(format!("`{field}` takes no (request, limit) pair"))
            });
            None
        }
        _ => {
            let n = amount(sink, field, v)?;
            if n == 0 {
                sink.push(zero_request(field, v));
            }
            Some(ReqLim {
                request: n,
                limit: n,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Accelerators
// ---------------------------------------------------------------------------------------------

/// A device family: its helper, what its devices are called in messages, and its names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Family {
    ctor: &'static str,
    kind: &'static str,
    names: &'static [&'static str],
}

const GPU: Family = Family {
    ctor: "GPU",
    kind: "a GPU",
    names: devices::GPU_TYPES,
};
const TPU: Family = Family {
    ctor: "TPU",
    kind: "a TPU",
    names: devices::TPU_TYPES,
};
const APPLE: Family = Family {
    ctor: "APPLE_SILICON",
    kind: "an Apple Silicon device",
    names: devices::APPLE_TYPES,
};
const FAMILIES: [Family; 6] = [
    GPU,
    TPU,
    Family {
        ctor: "Neuron",
        kind: "a Neuron device",
        names: devices::NEURON_TYPES,
    },
    Family {
        ctor: "AMD_GPU",
        kind: "an AMD GPU",
        names: devices::AMD_TYPES,
    },
    Family {
        ctor: "HABANA_GAUDI",
        kind: "a Habana Gaudi device",
        names: devices::HABANA_TYPES,
    },
    APPLE,
];

fn family_of(device: &str) -> Option<Family> {
    FAMILIES.into_iter().find(|f| f.names.contains(&device))
}

/// `gpu = ...`: an int, an accelerator string or a device helper. `None` for `gpu = 0`, after
/// an error, or for a value known only at run time.
fn gpu(sink: &mut Sink, v: &SConst) -> Option<Accelerator> {
    match &v.value {
        Const::Int(n) if *n < 0 => {
            sink.push(negative("gpu", v));
            None
        }
        Const::Int(0) => None,
        Const::Int(n) => Some(Accelerator::Gpu {
            device: None,
            quantity: to_u32(sink, "E0305", "a GPU count of", *n, v)?,
            partition: None,
            slices: None,
        }),
        Const::Str(text) => accelerator_string(sink, v, text),
        Const::Record { ctor, args } => match FAMILIES.into_iter().find(|f| f.ctor == ctor) {
            Some(GPU) => gpu_device(sink, v, args),
            Some(TPU) => tpu_device(sink, v, args),
            Some(family) => other_device(sink, v, args, family),
            None => {
                sink.push(gpu_type_error(v));
                None
            }
        },
        Const::Unknown => None,
        _ => {
            sink.push(gpu_type_error(v));
            None
        }
    }
}

fn gpu_type_error(v: &SConst) -> Diagnostic {
    type_error(
        "E0308",
        "`gpu`",
        "an int, an accelerator string (`\"A100:1\"`) or a device (`GPU(...)`, `TPU(...)`, `Neuron(...)`, `AMD_GPU(...)`, `HABANA_GAUDI(...)`)",
        v,
    )
}

/// Resolves a device name written at `v` (deprecated spellings with a warning). `want` is the
/// family the constructor takes, `None` for the accelerator string (any family).
fn device_name(sink: &mut Sink, v: &SConst, name: &str, want: Option<Family>) -> Option<String> {
    let mut name = name.to_string();
    if let Some((old, new)) = devices::DEPRECATED_GPU.iter().find(|(old, _)| *old == name) {
        sink.push(
            Diagnostic::warning(
                "W0302",
                format!("the device name \"{old}\" is deprecated: write \"{new}\""),
            )
            .with_label(v.span, format!("deprecated spelling of \"{new}\""))
            .with_help(format!("flyte-sdk renamed \"{old}\" to \"{new}\"")),
        );
        name = new.to_string();
    }
    let Some(family) = family_of(&name) else {
        let help = match (did_you_mean(&name, devices::all_devices()), want) {
            (Some(h), _) => h,
            (None, Some(f)) => format!("{} devices: {}", f.ctor, list_strings(f.names)),
            (None, None) => "see `flyte-dsl explain E0304` for the device list".to_string(),
        };
        sink.push(
            Diagnostic::error("E0304", format!("unknown device \"{name}\""))
                .with_label(v.span, "not a flyte-sdk device")
                .with_help(help),
        );
        return None;
    };
    if let Some(want) = want.filter(|w| *w != family) {
        sink.push(
            Diagnostic::error(
                "E0304",
                format!("\"{name}\" is {}, not {}", family.kind, want.kind),
            )
            .with_label(v.span, format!("not {}", want.kind))
            .with_help(format!("write `{}(device = \"{name}\")`", family.ctor)),
        );
        return None;
    }
    Some(name)
}

/// `"A100:2"`, `"A100"` (one), `"Trn1:16"`.
fn accelerator_string(sink: &mut Sink, v: &SConst, text: &str) -> Option<Accelerator> {
    let (name, count) = match text.split_once(':') {
        Some((d, q)) => (d, Some(q)),
        None => (text, None),
    };
    let device = device_name(sink, v, name, None)?;
    let family = family_of(&device)?;
    if family == TPU {
        sink.push(
            Diagnostic::error("E0307", format!("TPUs have no string form (\"{text}\")"))
                .with_label(v.span, "a TPU as a string")
                .with_help(format!(
                    "write `TPU(device = \"{device}\", partition = \"{}\")`",
                    devices::tpu_slices(&device)[0]
                )),
        );
        return None;
    }
    let allowed = devices::string_quantities(&device)?;
    let quantity = match count {
        // Only "AppleSilicon" may leave its count out (flyte-sdk's `Accelerators`).
        None if family == APPLE => 1,
        None => {
            sink.push(
                Diagnostic::error("E0305", format!("\"{text}\" has no quantity"))
                    .with_label(v.span, format!("{device} allows {}", allowed.describe()))
                    .with_help(format!(
                        "flyte-sdk's accelerator strings are \"DEVICE:N\": write \"{device}:1\""
                    )),
            );
            return None;
        }
        // The exact strings of flyte-sdk's list: no sign, no leading zero.
        Some(q) => match q
            .parse::<u32>()
            .ok()
            .filter(|n| allowed.contains(*n) && n.to_string() == q)
        {
            Some(n) => n,
            None => {
                sink.push(quantity_not_allowed(v, &device, q, allowed));
                return None;
            }
        },
    };
    Some(match family {
        GPU => Accelerator::Gpu {
            device: Some(device),
            quantity,
            partition: None,
            slices: None,
        },
        _ => Accelerator::Other { device, quantity },
    })
}

fn quantity_not_allowed(v: &SConst, device: &str, q: &str, allowed: Allowed) -> Diagnostic {
    let message = if q.is_empty() {
        format!("no quantity after \"{device}:\"")
    } else {
        format!("quantity {q} is not available for {device}")
    };
    Diagnostic::error("E0305", message)
        .with_label(v.span, format!("{device} allows {}", allowed.describe()))
        .with_help(format!(
            "flyte-sdk allows {} {device} per task in \"{device}:N\"",
            allowed.describe()
        ))
}

/// The `device` argument of a device helper, as a name of `family`.
fn device_arg(sink: &mut Sink, dev: Option<&SConst>, family: Family) -> Option<String> {
    let dev = dev?;
    match &dev.value {
        Const::Str(name) => device_name(sink, dev, name, Some(family)),
        Const::Unknown => None,
        _ => {
            let what = format!("`{}(...)` device", family.ctor);
            sink.push(type_error("E0308", &what, "a device name string", dev));
            None
        }
    }
}

/// A string argument (`partition`): `None` if absent, `none`, unknown, or not a string
/// (reported).
fn string_arg<'a>(
    sink: &mut Sink,
    what: &str,
    v: Option<&'a SConst>,
) -> Option<(&'a str, &'a SConst)> {
    let v = v?;
    match &v.value {
        Const::Str(s) => Some((s.as_str(), v)),
        Const::Unknown | Const::None => None,
        _ => {
            sink.push(type_error("E0308", what, "a string", v));
            None
        }
    }
}

/// `GPU(device, quantity = 1, partition = none)`.
fn gpu_device(sink: &mut Sink, v: &SConst, args: &[ConstArg]) -> Option<Accelerator> {
    let a = read_args(
        sink,
        "E0310",
        "GPU",
        v.span,
        args,
        GPU_PARAMS,
        &["device", "quantity"],
    );
    let device = device_arg(sink, a.given("device"), GPU);
    let shared = device.as_deref().is_some_and(devices::is_shared);
    let mut quantity = Some(1);
    if let Some(q) = a.get("quantity") {
        quantity = match q.value {
            Const::Int(n) => {
                let allowed = if shared {
                    Allowed::Range(1, 1)
                } else {
                    devices::GPU_QUANTITY
                };
                match u32::try_from(n).ok().filter(|n| allowed.contains(*n)) {
                    Some(n) => Some(n),
                    None => {
                        let name = device.as_deref().unwrap_or("a GPU");
                        let what = if shared {
                            "a shared device"
                        } else {
                            "`GPU(...)`"
                        };
                        sink.push(
                            Diagnostic::error(
                                "E0305",
                                format!("quantity {n} is not available for {name}"),
                            )
                            .with_label(q.span, format!("{what} takes {}", allowed.describe()))
                            .with_help(
                                "`GPU(...)` quantity is 1 to 8 (flyte-sdk's GPUQuantity); shared (time-sliced) devices take 1",
                            ),
                        );
                        None
                    }
                }
            }
            _ => {
                sink.push(type_error(
                    "E0308",
                    "`GPU(...)` quantity",
                    "an int from 1 to 8",
                    q,
                ));
                None
            }
        };
    }
    let mut partition = None;
    let mut slices = None;
    if let Some((part, pv)) = string_arg(sink, "`GPU(...)` partition", a.given("partition")) {
        if let Some(device) = &device {
            let parts = devices::mig_partitions(device);
            let problem = if shared {
                Some((
                    format!("\"{device}\" is a shared (time-sliced) device and takes no partition"),
                    "leave `partition` out".to_string(),
                ))
            } else if parts.is_empty() {
                Some((
                    format!("{device} has no MIG partitions"),
                    format!("MIG partitions exist on {} only", list(devices::MIG_GPUS)),
                ))
            } else if !parts.contains(&part) {
                let listed = list_strings(parts);
                Some((
                    format!("{device} has no partition \"{part}\""),
                    match did_you_mean(part, parts.iter().copied()) {
                        Some(h) => format!("{h} {device} partitions: {listed}"),
                        None => format!("{device} partitions: {listed}"),
                    },
                ))
            } else {
                None
            };
            match problem {
                Some((msg, help)) => sink.push(
                    Diagnostic::error("E0306", msg)
                        .with_label(pv.span, "partition not available")
                        .with_help(help),
                ),
                None => {
                    partition = Some(part.to_string());
                    slices = devices::mig_slices(part);
                }
            }
        }
    }
    Some(Accelerator::Gpu {
        device: Some(device?),
        quantity: quantity?,
        partition,
        slices,
    })
}

/// `TPU(device, partition = none)`: no quantity.
fn tpu_device(sink: &mut Sink, v: &SConst, args: &[ConstArg]) -> Option<Accelerator> {
    const PARAMS: &[&str] = &["device", "partition"];
    for arg in args
        .iter()
        .filter(|a| a.name.as_deref() == Some("quantity"))
    {
        sink.push(
            Diagnostic::error("E0307", "`TPU(...)` takes no quantity")
                .with_label(arg.span, "no quantity on a TPU")
                .with_help(
                    "a TPU's size is its slice shape: `TPU(device = \"V5P\", partition = \"2x2x1\")`",
                ),
        );
    }
    let rest = args
        .iter()
        .filter(|a| a.name.as_deref() != Some("quantity"));
    let a = read_args(sink, "E0310", "TPU", v.span, rest, PARAMS, &["device"]);
    let device = device_arg(sink, a.given("device"), TPU);
    let mut slice = None;
    if let (Some(device), Some((part, pv))) = (
        &device,
        string_arg(sink, "`TPU(...)` partition", a.given("partition")),
    ) {
        let slices = devices::tpu_slices(device);
        if slices.contains(&part) {
            slice = Some(part.to_string());
        } else {
            let listed = list_strings(slices);
            sink.push(
                Diagnostic::error("E0307", format!("{device} has no slice \"{part}\""))
                    .with_label(pv.span, "slice not available")
                    .with_help(match did_you_mean(part, slices.iter().copied()) {
                        Some(h) => format!("{h} {device} slices: {listed}"),
                        None => format!("{device} slices: {listed}"),
                    }),
            );
        }
    }
    Some(Accelerator::Tpu {
        device: device?,
        slice,
    })
}

/// `Neuron(device)`, `AMD_GPU(device)`, `HABANA_GAUDI(device)`: one device.
fn other_device(
    sink: &mut Sink,
    v: &SConst,
    args: &[ConstArg],
    family: Family,
) -> Option<Accelerator> {
    const PARAMS: &[&str] = &["device"];
    let a = read_args(
        sink,
        "E0310",
        family.ctor,
        v.span,
        args,
        PARAMS,
        &["device"],
    );
    let device = device_arg(sink, a.given("device"), family)?;
    Some(Accelerator::Other {
        device,
        quantity: 1,
    })
}
