//! The configuration validators on hand-built constants: every rule, valid and invalid, with
//! codes and primary spans, the defaults of the normalized specs, and the `override` remap.
//!
//! Each leaf value is built at an offset `at` and spans `at..at + 1`; a keyword argument spans
//! from 10 bytes before its value to its end, so a test can tell the argument from the value.

use flyte_dsl::check::config::args::for_level;
use flyte_dsl::check::config::reuse::default_policy;
use flyte_dsl::check::config::settings::cache_spec;
use flyte_dsl::check::config::*;
use flyte_dsl::diagnostics::{codes, Diagnostic, FileId, Severity, Span};

const S: i64 = 1_000_000_000;
type Out<T> = (Option<T>, Vec<Diagnostic>);
type Validator<T> = fn(&SConst, Level, &mut Vec<Diagnostic>) -> Option<T>;

fn sp(at: usize) -> Span {
    Span::new(FileId(0), at, at + 1)
}
fn c(value: Const, at: usize) -> SConst {
    SConst::new(value, sp(at))
}
fn i(n: i64, at: usize) -> SConst {
    c(Const::Int(n), at)
}
fn f(x: f64, at: usize) -> SConst {
    c(Const::Float(x), at)
}
fn s(text: &str, at: usize) -> SConst {
    c(Const::Str(text.into()), at)
}
fn secs(n: i64, at: usize) -> SConst {
    c(Const::Duration(n * S), at)
}
fn tup(items: Vec<SConst>, at: usize) -> SConst {
    c(Const::Tuple(items), at)
}
fn list(items: Vec<SConst>, at: usize) -> SConst {
    c(Const::List(items), at)
}
fn pair(a: SConst, b: SConst) -> SConst {
    let at = a.span.start as usize - 1;
    tup(vec![a, b], at)
}
fn none(at: usize) -> SConst {
    c(Const::None, at)
}
fn unknown(at: usize) -> SConst {
    c(Const::Unknown, at)
}
fn kw(name: &str, value: SConst) -> ConstArg {
    let start = (value.span.start as usize).saturating_sub(10);
    let span = Span::new(FileId(0), start, value.span.end as usize);
    ConstArg {
        name: Some(name.into()),
        span,
        value,
    }
}
fn pos(value: SConst) -> ConstArg {
    ConstArg {
        name: None,
        span: value.span,
        value,
    }
}
fn rec(ctor: &str, args: Vec<ConstArg>) -> SConst {
    c(
        Const::Record {
            ctor: ctor.into(),
            args,
        },
        0,
    )
}

fn run_at<T>(v: SConst, level: Level, validate: Validator<T>) -> Out<T> {
    let mut diags = Vec::new();
    let out = validate(&v, level, &mut diags);
    (out, diags)
}
/// Runs a validator at the environment level.
fn run<T>(v: SConst, validate: Validator<T>) -> Out<T> {
    run_at(v, Level::Environment, validate)
}
/// `Resources(args...)`, `Resources(name = v)`.
fn r(args: Vec<ConstArg>) -> Out<ResourceSpec> {
    run(rec("Resources", args), resources)
}
fn r1(name: &str, v: SConst) -> Out<ResourceSpec> {
    r(vec![kw(name, v)])
}
/// `Resources(gpu = v)`: `Some(accelerator)` when valid.
fn g(v: SConst) -> Out<Option<Accelerator>> {
    let (spec, diags) = r1("gpu", v);
    (spec.map(|s| s.accelerator), diags)
}
/// `Resources(gpu = CTOR(args...))`.
fn gr(ctor: &str, args: Vec<ConstArg>) -> Out<Option<Accelerator>> {
    g(rec(ctor, args))
}
/// `ReusePolicy(args...)`, `ReusePolicy(name = v)`.
fn p(args: Vec<ConstArg>) -> Out<ReuseSetting> {
    run(rec("ReusePolicy", args), reuse_policy)
}
fn p1(name: &str, v: SConst) -> Out<ReuseSetting> {
    p(vec![kw(name, v)])
}

/// Where a diagnostic should point: a leaf's offset or an exact span.
trait At {
    fn span(self) -> Span;
}
impl At for usize {
    fn span(self) -> Span {
        sp(self)
    }
}
impl At for Span {
    fn span(self) -> Span {
        self
    }
}

