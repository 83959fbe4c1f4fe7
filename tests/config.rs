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
fn none(at: usize) -> SConst {
    c(Const::None, at)
}
fn unknown(at: usize) -> SConst {
    c(Const::Unknown, at)
}
fn kw(name: &str, value: SConst) -> ConstArg {
    let span = Span::new(
        FileId(0),
        (value.span.start as usize).saturating_sub(10),
        value.span.end as usize,
    );
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
fn res(args: Vec<ConstArg>) -> SConst {
    rec("Resources", args)
}

/// Runs a validator at the environment level.
fn run<T>(
    v: SConst,
    validate: fn(&SConst, Level, &mut Vec<Diagnostic>) -> Option<T>,
) -> (Option<T>, Vec<Diagnostic>) {
    run_at(v, Level::Environment, validate)
}
fn run_at<T>(
    v: SConst,
    level: Level,
    validate: fn(&SConst, Level, &mut Vec<Diagnostic>) -> Option<T>,
) -> (Option<T>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let out = validate(&v, level, &mut diags);
    (out, diags)
}

/// Exactly one diagnostic, with this code, pointing at `at`.
#[track_caller]
fn one(diags: &[Diagnostic], code: &str, at: Span) -> Diagnostic {
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, code, "{diags:#?}");
    assert_eq!(diags[0].primary_span(), Some(at), "{diags:#?}");
    diags[0].clone()
}
/// The validator fails with exactly one error `code` at `at`.
#[track_caller]
fn err<T: std::fmt::Debug>(out: (Option<T>, Vec<Diagnostic>), code: &str, at: Span) -> Diagnostic {
    assert!(out.0.is_none(), "{:?}", out.0);
    let d = one(&out.1, code, at);
    assert_eq!(d.severity, Severity::Error);
    d
}
/// The validator succeeds without any diagnostic.
#[track_caller]
fn ok<T>(out: (Option<T>, Vec<Diagnostic>)) -> T {
    assert!(out.1.is_empty(), "{:#?}", out.1);
    out.0.expect("a spec")
}
fn help(d: &Diagnostic) -> &str {
    d.help.as_deref().unwrap_or("")
}
fn both(request: u64, limit: u64) -> Option<ReqLim<u64>> {
    Some(ReqLim { request, limit })
}
/// `Resources(gpu = v)`: `Some(accelerator)` when valid.
fn gpu_of(v: SConst) -> (Option<Option<Accelerator>>, Vec<Diagnostic>) {
    let (spec, diags) = run(res(vec![kw("gpu", v)]), resources);
    (spec.map(|s| s.accelerator), diags)
}
fn gpu(
    device: Option<&str>,
    quantity: u32,
    partition: Option<&str>,
    slices: Option<u32>,
) -> Accelerator {
    Accelerator::Gpu {
        device: device.map(Into::into),
        quantity,
        partition: partition.map(Into::into),
        slices,
    }
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

#[test]
fn resources_defaults_and_values() {
    assert_eq!(ok(run(res(vec![]), resources)), ResourceSpec::default());
    let spec = ok(run(
        res(vec![
            kw("cpu", tup(vec![i(1, 20), s("4", 22)], 19)),
            kw("memory", tup(vec![s("1Gi", 30), s("2Gi", 32)], 29)),
            kw("disk", s("10Gi", 40)),
            kw("shm", s("auto", 50)),
        ]),
        resources,
    ));
    assert_eq!(spec.cpu_milli, both(1000, 4000));
    assert_eq!(spec.memory, both(1 << 30, 2 << 30));
    assert_eq!(spec.disk, Some(10 << 30));
    assert_eq!(spec.shm, Some(None));
    assert_eq!(spec.accelerator, None);
    for (v, milli) in [
        (i(2, 20), 2000),
        (f(0.5, 20), 500),
        (s("500m", 20), 500),
        (s("2", 20), 2000),
    ] {
        assert_eq!(
            ok(run(res(vec![kw("cpu", v)]), resources)).cpu_milli,
            both(milli, milli)
        );
    }
    let spec = ok(run(
        res(vec![
            pos(i(2, 20)),
            pos(s("4Gi", 30)),
            kw("shm", s("1Gi", 40)),
        ]),
        resources,
    ));
    assert_eq!(
        (spec.cpu_milli, spec.memory),
        (both(2000, 2000), both(4 << 30, 4 << 30))
    );
    assert_eq!(spec.shm, Some(Some(1 << 30)));
    // none is "not given"; run-time values are skipped silently.
    let spec = ok(run(
        res(vec![kw("cpu", none(20)), kw("memory", unknown(30))]),
        resources,
    ));
    assert_eq!(spec, ResourceSpec::default());
    assert_eq!(run(unknown(0), resources), (None, vec![]));
}

#[test]
fn malformed_quantities_are_e0301_with_a_suggestion() {
    let d = err(
        run(res(vec![kw("memory", s("4GB", 30))]), resources),
        "E0301",
        sp(30),
    );
    assert_eq!(help(&d), "did you mean \"4G\" or \"4Gi\"?");
    assert!(d.message.contains("4GB"), "{}", d.message);
    err(
        run(res(vec![kw("cpu", s("two", 20))]), resources),
        "E0301",
        sp(20),
    );
    err(
        run(res(vec![kw("disk", s("1.2.3Gi", 40))]), resources),
        "E0301",
        sp(40),
    );
    err(
        run(res(vec![kw("shm", s("lots", 50))]), resources),
        "E0301",
        sp(50),
    );
    let out = run(
        res(vec![kw(
            "memory",
            tup(vec![s("1Gi", 31), s("2gb", 33)], 30),
        )]),
        resources,
    );
    assert_eq!(
        help(&err(out, "E0301", sp(33))),
        "did you mean \"2G\" or \"2Gi\"?"
    );
}

#[test]
fn negative_amounts_are_e0302() {
    err(
        run(res(vec![kw("cpu", i(-1, 20))]), resources),
        "E0302",
        sp(20),
    );
    err(
        run(res(vec![kw("cpu", f(-0.5, 20))]), resources),
        "E0302",
        sp(20),
    );
    err(
        run(res(vec![kw("cpu", s("-500m", 20))]), resources),
        "E0302",
        sp(20),
    );
    err(
        run(res(vec![kw("memory", s("-1Gi", 30))]), resources),
        "E0302",
        sp(30),
    );
    err(
        run(res(vec![kw("gpu", i(-1, 60))]), resources),
        "E0302",
        sp(60),
    );
}

#[test]
fn request_above_limit_is_e0303_with_the_limit_as_second_label() {
    let d = err(
        run(
            res(vec![kw("cpu", tup(vec![i(4, 21), i(2, 23)], 20))]),
            resources,
        ),
        "E0303",
        sp(21),
    );
    assert!(
        d.labels.iter().any(|l| !l.primary && l.span == sp(23)),
        "{d:#?}"
    );
    assert!(
        d.message.contains("(4)") && d.message.contains("(2)"),
        "{}",
        d.message
    );
    let out = run(
        res(vec![kw(
            "memory",
            tup(vec![s("2Gi", 31), s("1Gi", 33)], 30),
        )]),
        resources,
    );
    assert!(err(out, "E0303", sp(31)).message.contains("2Gi"));
    // Equal is fine.
    let spec = ok(run(
        res(vec![kw("cpu", tup(vec![s("500m", 21), f(0.5, 23)], 20))]),
        resources,
    ));
    assert_eq!(spec.cpu_milli, both(500, 500));
}

#[test]
fn zero_requests_warn_w0301_and_are_accepted() {
    let (spec, diags) = run(res(vec![kw("cpu", i(0, 20))]), resources);
    assert_eq!(spec.unwrap().cpu_milli, both(0, 0));
    assert_eq!(one(&diags, "W0301", sp(20)).severity, Severity::Warning);
    let (spec, diags) = run(
        res(vec![kw("memory", tup(vec![s("0", 31), s("1Gi", 33)], 30))]),
        resources,
    );
    assert_eq!(spec.unwrap().memory, both(0, 1 << 30));
    one(&diags, "W0301", sp(31));
    // gpu = 0 means no accelerator: no warning.
    assert_eq!(
        ok(run(res(vec![kw("gpu", i(0, 60))]), resources)).accelerator,
        None
    );
}

#[test]
fn wrong_types_are_e0308() {
    let d = err(
        run(res(vec![kw("memory", i(4, 30))]), resources),
        "E0308",
        sp(30),
    );
    assert!(help(&d).contains("\"4Gi\""), "{d:#?}");
    let three = tup(vec![i(1, 21), i(2, 23), i(3, 25)], 20);
    assert!(
        err(run(res(vec![kw("cpu", three)]), resources), "E0308", sp(20))
            .message
            .contains("exactly two")
    );
    let list = c(Const::List(vec![i(1, 21), i(2, 23)]), 20);
    assert!(help(&err(
        run(res(vec![kw("cpu", list)]), resources),
        "E0308",
        sp(20)
    ))
    .contains("tuple"));
    let pair = tup(vec![s("1Gi", 41), s("2Gi", 43)], 40);
    err(run(res(vec![kw("disk", pair)]), resources), "E0308", sp(40));
    err(
        run(res(vec![kw("shm", i(5, 50))]), resources),
        "E0308",
        sp(50),
    );
    err(
        run(res(vec![kw("cpu", c(Const::Bool(true), 20))]), resources),
        "E0308",
        sp(20),
    );
    err(
        run(res(vec![kw("gpu", f(1.5, 60))]), resources),
        "E0308",
        sp(60),
    );
    err(
        run(res(vec![kw("gpu", rec("ReusePolicy", vec![]))]), resources),
        "E0308",
        sp(0),
    );
    err(run(s("4Gi", 7), resources), "E0308", sp(7));
    err(run(rec("GPU", vec![]), resources), "E0308", sp(0));
}

#[test]
fn argument_list_errors_are_e0310() {
    let arg = kw("cpus", i(2, 20));
    let d = err(run(res(vec![arg.clone()]), resources), "E0310", arg.span);
    assert!(d.message.contains("`cpus`"), "{}", d.message);
    assert!(
        help(&d).starts_with("did you mean `cpu`?") && help(&d).contains("`shm`"),
        "{d:#?}"
    );
    let args: Vec<ConstArg> = (0..6).map(|k| pos(none(20 + 2 * k))).collect();
    err(run(res(args), resources), "E0310", sp(30));
    let d = err(
        run(res(vec![pos(i(1, 20)), kw("cpu", i(2, 30))]), resources),
        "E0310",
        kw("cpu", i(2, 30)).span,
    );
    assert!(d.labels.iter().any(|l| !l.primary && l.span == sp(20)));
    // Every independent error is reported.
    let (spec, diags) = run(
        res(vec![kw("cpu", i(-1, 20)), kw("memory", s("4GB", 30))]),
        resources,
    );
    assert!(spec.is_none());
    let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0302", "E0301"]);
}

#[test]
fn accelerator_strings() {
    assert_eq!(ok(gpu_of(i(2, 60))), Some(gpu(None, 2, None, None)));
    assert_eq!(
        ok(gpu_of(s("A100:2", 60))),
        Some(gpu(Some("A100"), 2, None, None))
    );
    assert_eq!(
        ok(gpu_of(s("H100", 60))),
        Some(gpu(Some("H100"), 1, None, None))
    );
    assert_eq!(
        ok(gpu_of(s("T4 shared", 60))),
        Some(gpu(Some("T4 shared"), 1, None, None))
    );
    let other = |d: &str, q| {
        Some(Accelerator::Other {
            device: d.into(),
            quantity: q,
        })
    };
    assert_eq!(ok(gpu_of(s("Trn1:16", 60))), other("Trn1", 16));
    assert_eq!(ok(gpu_of(s("Inf1:16", 60))), other("Inf1", 16));
    assert_eq!(ok(gpu_of(s("MI300X:1", 60))), other("MI300X", 1));
    assert_eq!(
        ok(gpu_of(s("RTX_PRO_6000:2", 60))),
        Some(gpu(Some("RTX_PRO_6000"), 2, None, None))
    );
    for (text, allowed) in [
        ("Trn1:2", "1, 4, 8 or 16"),
        ("A2:2", "allows 1"),
        ("A100:9", "1 to 8"),
        ("A100:0", "1 to 8"),
        ("Inf2:13", "1 to 12"),
        ("A100:x", "1 to 8"),
        ("T4 shared:2", "allows 1"),
        ("RTX_PRO_6000:3", "1 to 2"),
    ] {
        let d = err(gpu_of(s(text, 60)), "E0305", sp(60));
        let all = format!("{} {} {:?}", d.message, help(&d), d.labels);
        assert!(all.contains(allowed), "{text}: {all}");
    }
    let d = err(gpu_of(s("A100X:1", 60)), "E0304", sp(60));
    assert_eq!(help(&d), "did you mean \"A100\"?");
    assert_eq!(
        help(&err(gpu_of(s("t4", 60)), "E0304", sp(60))),
        "did you mean \"T4\"?"
    );
    err(gpu_of(s("Banana:1", 60)), "E0304", sp(60));
    assert!(help(&err(gpu_of(s("V5P", 60)), "E0307", sp(60))).contains("TPU(device = \"V5P\""));
}

#[test]
fn deprecated_spellings_warn_w0302_naming_the_new_one() {
    let (acc, diags) = gpu_of(s("A100 80G:1", 60));
    assert_eq!(acc.flatten(), Some(gpu(Some("A100_80G"), 1, None, None)));
    let d = one(&diags, "W0302", sp(60));
    assert!(d.message.contains("\"A100_80G\"") && d.severity == Severity::Warning);
    let (acc, diags) = gpu_of(s("RTX PRO 6000:2", 60));
    assert_eq!(
        acc.flatten(),
        Some(gpu(Some("RTX_PRO_6000"), 2, None, None))
    );
    assert!(one(&diags, "W0302", sp(60))
        .message
        .contains("RTX_PRO_6000"));
    let (acc, diags) = gpu_of(rec(
        "GPU",
        vec![
            kw("device", s("A100 80G", 70)),
            kw("partition", s("1g.10gb", 90)),
        ],
    ));
    assert_eq!(
        acc.flatten(),
        Some(gpu(Some("A100_80G"), 1, Some("1g.10gb"), Some(1)))
    );
    one(&diags, "W0302", sp(70));
}

#[test]
fn gpu_helper() {
    let g = |args| gpu_of(rec("GPU", args));
    let full = vec![
        kw("device", s("A100", 70)),
        kw("quantity", i(1, 80)),
        kw("partition", s("3g.20gb", 90)),
    ];
    assert_eq!(
        ok(g(full)),
        Some(gpu(Some("A100"), 1, Some("3g.20gb"), Some(3)))
    );
    assert_eq!(
        ok(g(vec![pos(s("H100", 70)), pos(i(2, 80))])),
        Some(gpu(Some("H100"), 2, None, None))
    );
    assert_eq!(
        ok(g(vec![kw("device", s("T4", 70))])),
        Some(gpu(Some("T4"), 1, None, None))
    );
    let h200 = vec![pos(s("H200", 70)), pos(i(8, 80)), pos(s("7g.141gb", 90))];
    assert_eq!(
        ok(g(h200)),
        Some(gpu(Some("H200"), 8, Some("7g.141gb"), Some(7)))
    );
    for q in [0, 9, -1] {
        let d = err(
            g(vec![kw("device", s("A100", 70)), kw("quantity", i(q, 80))]),
            "E0305",
            sp(80),
        );
        assert!(format!("{:?}", d.labels).contains("1 to 8"), "{d:#?}");
    }
    err(
        g(vec![
            kw("device", s("T4 shared", 70)),
            kw("quantity", i(2, 80)),
        ]),
        "E0305",
        sp(80),
    );
    err(
        g(vec![
            kw("device", s("A100", 70)),
            kw("quantity", s("2", 80)),
        ]),
        "E0308",
        sp(80),
    );
    err(g(vec![kw("device", i(100, 70))]), "E0308", sp(70));
    err(
        g(vec![kw("device", s("A100", 70)), kw("partition", i(1, 90))]),
        "E0308",
        sp(90),
    );
    // Partitions.
    let d = err(
        g(vec![
            kw("device", s("T4", 70)),
            kw("partition", s("1g.5gb", 90)),
        ]),
        "E0306",
        sp(90),
    );
    assert!(
        help(&d).contains("A100, A100_80G, H100, H200 and RTX_PRO_6000"),
        "{d:#?}"
    );
    let d = err(
        g(vec![
            kw("device", s("L4 shared", 70)),
            kw("partition", s("1g.5gb", 90)),
        ]),
        "E0306",
        sp(90),
    );
    assert!(d.message.contains("shared"), "{}", d.message);
    let d = err(
        g(vec![
            kw("device", s("A100", 70)),
            kw("partition", s("1g.10gb", 90)),
        ]),
        "E0306",
        sp(90),
    );
    assert!(help(&d).contains("\"1g.5gb\", \"2g.10gb\""), "{d:#?}");
    // Devices.
    let d = err(g(vec![kw("device", s("V5P", 70))]), "E0304", sp(70));
    assert!(help(&d).contains("TPU(device = \"V5P\")"), "{d:#?}");
    assert_eq!(
        help(&err(g(vec![kw("device", s("a100", 70))]), "E0304", sp(70))),
        "did you mean \"A100\"?"
    );
    // Argument list.
    err(g(vec![kw("quantity", i(1, 80))]), "E0310", sp(0));
    let size = kw("size", i(1, 80));
    err(
        g(vec![kw("device", s("A100", 70)), size.clone()]),
        "E0310",
        size.span,
    );
    // A run-time device: nothing known, nothing reported.
    assert_eq!(g(vec![kw("device", unknown(70))]), (Some(None), vec![]));
}

#[test]
fn tpu_and_other_devices() {
    let t = |args| gpu_of(rec("TPU", args));
    let tpu = |d: &str, sl: Option<&str>| {
        Some(Accelerator::Tpu {
            device: d.into(),
            slice: sl.map(Into::into),
        })
    };
    assert_eq!(
        ok(t(vec![
            kw("device", s("V5P", 70)),
            kw("partition", s("2x2x1", 90))
        ])),
        tpu("V5P", Some("2x2x1"))
    );
    assert_eq!(
        ok(t(vec![pos(s("V6E", 70)), pos(s("16x16", 90))])),
        tpu("V6E", Some("16x16"))
    );
    assert_eq!(ok(t(vec![pos(s("V5E", 70))])), tpu("V5E", None));
    let d = err(
        t(vec![
            kw("device", s("V5E", 70)),
            kw("partition", s("2x2x1", 90)),
        ]),
        "E0307",
        sp(90),
    );
    assert!(help(&d).contains("\"1x1\""), "{d:#?}");
    let q = kw("quantity", i(2, 80));
    err(
        t(vec![kw("device", s("V5P", 70)), q.clone()]),
        "E0307",
        q.span,
    );
    err(t(vec![kw("device", s("A100", 70))]), "E0304", sp(70));
    err(t(vec![]), "E0310", sp(0));

    let other = |d: &str| {
        Some(Accelerator::Other {
            device: d.into(),
            quantity: 1,
        })
    };
    assert_eq!(
        ok(gpu_of(rec("Neuron", vec![pos(s("Inf2", 70))]))),
        other("Inf2")
    );
    assert_eq!(
        ok(gpu_of(rec("AMD_GPU", vec![kw("device", s("MI300X", 70))]))),
        other("MI300X")
    );
    assert_eq!(
        ok(gpu_of(rec(
            "HABANA_GAUDI",
            vec![kw("device", s("Gaudi1", 70))]
        ))),
        other("Gaudi1")
    );
    let d = err(
        gpu_of(rec("Neuron", vec![kw("device", s("Gaudi1", 70))])),
        "E0304",
        sp(70),
    );
    assert!(
        help(&d).contains("HABANA_GAUDI(device = \"Gaudi1\")"),
        "{d:#?}"
    );
    err(
        gpu_of(rec("AMD_GPU", vec![kw("device", s("MI999", 70))])),
        "E0304",
        sp(70),
    );
    let extra = kw("quantity", i(2, 80));
    err(
        gpu_of(rec(
            "Neuron",
            vec![kw("device", s("Trn1", 70)), extra.clone()],
        )),
        "E0310",
        extra.span,
    );
}

// ---------------------------------------------------------------------------------------------
// Override remap
// ---------------------------------------------------------------------------------------------

#[test]
fn inside_override_every_error_is_e05xx() {
    let v = res(vec![kw("memory", s("4GB", 30))]);
    let d = err(run_at(v, Level::Override, resources), "E0510", sp(30));
    assert!(
        help(&d).starts_with("did you mean \"4G\" or \"4Gi\"?"),
        "{d:#?}"
    );
    assert!(
        help(&d).ends_with("(outside an override this is E0301)"),
        "{d:#?}"
    );
    let v = rec("ReusePolicy", vec![kw("concurrency", i(0, 20))]);
    let d = err(run_at(v, Level::Override, reuse_policy), "E0510", sp(20));
    assert!(help(&d).contains("outside an override this is E0402"));
    // Warnings and E05xx errors keep their codes.
    let (_, diags) = run_at(res(vec![kw("cpu", i(0, 20))]), Level::Override, resources);
    one(&diags, "W0301", sp(20));
    err(run_at(s("bad", 5), Level::Override, cache), "E0504", sp(5));
    err(run_at(i(-1, 5), Level::Override, retries), "E0505", sp(5));
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

fn policy(args: Vec<ConstArg>) -> (Option<ReuseSetting>, Vec<Diagnostic>) {
    run(rec("ReusePolicy", args), reuse_policy)
}
fn spec_of(out: (Option<ReuseSetting>, Vec<Diagnostic>)) -> ReuseSpec {
    match ok(out) {
        ReuseSetting::Policy(p) => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn reuse_policy_defaults_and_values() {
    let d = spec_of(policy(vec![]));
    assert_eq!(d, default_policy());
    assert_eq!((d.min_replicas, d.max_replicas, d.concurrency), (2, 2, 1));
    assert_eq!(
        (d.idle_ttl, d.scaledown_ttl, d.scope),
        (30 * S, 30 * S, ReuseScope::Global)
    );
    let p = spec_of(policy(vec![
        kw("replicas", tup(vec![i(1, 21), i(5, 23)], 20)),
        kw("concurrency", i(2, 30)),
        kw("idle_ttl", i(300, 40)),
        kw("scaledown_ttl", secs(45, 50)),
        kw("scope", s("run", 60)),
    ]));
    assert_eq!((p.min_replicas, p.max_replicas, p.concurrency), (1, 5, 2));
    assert_eq!(
        (p.idle_ttl, p.scaledown_ttl, p.scope),
        (300 * S, 45 * S, ReuseScope::Run)
    );
    let p = spec_of(policy(vec![pos(i(3, 20)), pos(i(60, 30))]));
    assert_eq!((p.min_replicas, p.max_replicas, p.idle_ttl), (3, 3, 60 * S));
    let p = spec_of(policy(vec![kw(
        "replicas",
        tup(vec![i(0, 21), i(2, 23)], 20),
    )]));
    assert_eq!((p.min_replicas, p.max_replicas), (0, 2));
    assert_eq!(ok(run(none(5), reuse_policy)), ReuseSetting::Cleared);
    assert_eq!(run(unknown(5), reuse_policy), (None, vec![]));
}

#[test]
fn replicas_are_e0401() {
    let r = |v| policy(vec![kw("replicas", v)]);
    let d = err(r(tup(vec![i(3, 21), i(1, 23)], 20)), "E0401", sp(21));
    assert_eq!(
        d.message,
        "replicas min (3) must be less than or equal to max (1)"
    );
    assert!(d.labels.iter().any(|l| !l.primary && l.span == sp(23)));
    let d = err(
        r(c(Const::List(vec![i(1, 21), i(2, 23)]), 20)),
        "E0401",
        sp(20),
    );
    assert_eq!(d.message, "replicas must be an int or a tuple of two ints");
    err(r(i(-1, 20)), "E0401", sp(20));
    err(r(i(0, 20)), "E0401", sp(20));
    err(r(tup(vec![i(0, 21), i(0, 23)], 20)), "E0401", sp(23));
    err(r(tup(vec![i(-1, 21), i(2, 23)], 20)), "E0401", sp(21));
    err(
        r(tup(vec![i(1, 21), i(2, 23), i(3, 25)], 20)),
        "E0401",
        sp(20),
    );
    err(r(s("2", 20)), "E0401", sp(20));
    err(r(tup(vec![i(1, 21), f(2.0, 23)], 20)), "E0401", sp(23));
}

#[test]
fn concurrency_ttls_scope_and_fields() {
    err(policy(vec![kw("concurrency", i(0, 30))]), "E0402", sp(30));
    err(policy(vec![kw("concurrency", f(1.5, 30))]), "E0402", sp(30));
    let d = err(policy(vec![kw("idle_ttl", i(10, 40))]), "E0403", sp(40));
    assert_eq!(d.message, "idle_ttl must be at least 30 seconds");
    err(policy(vec![kw("idle_ttl", f(30.5, 40))]), "E0403", sp(40));
    err(policy(vec![kw("idle_ttl", s("30s", 40))]), "E0403", sp(40));
    let d = err(
        policy(vec![kw("scaledown_ttl", secs(29, 50))]),
        "E0403",
        sp(50),
    );
    assert_eq!(d.message, "scaledown_ttl must be at least 30 seconds");
    let d = err(policy(vec![kw("scope", s("project", 60))]), "E0404", sp(60));
    assert_eq!(d.message, "scope must be \"global\" or \"run\"");
    assert_eq!(
        help(&err(
            policy(vec![kw("scope", s("Run", 60))]),
            "E0404",
            sp(60)
        )),
        "did you mean \"run\"?"
    );
    let arg = kw("replica", i(2, 20));
    let d = err(policy(vec![arg.clone()]), "E0407", arg.span);
    assert!(help(&d).starts_with("did you mean `replicas`?"), "{d:#?}");
    let args: Vec<ConstArg> = (0..6).map(|k| pos(none(20 + 2 * k))).collect();
    err(policy(args), "E0407", sp(30));
}

#[test]
fn off_is_only_for_override_e0406() {
    let d = err(run(s("off", 5), reuse_policy), "E0406", sp(5));
    assert!(help(&d).contains("reusable = none"), "{d:#?}");
    err(
        run_at(s("off", 5), Level::Decorator, reuse_policy),
        "E0406",
        sp(5),
    );
    assert_eq!(
        ok(run_at(s("off", 5), Level::Override, reuse_policy)),
        ReuseSetting::Off
    );
    let d = err(
        run_at(s("of", 5), Level::Override, reuse_policy),
        "E0510",
        sp(5),
    );
    assert!(
        help(&d).contains("did you mean \"off\"?") && help(&d).contains("E0406"),
        "{d:#?}"
    );
    err(run(i(3, 5), reuse_policy), "E0406", sp(5));
    err(run(res(vec![]), reuse_policy), "E0406", sp(0));
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

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
    let (spec, diags) = run(s("override", 5), cache);
    assert_eq!(spec.unwrap().behavior, CacheBehavior::Override);
    assert_eq!(one(&diags, "W0503", sp(5)).severity, Severity::Warning);
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
    let d = err(run(s("AUTO", 5), cache), "E0504", sp(5));
    assert!(help(&d).contains("\"auto\""), "{d:#?}");
    err(run(s("Disable", 5), cache), "E0504", sp(5));
    let d = err(run(s("always", 5), cache), "E0504", sp(5));
    assert!(
        help(&d).contains("\"override\"") && help(&d).contains("\"enabled\""),
        "{d:#?}"
    );
    assert!(
        help(&err(run(s("auot", 5), cache), "E0504", sp(5))).starts_with("did you mean \"auto\"?")
    );
    err(run(i(3, 5), cache), "E0504", sp(5));
}

#[test]
fn falsy_cache_keeps_the_less_specific_value() {
    for level in [Level::Decorator, Level::Override] {
        assert_eq!(run_at(s("", 5), level, cache), (None, vec![]));
        assert_eq!(run_at(none(5), level, cache), (None, vec![]));
    }
    err(run(s("", 5), cache), "E0504", sp(5));
    err(run(none(5), cache), "E0504", sp(5));
    assert_eq!(run(unknown(5), cache), (None, vec![]));
}

#[test]
fn cache_record() {
    let full = rec(
        "Cache",
        vec![
            kw("behavior", s("override", 20)),
            kw("version_override", s("v2", 30)),
            kw("serialize", c(Const::Bool(true), 40)),
            kw("ignored_inputs", tup(vec![s("a", 51), s("b", 53)], 50)),
            kw("salt", s("pepper", 60)),
            kw("max_age", i(3600, 70)),
        ],
    );
    let spec = ok(run(full, cache));
    assert_eq!(spec.behavior, CacheBehavior::Override);
    assert_eq!(spec.version_override.as_deref(), Some("v2"));
    assert!(spec.serialize);
    assert_eq!(spec.ignored_inputs, ["a", "b"]);
    assert_eq!(
        (spec.salt.as_str(), spec.max_age),
        ("pepper", Some(3600 * S))
    );
    assert_eq!(
        ok(run(rec("Cache", vec![pos(s("auto", 20))]), cache)),
        cache_spec(CacheBehavior::Auto)
    );
    let listed = vec![
        kw("behavior", s("on", 20)),
        kw("ignored_inputs", c(Const::List(vec![s("x", 51)]), 50)),
    ];
    let spec = ok(run(rec("Cache", listed), cache));
    assert_eq!(
        (spec.behavior, spec.ignored_inputs),
        (CacheBehavior::Auto, vec!["x".to_string()])
    );
    let aged = vec![pos(s("auto", 20)), kw("max_age", secs(0, 70))];
    assert_eq!(ok(run(rec("Cache", aged), cache)).max_age, Some(0));
    let (spec, diags) = run(rec("Cache", vec![kw("behavior", s("override", 20))]), cache);
    assert_eq!(spec.unwrap().behavior, CacheBehavior::Override);
    one(&diags, "W0503", sp(20));
}

#[test]
fn cache_record_errors_are_e0504() {
    let bad = |arg: ConstArg| {
        run(
            rec("Cache", vec![kw("behavior", s("auto", 20)), arg]),
            cache,
        )
    };
    err(bad(kw("serialize", s("yes", 40))), "E0504", sp(40));
    err(
        bad(kw("ignored_inputs", tup(vec![i(1, 51)], 50))),
        "E0504",
        sp(51),
    );
    err(bad(kw("ignored_inputs", i(1, 50))), "E0504", sp(50));
    err(bad(kw("max_age", i(-1, 70))), "E0504", sp(70));
    err(bad(kw("max_age", f(1.5, 70))), "E0504", sp(70));
    err(bad(kw("salt", i(3, 60))), "E0504", sp(60));
    err(bad(kw("version_override", i(2, 30))), "E0504", sp(30));
    let arg = kw("sallt", s("x", 60));
    assert!(help(&err(bad(arg.clone()), "E0504", arg.span)).starts_with("did you mean `salt`?"));
    err(
        run(rec("Cache", vec![kw("salt", s("x", 60))]), cache),
        "E0504",
        sp(0),
    );
    err(
        run(rec("Cache", vec![kw("behavior", s("AUTO", 20))]), cache),
        "E0504",
        sp(20),
    );
    err(
        run(rec("Cache", vec![kw("behavior", i(1, 20))]), cache),
        "E0504",
        sp(20),
    );
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

#[test]
fn retries_values() {
    let plain = |count| RetrySpec {
        count,
        backoff: None,
    };
    assert_eq!(ok(run(i(3, 5), retries)), plain(3));
    assert_eq!(ok(run(i(0, 5), retries)), plain(0));
    assert_eq!(ok(run(none(5), retries)), plain(0));
    assert_eq!(
        ok(run(rec("RetryStrategy", vec![pos(i(3, 20))]), retries)),
        plain(3)
    );
    let b = rec(
        "Backoff",
        vec![
            kw("base", secs(10, 30)),
            kw("factor", f(2.0, 40)),
            kw("cap", secs(300, 50)),
        ],
    );
    let spec = ok(run(
        rec(
            "RetryStrategy",
            vec![kw("count", i(5, 20)), kw("backoff", b)],
        ),
        retries,
    ));
    assert_eq!(
        spec,
        RetrySpec {
            count: 5,
            backoff: backoff(10, 2.0, Some(300))
        }
    );
    let b = rec("Backoff", vec![pos(i(10, 30))]);
    let spec = ok(run(
        rec("RetryStrategy", vec![pos(i(1, 20)), pos(b)]),
        retries,
    ));
    assert_eq!(spec.backoff, backoff(10, 1.0, None));
    let b = rec(
        "Backoff",
        vec![pos(i(1, 30)), pos(i(2, 40)), pos(i(60, 50))],
    );
    let spec = ok(run(
        rec("RetryStrategy", vec![pos(i(1, 20)), kw("backoff", b)]),
        retries,
    ));
    assert_eq!(spec.backoff, backoff(1, 2.0, Some(60)));
    let spec = ok(run(
        rec(
            "RetryStrategy",
            vec![pos(i(1, 20)), kw("backoff", none(30))],
        ),
        retries,
    ));
    assert_eq!(spec.backoff, None);
}

#[test]
fn retries_errors_are_e0505() {
    err(run(i(-1, 5), retries), "E0505", sp(5));
    err(run(f(1.5, 5), retries), "E0505", sp(5));
    err(run(s("3", 5), retries), "E0505", sp(5));
    let strategy = |args| run(rec("RetryStrategy", args), retries);
    err(strategy(vec![kw("count", i(-1, 20))]), "E0505", sp(20));
    err(strategy(vec![]), "E0505", sp(0));
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
        sp(30),
    );
    let with = |args| strategy(vec![pos(i(1, 20)), kw("backoff", rec("Backoff", args))]);
    err(with(vec![kw("base", secs(-1, 30))]), "E0505", sp(30));
    err(with(vec![kw("base", f(0.5, 30))]), "E0505", sp(30));
    err(
        with(vec![kw("base", i(1, 30)), kw("factor", f(0.5, 40))]),
        "E0505",
        sp(40),
    );
    err(
        with(vec![
            kw("base", i(1, 30)),
            kw("factor", f(f64::INFINITY, 40)),
            kw("cap", i(5, 50)),
        ]),
        "E0505",
        sp(40),
    );
    err(
        with(vec![
            kw("base", i(1, 30)),
            kw("factor", f(f64::NAN, 40)),
            kw("cap", i(5, 50)),
        ]),
        "E0505",
        sp(40),
    );
    let d = err(
        with(vec![kw("base", i(1, 30)), kw("factor", f(2.0, 40))]),
        "E0505",
        sp(40),
    );
    assert!(
        d.message.contains("cap") && help(&d).contains("cap = 5m"),
        "{d:#?}"
    );
    err(
        with(vec![
            kw("base", i(1, 30)),
            kw("factor", f(2.0, 40)),
            kw("cap", i(-5, 50)),
        ]),
        "E0505",
        sp(50),
    );
    err(with(vec![kw("factor", f(1.0, 40))]), "E0505", sp(0));
}

#[test]
fn timeouts() {
    let runtime = |ns| TimeoutSpec {
        max_runtime: ns,
        ..TimeoutSpec::default()
    };
    assert_eq!(ok(run(i(600, 5), timeout)), runtime(Some(600 * S)));
    assert_eq!(ok(run(secs(600, 5), timeout)), runtime(Some(600 * S)));
    assert_eq!(ok(run(i(0, 5), timeout)), TimeoutSpec::default());
    assert_eq!(ok(run(none(5), timeout)), TimeoutSpec::default());
    assert_eq!(
        ok(run(rec("Timeout", vec![]), timeout)),
        TimeoutSpec::default()
    );
    let full = vec![
        kw("max_runtime", secs(600, 20)),
        kw("max_queued_time", i(60, 30)),
        kw("deadline", secs(3600, 40)),
    ];
    let spec = ok(run(rec("Timeout", full), timeout));
    assert_eq!(
        spec,
        TimeoutSpec {
            max_runtime: Some(600 * S),
            max_queued_time: Some(60 * S),
            deadline: Some(3600 * S)
        }
    );
    let spec = ok(run(
        rec("Timeout", vec![pos(i(0, 20)), pos(none(30)), pos(i(5, 40))]),
        timeout,
    ));
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
    err(run(i(-5, 5), timeout), "E0506", sp(5));
    err(run(secs(-1, 5), timeout), "E0506", sp(5));
    err(run(f(1.5, 5), timeout), "E0506", sp(5));
    err(run(s("10m", 5), timeout), "E0506", sp(5));
    err(
        run(rec("Timeout", vec![kw("deadline", i(-1, 40))]), timeout),
        "E0506",
        sp(40),
    );
    err(
        run(
            rec("Timeout", vec![kw("max_queued_time", f(0.5, 30))]),
            timeout,
        ),
        "E0506",
        sp(30),
    );
    let arg = kw("max_run", i(1, 20));
    err(
        run(rec("Timeout", vec![arg.clone()]), timeout),
        "E0506",
        arg.span,
    );
    err(run(res(vec![]), timeout), "E0506", sp(0));
    err(run_at(i(-5, 5), Level::Override, timeout), "E0506", sp(5));
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