/// Exactly one diagnostic, with this code, pointing at `at`.
#[track_caller]
fn one(diags: &[Diagnostic], code: &str, at: impl At) -> Diagnostic {
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, code, "{diags:#?}");
    assert_eq!(diags[0].primary_span(), Some(at.span()), "{diags:#?}");
    diags[0].clone()
}
/// The validator fails with exactly one error `code` at `at`.
#[track_caller]
fn err<T: std::fmt::Debug>(out: Out<T>, code: &str, at: impl At) -> Diagnostic {
    assert!(out.0.is_none(), "{:?}", out.0);
    let d = one(&out.1, code, at);
    assert_eq!(d.severity, Severity::Error);
    d
}
/// The validator succeeds with one warning `code` at `at`.
#[track_caller]
fn warn<T: std::fmt::Debug>(out: Out<T>, code: &str, at: impl At) -> T {
    assert_eq!(one(&out.1, code, at).severity, Severity::Warning);
    out.0.expect("a spec")
}
/// The validator succeeds without any diagnostic.
#[track_caller]
fn ok<T>(out: Out<T>) -> T {
    assert!(out.1.is_empty(), "{:#?}", out.1);
    out.0.expect("a spec")
}
fn help(d: &Diagnostic) -> &str {
    d.help.as_deref().unwrap_or("")
}
fn secondary_at(d: &Diagnostic, at: usize) -> bool {
    d.labels.iter().any(|l| !l.primary && l.span == sp(at))
}
fn both(request: u64, limit: u64) -> Option<ReqLim<u64>> {
    Some(ReqLim { request, limit })
}
fn gpu(
    device: Option<&str>,
    quantity: u32,
    part: Option<&str>,
    slices: Option<u32>,
) -> Accelerator {
    let (device, partition) = (device.map(Into::into), part.map(Into::into));
    Accelerator::Gpu {
        device,
        quantity,
        partition,
        slices,
    }
}
fn other(device: &str, quantity: u32) -> Option<Accelerator> {
    Some(Accelerator::Other {
        device: device.into(),
        quantity,
    })
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

#[test]
fn resources_defaults_and_values() {
    assert_eq!(ok(r(vec![])), ResourceSpec::default());
    let spec = ok(r(vec![
        kw("cpu", pair(i(1, 20), s("4", 22))),
        kw("memory", pair(s("1Gi", 30), s("2Gi", 32))),
        kw("disk", s("10Gi", 40)),
        kw("shm", s("auto", 50)),
    ]));
    assert_eq!(
        (spec.cpu_milli, spec.memory),
        (both(1000, 4000), both(1 << 30, 2 << 30))
    );
    assert_eq!(
        (spec.disk, spec.shm, spec.accelerator),
        (Some(10 << 30), Some(None), None)
    );
    for (v, m) in [
        (i(2, 20), 2000),
        (f(0.5, 20), 500),
        (s("500m", 20), 500),
        (s("2", 20), 2000),
    ] {
        assert_eq!(ok(r1("cpu", v)).cpu_milli, both(m, m));
    }
    let spec = ok(r(vec![
        pos(i(2, 20)),
        pos(s("4Gi", 30)),
        kw("shm", s("1Gi", 40)),
    ]));
    assert_eq!(
        (spec.cpu_milli, spec.memory),
        (both(2000, 2000), both(4 << 30, 4 << 30))
    );
    assert_eq!(spec.shm, Some(Some(1 << 30)));
    // none is "not given"; run-time values are skipped silently.
    assert_eq!(
        ok(r(vec![kw("cpu", none(20)), kw("memory", unknown(30))])),
        ResourceSpec::default()
    );
    assert_eq!(run(unknown(0), resources), (None, vec![]));
}

#[test]
fn malformed_quantities_are_e0301_with_a_suggestion() {
    let d = err(r1("memory", s("4GB", 30)), "E0301", 30);
    assert_eq!(help(&d), "did you mean \"4G\" or \"4Gi\"?");
    assert!(d.message.contains("4GB"), "{}", d.message);
    err(r1("cpu", s("two", 20)), "E0301", 20);
    err(r1("disk", s("1.2.3Gi", 40)), "E0301", 40);
    err(r1("shm", s("lots", 50)), "E0301", 50);
    let d = err(r1("memory", pair(s("1Gi", 31), s("2gb", 33))), "E0301", 33);
    assert_eq!(help(&d), "did you mean \"2G\" or \"2Gi\"?");
}

#[test]
fn negative_amounts_are_e0302() {
    err(r1("cpu", i(-1, 20)), "E0302", 20);
    err(r1("cpu", f(-0.5, 20)), "E0302", 20);
    err(r1("cpu", s("-500m", 20)), "E0302", 20);
    err(r1("memory", s("-1Gi", 30)), "E0302", 30);
    err(r1("gpu", i(-1, 60)), "E0302", 60);
}

#[test]
fn request_above_limit_is_e0303_with_the_limit_as_second_label() {
    let d = err(r1("cpu", pair(i(4, 21), i(2, 23))), "E0303", 21);
    assert!(secondary_at(&d, 23), "{d:#?}");
    assert!(
        d.message.contains("(4)") && d.message.contains("(2)"),
        "{}",
        d.message
    );
    let d = err(r1("memory", pair(s("2Gi", 31), s("1Gi", 33))), "E0303", 31);
    assert!(d.message.contains("2Gi") && secondary_at(&d, 33));
    // Equal is fine.
    assert_eq!(
        ok(r1("cpu", pair(s("500m", 21), f(0.5, 23)))).cpu_milli,
        both(500, 500)
    );
}

#[test]
fn zero_requests_warn_w0301_and_are_accepted() {
    assert_eq!(warn(r1("cpu", i(0, 20)), "W0301", 20).cpu_milli, both(0, 0));
    let spec = warn(r1("memory", pair(s("0", 31), s("1Gi", 33))), "W0301", 31);
    assert_eq!(spec.memory, both(0, 1 << 30));
    // gpu = 0 means no accelerator: no warning.
    assert_eq!(ok(r1("gpu", i(0, 60))).accelerator, None);
}

#[test]
fn wrong_types_are_e0308() {
    assert!(help(&err(r1("memory", i(4, 30)), "E0308", 30)).contains("\"4Gi\""));
    let three = tup(vec![i(1, 21), i(2, 23), i(3, 25)], 20);
    assert!(err(r1("cpu", three), "E0308", 20)
        .message
        .contains("exactly two"));
    assert!(help(&err(
        r1("cpu", list(vec![i(1, 21), i(2, 23)], 20)),
        "E0308",
        20
    ))
    .contains("tuple"));
    err(r1("disk", pair(s("1Gi", 41), s("2Gi", 43))), "E0308", 40);
    err(r1("shm", i(5, 50)), "E0308", 50);
    err(r1("cpu", c(Const::Bool(true), 20)), "E0308", 20);
    err(r1("gpu", f(1.5, 60)), "E0308", 60);
    err(r1("gpu", rec("ReusePolicy", vec![])), "E0308", 0);
    err(run(s("4Gi", 7), resources), "E0308", 7);
    err(run(rec("GPU", vec![]), resources), "E0308", 0);
}

#[test]
fn argument_list_errors_are_e0310() {
    let arg = kw("cpus", i(2, 20));
    let d = err(r(vec![arg.clone()]), "E0310", arg.span);
    assert!(d.message.contains("`cpus`"), "{}", d.message);
    assert!(
        help(&d).starts_with("did you mean `cpu`?") && help(&d).contains("`shm`"),
        "{d:#?}"
    );
    err(
        r((0..6).map(|k| pos(unknown(20 + 2 * k))).collect()),
        "E0310",
        30,
    );
    let again = kw("cpu", i(2, 30));
    let d = err(r(vec![pos(i(1, 20)), again.clone()]), "E0310", again.span);
    assert!(secondary_at(&d, 20));
    // Every independent error is reported.
    let (spec, diags) = r(vec![kw("cpu", i(-1, 20)), kw("memory", s("4GB", 30))]);
    assert!(spec.is_none());
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["E0302", "E0301"]
    );
}

#[test]
fn accelerator_strings() {
    assert_eq!(ok(g(i(2, 60))), Some(gpu(None, 2, None, None)));
    assert_eq!(
        ok(g(s("A100:2", 60))),
        Some(gpu(Some("A100"), 2, None, None))
    );
    assert_eq!(
        ok(g(s("H100:1", 60))),
        Some(gpu(Some("H100"), 1, None, None))
    );
    assert_eq!(
        ok(g(s("T4 shared:1", 60))),
        Some(gpu(Some("T4 shared"), 1, None, None))
    );
    assert_eq!(
        ok(g(s("RTX_PRO_6000:2", 60))),
        Some(gpu(Some("RTX_PRO_6000"), 2, None, None))
    );
    assert_eq!(ok(g(s("Trn1:16", 60))), other("Trn1", 16));
    assert_eq!(ok(g(s("Inf1:16", 60))), other("Inf1", 16));
    assert_eq!(ok(g(s("MI300X:1", 60))), other("MI300X", 1));
    assert_eq!(ok(g(s("Gaudi1:1", 60))), other("Gaudi1", 1));
    // "AppleSilicon" is the one accelerator string whose count may be left out.
    assert_eq!(ok(g(s("AppleSilicon", 60))), other("AppleSilicon", 1));
    assert_eq!(ok(g(s("AppleSilicon:1", 60))), other("AppleSilicon", 1));
    for (text, allowed) in [
        ("Trn1:2", "1, 4, 8 or 16"),
        ("A2:2", "allows 1"),
        ("A100:9", "1 to 8"),
        ("A100:0", "1 to 8"),
        ("Inf2:13", "1 to 12"),
        ("A100:x", "1 to 8"),
        ("T4 shared:2", "allows 1"),
        ("RTX_PRO_6000:3", "1 to 2"),
        ("MI300X:2", "allows 1"),
        ("A100:", "no quantity"),
        // flyte-sdk's list holds exact strings: no count, a leading zero or a sign is not one.
        ("T4", "has no quantity"),
        ("H100", "write \"H100:1\""),
        ("T4 shared", "has no quantity"),
        ("Gaudi1", "has no quantity"),
        ("A100:01", "1 to 8"),
        ("A100:+1", "1 to 8"),
        ("AppleSilicon:2", "allows 1"),
    ] {
        let d = err(g(s(text, 60)), "E0305", 60);
        let all = format!("{} {} {:?}", d.message, help(&d), d.labels);
        assert!(all.contains(allowed), "{text}: {all}");
    }
    assert_eq!(
        help(&err(g(s("A100X:1", 60)), "E0304", 60)),
        "did you mean \"A100\"?"
    );
    // `A10` is as many plain edits away as `A100`, but an `O` for a `0` is the likelier typo.
    let d = err(g(s("A10O:1", 60)), "E0304", 60);
    assert_eq!(help(&d), "did you mean \"A100\"?", "{d:#?}");
    assert_eq!(
        help(&err(g(s("t4", 60)), "E0304", 60)),
        "did you mean \"T4\"?"
    );
    err(g(s("Banana:1", 60)), "E0304", 60);
    assert!(help(&err(g(s("V5P", 60)), "E0307", 60)).contains("TPU(device = \"V5P\""));
}

#[test]
fn deprecated_spellings_warn_w0302_naming_the_new_one() {
    let acc = warn(g(s("A100 80G:1", 60)), "W0302", 60);
    assert_eq!(acc, Some(gpu(Some("A100_80G"), 1, None, None)));
    let (_, diags) = g(s("RTX PRO 6000:2", 60));
    assert!(one(&diags, "W0302", 60)
        .message
        .contains("write \"RTX_PRO_6000\""));
    let args = vec![
        kw("device", s("A100 80G", 70)),
        kw("quantity", i(1, 80)),
        kw("partition", s("1g.10gb", 90)),
    ];
    let acc = warn(gr("GPU", args), "W0302", 70);
    assert_eq!(
        acc,
        Some(gpu(Some("A100_80G"), 1, Some("1g.10gb"), Some(1)))
    );
}

#[test]
fn gpu_helper() {
    let dev = |name: &str| kw("device", s(name, 70));
    let full = vec![
        dev("A100"),
        kw("quantity", i(1, 80)),
        kw("partition", s("3g.20gb", 90)),
    ];
    assert_eq!(
        ok(gr("GPU", full)),
        Some(gpu(Some("A100"), 1, Some("3g.20gb"), Some(3)))
    );
    let positional = vec![pos(s("H100", 70)), pos(i(2, 80))];
    assert_eq!(
        ok(gr("GPU", positional)),
        Some(gpu(Some("H100"), 2, None, None))
    );
    // `quantity` is required (flyte-sdk's `GPU()` has no default for it).
    let (acc, diags) = gr("GPU", vec![dev("T4")]);
    assert_eq!(acc, None);
    assert_eq!(
        one(&diags, "E0310", 0).message,
        "`GPU(...)` needs `quantity`"
    );
    let h200 = vec![pos(s("H200", 70)), pos(i(8, 80)), pos(s("7g.141gb", 90))];
    assert_eq!(
        ok(gr("GPU", h200)),
        Some(gpu(Some("H200"), 8, Some("7g.141gb"), Some(7)))
    );
    for q in [0, 9, -1] {
        let d = err(
            gr("GPU", vec![dev("A100"), kw("quantity", i(q, 80))]),
            "E0305",
            80,
        );
        assert!(format!("{:?}", d.labels).contains("1 to 8"), "{d:#?}");
    }
    err(
        gr("GPU", vec![dev("T4 shared"), kw("quantity", i(2, 80))]),
        "E0305",
        80,
    );
    err(
        gr("GPU", vec![dev("A100"), kw("quantity", s("2", 80))]),
        "E0308",
        80,
    );
    err(
        gr(
            "GPU",
            vec![kw("device", i(100, 70)), kw("quantity", i(1, 80))],
        ),
        "E0308",
        70,
    );
    err(
        gr(
            "GPU",
            vec![
                dev("A100"),
                kw("quantity", i(1, 80)),
                kw("partition", i(1, 90)),
            ],
        ),
        "E0308",
        90,
    );
    // Partitions.
    let part = |name: &str| kw("partition", s(name, 90));
    let d = err(
        gr(
            "GPU",
            vec![dev("T4"), kw("quantity", i(1, 80)), part("1g.5gb")],
        ),
        "E0306",
        90,
    );
    assert!(
        help(&d).contains("A100, A100_80G, H100, H200 and RTX_PRO_6000"),
        "{d:#?}"
    );
    let d = err(
        gr(
            "GPU",
            vec![dev("L4 shared"), kw("quantity", i(1, 80)), part("1g.5gb")],
        ),
        "E0306",
        90,
    );
    assert!(d.message.contains("shared"), "{}", d.message);
    let d = err(
        gr(
            "GPU",
            vec![dev("A100"), kw("quantity", i(1, 80)), part("1g.10gb")],
        ),
        "E0306",
        90,
    );
    assert!(help(&d).contains("\"1g.5gb\", \"2g.10gb\""), "{d:#?}");
    // Devices.
    assert!(help(&err(
        gr("GPU", vec![dev("V5P"), kw("quantity", i(1, 80))]),
        "E0304",
        70
    ))
    .contains("TPU(device = \"V5P\")"));
    assert_eq!(
        help(&err(
            gr("GPU", vec![dev("a100"), kw("quantity", i(1, 80))]),
            "E0304",
            70
        )),
        "did you mean \"A100\"?"
    );
    // Argument list.
    err(gr("GPU", vec![kw("quantity", i(1, 80))]), "E0310", 0);
    let size = kw("size", i(1, 80));
    err(
        gr(
            "GPU",
            vec![dev("A100"), kw("quantity", i(1, 80)), size.clone()],
        ),
        "E0310",
        size.span,
    );
    // A run-time device: nothing known, nothing reported.
    assert_eq!(
        gr(
            "GPU",
            vec![kw("device", unknown(70)), kw("quantity", i(1, 80))]
        ),
        (Some(None), vec![])
    );
}

#[test]
fn tpu_and_other_devices() {
    let tpu = |d: &str, sl: Option<&str>| {
        Some(Accelerator::Tpu {
            device: d.into(),
            slice: sl.map(Into::into),
        })
    };
    let dev = |name: &str| kw("device", s(name, 70));
    let v5p = vec![dev("V5P"), kw("partition", s("2x2x1", 90))];
    assert_eq!(ok(gr("TPU", v5p)), tpu("V5P", Some("2x2x1")));
    assert_eq!(
        ok(gr("TPU", vec![pos(s("V6E", 70)), pos(s("16x16", 90))])),
        tpu("V6E", Some("16x16"))
    );
    assert_eq!(ok(gr("TPU", vec![pos(s("V5E", 70))])), tpu("V5E", None));
    let d = err(
        gr("TPU", vec![dev("V5E"), kw("partition", s("2x2x1", 90))]),
        "E0307",
        90,
    );
    assert!(help(&d).contains("\"1x1\""), "{d:#?}");
    let q = kw("quantity", i(2, 80));
    err(gr("TPU", vec![dev("V5P"), q.clone()]), "E0307", q.span);
    err(gr("TPU", vec![dev("A100")]), "E0304", 70);
    err(gr("TPU", vec![]), "E0310", 0);

    assert_eq!(ok(gr("Neuron", vec![pos(s("Inf2", 70))])), other("Inf2", 1));
    assert_eq!(ok(gr("AMD_GPU", vec![dev("MI300X")])), other("MI300X", 1));
    assert_eq!(
        ok(gr("HABANA_GAUDI", vec![dev("Gaudi1")])),
        other("Gaudi1", 1)
    );
    let d = err(gr("Neuron", vec![dev("Gaudi1")]), "E0304", 70);
    assert!(
        help(&d).contains("HABANA_GAUDI(device = \"Gaudi1\")"),
        "{d:#?}"
    );
    err(gr("AMD_GPU", vec![dev("MI999")]), "E0304", 70);
    let extra = kw("quantity", i(2, 80));
    err(
        gr("Neuron", vec![dev("Trn1"), extra.clone()]),
        "E0310",
        extra.span,
    );
}

// ---------------------------------------------------------------------------------------------
// Override remap
// ---------------------------------------------------------------------------------------------

#[test]
fn inside_override_every_error_is_e05xx() {
    let v = rec("Resources", vec![kw("memory", s("4GB", 30))]);
    let d = err(run_at(v, Level::Override, resources), "E0510", 30);
    assert!(
        help(&d).starts_with("did you mean \"4G\" or \"4Gi\"?"),
        "{d:#?}"
    );
    assert!(
        help(&d).ends_with("(outside an override this is E0301)"),
        "{d:#?}"
    );
    let v = rec("ReusePolicy", vec![kw("concurrency", i(0, 20))]);
    let d = err(run_at(v, Level::Override, reuse_policy), "E0510", 20);
    assert!(help(&d).contains("outside an override this is E0402"));
    // Warnings and E05xx errors keep their codes.
    let v = rec("Resources", vec![kw("cpu", i(0, 20))]);
    warn(run_at(v, Level::Override, resources), "W0301", 20);
    err(run_at(s("bad", 5), Level::Override, cache), "E0504", 5);
    err(run_at(i(-1, 5), Level::Override, retries), "E0505", 5);
    err(run_at(i(-5, 5), Level::Override, timeout), "E0506", 5);
    // for_level itself.
    let plain = for_level(Level::Override, Diagnostic::error("E0406", "x"));
    assert_eq!(
        (plain.code, help(&plain)),
        ("E0510", "outside an override this is E0406")
    );
    for level in [Level::Environment, Level::Decorator] {
        assert_eq!(
            for_level(level, Diagnostic::error("E0301", "x")).code,
            "E0301"
        );
    }
    assert_eq!(
        for_level(Level::Override, Diagnostic::warning("W0302", "x")).code,
        "W0302"
    );
}

// ---------------------------------------------------------------------------------------------
// Reuse
// ---------------------------------------------------------------------------------------------

fn policy(out: Out<ReuseSetting>) -> ReuseSpec {
    match ok(out) {
        ReuseSetting::Policy(p) => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn reuse_policy_defaults_and_values() {
    let d = policy(p(vec![]));
    assert_eq!(d, default_policy());
    assert_eq!((d.min_replicas, d.max_replicas, d.concurrency), (2, 2, 1));
    assert_eq!(
        (d.idle_ttl, d.scaledown_ttl, d.scope),
        (30 * S, 30 * S, ReuseScope::Global)
    );
    let x = policy(p(vec![
        kw("replicas", pair(i(1, 21), i(5, 23))),
        kw("concurrency", i(2, 30)),
        kw("idle_ttl", i(300, 40)),
        kw("scaledown_ttl", secs(45, 50)),
        kw("scope", s("run", 60)),
    ]));
    assert_eq!((x.min_replicas, x.max_replicas, x.concurrency), (1, 5, 2));
    assert_eq!(
        (x.idle_ttl, x.scaledown_ttl, x.scope),
        (300 * S, 45 * S, ReuseScope::Run)
    );
    let x = policy(p(vec![pos(i(3, 20)), pos(i(60, 30))]));
    assert_eq!((x.min_replicas, x.max_replicas, x.idle_ttl), (3, 3, 60 * S));
    let x = policy(p1("replicas", pair(i(0, 21), i(2, 23))));
    assert_eq!((x.min_replicas, x.max_replicas), (0, 2));
    assert_eq!(
        policy(p1("scope", s("global", 60))).scope,
        ReuseScope::Global
    );
    assert_eq!(ok(run(none(5), reuse_policy)), ReuseSetting::Cleared);
    assert_eq!(run(unknown(5), reuse_policy), (None, vec![]));
}

#[test]
fn replicas_are_e0401() {
    let d = err(p1("replicas", pair(i(3, 21), i(1, 23))), "E0401", 21);
    assert_eq!(
        d.message,
        "replicas min (3) must be less than or equal to max (1)"
    );
    assert!(secondary_at(&d, 23));
    let d = err(
        p1("replicas", list(vec![i(1, 21), i(2, 23)], 20)),
        "E0401",
        20,
    );
    assert_eq!(d.message, "replicas must be an int or a tuple of two ints");
    err(p1("replicas", i(-1, 20)), "E0401", 20);
    err(p1("replicas", i(0, 20)), "E0401", 20);
    err(p1("replicas", pair(i(0, 21), i(0, 23))), "E0401", 23);
    err(p1("replicas", pair(i(-1, 21), i(2, 23))), "E0401", 21);
    err(
        p1("replicas", tup(vec![i(1, 21), i(2, 23), i(3, 25)], 20)),
        "E0401",
        20,
    );
    err(p1("replicas", s("2", 20)), "E0401", 20);
    err(p1("replicas", none(20)), "E0401", 20);
    err(p1("replicas", pair(i(1, 21), f(2.0, 23))), "E0401", 23);
}

#[test]
fn concurrency_ttls_scope_and_fields() {
    err(p1("concurrency", i(0, 30)), "E0402", 30);
    err(p1("concurrency", f(1.5, 30)), "E0402", 30);
    err(p1("concurrency", none(30)), "E0402", 30);
    err(p1("idle_ttl", none(40)), "E0403", 40);
    err(p1("scope", none(60)), "E0404", 60);
    assert_eq!(policy(p1("concurrency", unknown(30))), default_policy());
    let d = err(p1("idle_ttl", i(10, 40)), "E0403", 40);
    assert_eq!(d.message, "idle_ttl must be at least 30 seconds");
    err(p1("idle_ttl", f(30.5, 40)), "E0403", 40);
    err(p1("idle_ttl", s("30s", 40)), "E0403", 40);
    let d = err(p1("scaledown_ttl", secs(29, 50)), "E0403", 50);
    assert_eq!(d.message, "scaledown_ttl must be at least 30 seconds");
    let d = err(p1("scope", s("project", 60)), "E0404", 60);
    assert_eq!(d.message, "scope must be \"global\" or \"run\"");
    assert_eq!(
        help(&err(p1("scope", s("Run", 60)), "E0404", 60)),
        "did you mean \"run\"?"
    );
    let arg = kw("replica", i(2, 20));
    let d = err(p(vec![arg.clone()]), "E0407", arg.span);
    assert!(help(&d).starts_with("did you mean `replicas`?"), "{d:#?}");
    err(
        p((0..6).map(|k| pos(unknown(20 + 2 * k))).collect()),
        "E0407",
        30,
    );
}

#[test]
fn off_is_only_for_override_e0406() {
    assert!(help(&err(run(s("off", 5), reuse_policy), "E0406", 5)).contains("reusable = none"));
    err(
        run_at(s("off", 5), Level::Decorator, reuse_policy),
        "E0406",
        5,
    );
    assert_eq!(
        ok(run_at(s("off", 5), Level::Override, reuse_policy)),
        ReuseSetting::Off
    );
    let d = err(
        run_at(s("of", 5), Level::Override, reuse_policy),
        "E0510",
        5,
    );
    assert!(
        help(&d).contains("did you mean \"off\"?") && help(&d).contains("E0406"),
        "{d:#?}"
    );
    err(run(i(3, 5), reuse_policy), "E0406", 5);
    err(run(rec("Resources", vec![]), reuse_policy), "E0406", 0);
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

fn ca(args: Vec<ConstArg>) -> Out<CacheSpec> {
    run(rec("Cache", args), cache)
}

#[test]
fn cache_strings_and_aliases() {
    assert_eq!(
        ok(run(s("auto", 5), cache)),
        cache_spec(CacheBehavior::Auto)
    );
    assert_eq!(
        ok(run(s("disable", 5), cache)),
        cache_spec(CacheBehavior::Disable)
    );
    let spec = warn(run(s("override", 5), cache), "W0503", 5);
    assert_eq!(spec, cache_spec(CacheBehavior::Override));
    for alias in [
        "enable", "enabled", "on", "true", "yes", "ON", "Yes", "Enabled",
    ] {
        assert_eq!(
            ok(run(s(alias, 5), cache)).behavior,
            CacheBehavior::Auto,
            "{alias}"
        );
    }
    for alias in ["off", "false", "no", "none", "OFF", "None"] {
        assert_eq!(
            ok(run(s(alias, 5), cache)).behavior,
            CacheBehavior::Disable,
            "{alias}"
        );
    }
    assert!(help(&err(run(s("AUTO", 5), cache), "E0504", 5)).contains("\"auto\""));
    err(run(s("Disable", 5), cache), "E0504", 5);
    let d = err(run(s("always", 5), cache), "E0504", 5);
    assert!(
        help(&d).contains("\"override\"") && help(&d).contains("\"enabled\""),
        "{d:#?}"
    );
    assert!(help(&err(run(s("auot", 5), cache), "E0504", 5)).starts_with("did you mean \"auto\"?"));
    err(run(i(3, 5), cache), "E0504", 5);
}

#[test]
fn falsy_cache_keeps_the_less_specific_value() {
    for level in [Level::Decorator, Level::Override] {
        assert_eq!(run_at(s("", 5), level, cache), (None, vec![]));
        assert_eq!(run_at(none(5), level, cache), (None, vec![]));
    }
    err(run(s("", 5), cache), "E0504", 5);
    err(run(none(5), cache), "E0504", 5);
    assert_eq!(run(unknown(5), cache), (None, vec![]));
}

#[test]
fn cache_record() {
    let spec = ok(ca(vec![
        kw("behavior", s("override", 20)),
        kw("version_override", s("v2", 30)),
        kw("serialize", c(Const::Bool(true), 40)),
        kw("ignored_inputs", pair(s("a", 51), s("b", 53))),
        kw("salt", s("pepper", 60)),
        kw("max_age", i(3600, 70)),
    ]));
    assert_eq!(
        (spec.behavior, spec.version_override.as_deref()),
        (CacheBehavior::Override, Some("v2"))
    );
    assert!(spec.serialize);
    assert_eq!(spec.ignored_inputs, ["a", "b"]);
    assert_eq!(
        (spec.salt.as_str(), spec.max_age),
        ("pepper", Some(3600 * S))
    );
    assert_eq!(
        ok(ca(vec![pos(s("auto", 20))])),
        cache_spec(CacheBehavior::Auto)
    );
    let spec = ok(ca(vec![
        kw("behavior", s("on", 20)),
        kw("ignored_inputs", list(vec![s("x", 51)], 50)),
    ]));
    assert_eq!(
        (spec.behavior, spec.ignored_inputs),
        (CacheBehavior::Auto, vec!["x".to_string()])
    );
    assert_eq!(
        ok(ca(vec![
            pos(s("auto", 20)),
            kw("ignored_inputs", s("y", 50))
        ]))
        .ignored_inputs,
        ["y"]
    );
    assert_eq!(
        ok(ca(vec![pos(s("auto", 20)), kw("max_age", secs(0, 70))])).max_age,
        Some(0)
    );
    let spec = warn(ca(vec![kw("behavior", s("override", 20))]), "W0503", 20);
    assert_eq!(spec.behavior, CacheBehavior::Override);
}

#[test]
fn cache_record_errors_are_e0504() {
    let bad = |arg: ConstArg| ca(vec![kw("behavior", s("auto", 20)), arg]);
    err(bad(kw("serialize", s("yes", 40))), "E0504", 40);
    err(
        bad(kw("ignored_inputs", tup(vec![i(1, 51)], 50))),
        "E0504",
        51,
    );
    err(bad(kw("ignored_inputs", i(1, 50))), "E0504", 50);
    err(bad(kw("max_age", i(-1, 70))), "E0504", 70);
    err(bad(kw("max_age", f(1.5, 70))), "E0504", 70);
    err(bad(kw("salt", i(3, 60))), "E0504", 60);
    err(bad(kw("version_override", i(2, 30))), "E0504", 30);
    let arg = kw("sallt", s("x", 60));
    assert!(help(&err(bad(arg.clone()), "E0504", arg.span)).starts_with("did you mean `salt`?"));
    err(ca(vec![kw("salt", s("x", 60))]), "E0504", 0);
    err(ca(vec![kw("behavior", s("AUTO", 20))]), "E0504", 20);
    err(ca(vec![kw("behavior", i(1, 20))]), "E0504", 20);
    err(ca(vec![kw("behavior", none(20))]), "E0504", 20);
}

// ---------------------------------------------------------------------------------------------
// Retries and timeouts
// ---------------------------------------------------------------------------------------------

fn backoff(base: i64, factor: f64, cap: Option<i64>) -> Option<BackoffSpec> {
    Some(BackoffSpec {
        base: base * S,
        factor,
        cap: cap.map(|c| c * S),
    })
}
fn strategy(args: Vec<ConstArg>) -> Out<RetrySpec> {
    run(rec("RetryStrategy", args), retries)
}
/// `RetryStrategy(1, backoff = Backoff(args...))`.
fn with_backoff(args: Vec<ConstArg>) -> Out<RetrySpec> {
    strategy(vec![pos(i(1, 20)), kw("backoff", rec("Backoff", args))])
}

#[test]
fn retries_values() {
    let plain = |count| RetrySpec {
        count,
        backoff: None,
    };
    assert_eq!(ok(run(i(3, 5), retries)), plain(3));
    assert_eq!(ok(run(i(0, 5), retries)), plain(0));
    assert_eq!(ok(run(none(5), retries)), plain(0));
    assert_eq!(ok(strategy(vec![pos(i(3, 20))])), plain(3));
    let b = rec(
        "Backoff",
        vec![
            kw("base", secs(10, 30)),
            kw("factor", f(2.0, 40)),
            kw("cap", secs(300, 50)),
        ],
    );
    let spec = ok(strategy(vec![kw("count", i(5, 20)), kw("backoff", b)]));
    assert_eq!(
        spec,
        RetrySpec {
            count: 5,
            backoff: backoff(10, 2.0, Some(300))
        }
    );
    assert_eq!(
        ok(with_backoff(vec![pos(secs(10, 30))])).backoff,
        backoff(10, 1.0, None)
    );
    let spec = ok(with_backoff(vec![
        pos(secs(1, 30)),
        pos(i(2, 40)),
        pos(secs(60, 50)),
    ]));
    assert_eq!(spec.backoff, backoff(1, 2.0, Some(60)));
    assert_eq!(
        ok(strategy(vec![pos(i(1, 20)), kw("backoff", none(30))])).backoff,
        None
    );
}

#[test]
fn retries_errors_are_e0505() {
    err(run(i(-1, 5), retries), "E0505", 5);
    err(run(f(1.5, 5), retries), "E0505", 5);
    err(run(s("3", 5), retries), "E0505", 5);
    err(strategy(vec![kw("count", i(-1, 20))]), "E0505", 20);
    err(strategy(vec![kw("count", none(20))]), "E0505", 20);
    err(strategy(vec![]), "E0505", 0);
    let arg = kw("counts", i(1, 20));
    let d = err(
        strategy(vec![pos(i(1, 30)), arg.clone()]),
        "E0505",
        arg.span,
    );
    assert!(help(&d).starts_with("did you mean `count`?"));
    err(
        strategy(vec![pos(i(1, 20)), kw("backoff", i(3, 30))]),
        "E0505",
        30,
    );
    err(with_backoff(vec![kw("base", secs(-1, 30))]), "E0505", 30);
    err(with_backoff(vec![kw("base", f(0.5, 30))]), "E0505", 30);
    err(with_backoff(vec![kw("base", none(30))]), "E0505", 30);
    // `Backoff`'s fields are timedeltas in flyte-sdk: a plain int is an error.
    let d = err(with_backoff(vec![kw("base", i(10, 30))]), "E0505", 30);
    assert_eq!(help(&d), "write `base = 10s`");
    err(
        with_backoff(vec![
            kw("base", secs(1, 30)),
            kw("factor", f(2.0, 40)),
            kw("cap", i(60, 50)),
        ]),
        "E0505",
        50,
    );
    err(
        with_backoff(vec![kw("base", secs(1, 30)), kw("factor", none(40))]),
        "E0505",
        40,
    );
    err(
        with_backoff(vec![kw("base", secs(1, 30)), kw("factor", f(0.5, 40))]),
        "E0505",
        40,
    );
    for x in [f64::INFINITY, f64::NAN] {
        let args = vec![
            kw("base", secs(1, 30)),
            kw("factor", f(x, 40)),
            kw("cap", secs(5, 50)),
        ];
        err(with_backoff(args), "E0505", 40);
    }
    let d = err(
        with_backoff(vec![kw("base", secs(1, 30)), kw("factor", f(2.0, 40))]),
        "E0505",
        40,
    );
    assert!(
        d.message.contains("cap") && help(&d).contains("factor = 2.0, cap = 5m"),
        "{d:#?}"
    );
    let args = vec![
        kw("base", secs(1, 30)),
        kw("factor", f(2.0, 40)),
        kw("cap", i(-5, 50)),
    ];
    err(with_backoff(args), "E0505", 50);
    err(with_backoff(vec![kw("factor", f(1.0, 40))]), "E0505", 0);
}

#[test]
fn timeouts() {
    let runtime = |ns| TimeoutSpec {
        max_runtime: ns,
        ..TimeoutSpec::default()
    };
    let to = |args| run(rec("Timeout", args), timeout);
    assert_eq!(ok(run(i(600, 5), timeout)), runtime(Some(600 * S)));
    assert_eq!(ok(run(secs(600, 5), timeout)), runtime(Some(600 * S)));
    assert_eq!(ok(run(i(0, 5), timeout)), TimeoutSpec::default());
    assert_eq!(ok(run(none(5), timeout)), TimeoutSpec::default());
    assert_eq!(ok(to(vec![])), TimeoutSpec::default());
    let spec = ok(to(vec![
        kw("max_runtime", secs(600, 20)),
        kw("max_queued_time", i(60, 30)),
        kw("deadline", secs(3600, 40)),
    ]));
    let (max_runtime, max_queued_time, deadline) = (Some(600 * S), Some(60 * S), Some(3600 * S));
    assert_eq!(
        spec,
        TimeoutSpec {
            max_runtime,
            max_queued_time,
            deadline
        }
    );
    let spec = ok(to(vec![pos(i(0, 20)), pos(none(30)), pos(i(5, 40))]));
    assert_eq!(
        spec,
        TimeoutSpec {
            deadline: Some(5 * S),
            ..TimeoutSpec::default()
        }
    );
    assert_eq!(run(unknown(5), timeout), (None, vec![]));
}

#[test]
fn timeout_errors_are_e0506() {
    let to = |args| run(rec("Timeout", args), timeout);
    err(run(i(-5, 5), timeout), "E0506", 5);
    err(run(secs(-1, 5), timeout), "E0506", 5);
    err(run(f(1.5, 5), timeout), "E0506", 5);
    err(run(s("10m", 5), timeout), "E0506", 5);
    err(to(vec![kw("deadline", i(-1, 40))]), "E0506", 40);
    err(to(vec![kw("max_queued_time", f(0.5, 30))]), "E0506", 30);
    let arg = kw("max_run", i(1, 20));
    err(to(vec![arg.clone()]), "E0506", arg.span);
    err(run(rec("Resources", vec![]), timeout), "E0506", 0);
}

// ---------------------------------------------------------------------------------------------
// Explain pages
// ---------------------------------------------------------------------------------------------

#[test]
fn every_config_code_has_a_page() {
    let emitted = [
        "E0301", "E0302", "E0303", "E0304", "E0305", "E0306", "E0307", "E0308", "E0310", "W0301",
        "W0302", "E0401", "E0402", "E0403", "E0404", "E0406", "E0407", "E0504", "E0505", "E0506",
        "E0510", "W0503",
    ];
    for code in emitted {
        let page = codes::lookup(code).unwrap_or_else(|| panic!("no page for {code}"));
        assert!(
            page.wrong.ends_with('\n') && page.right.ends_with('\n'),
            "{code}"
        );
        assert_ne!(page.wrong, page.right, "{code}");
        assert!(codes::explain(code).unwrap().contains("Wrong:"));
    }
}
