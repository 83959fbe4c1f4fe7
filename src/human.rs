//! Durations as a person reads them: `1h 12m 35.7s`, `4m`, `3m 55s`, `1.25s`, `500ms`.
//!
//! The one format for every duration shown to a reader (the run summary, the REPL, the HTML
//! report, log prefixes). It is not the language's literal syntax (`str(d)` prints `90s`, `1.5h`;
//! see `runtime::value::format_duration`), and JSON keeps numeric seconds.

/// A duration in nanoseconds, rounded to the millisecond: days, hours and minutes as whole
/// units, seconds with up to three decimals, zero components left out; under a second in
/// milliseconds. `0` is `0s`; a nonzero duration under half a millisecond is `<1ms`.
pub fn human_duration(ns: i64) -> String {
    if ns < 0 {
        return format!("-{}", human_duration(ns.checked_neg().unwrap_or(i64::MAX)));
    }
    if ns == 0 {
        return "0s".into();
    }
    let ms = (ns as i128 + 500_000) / 1_000_000;
    if ms == 0 {
        return "<1ms".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let mut parts = Vec::new();
    let mut rest = ms;
    for (unit, size) in [("d", 86_400_000i128), ("h", 3_600_000), ("m", 60_000)] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if rest > 0 {
        let (s, frac) = (rest / 1000, rest % 1000);
        if frac == 0 {
            parts.push(format!("{s}s"));
        } else {
            let digits = format!("{frac:03}");
            parts.push(format!("{s}.{}s", digits.trim_end_matches('0')));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::human_duration as h;

    const MS: i64 = 1_000_000;
    const S: i64 = 1_000_000_000;

    #[test]
    fn human_durations() {
        assert_eq!(h(0), "0s");
        assert_eq!(h(1), "<1ms");
        assert_eq!(h(MS), "1ms");
        assert_eq!(h(999 * MS), "999ms");
        assert_eq!(h(999_600_000), "1s");
        assert_eq!(h(S), "1s");
        assert_eq!(h(1250 * MS), "1.25s");
        assert_eq!(h(59_999 * MS), "59.999s");
        assert_eq!(h(60 * S), "1m");
        assert_eq!(h(61 * S), "1m 1s");
        assert_eq!(h(235 * S), "3m 55s");
        assert_eq!(h(240 * S), "4m");
        assert_eq!(h(723_500 * MS), "12m 3.5s");
        assert_eq!(h(3599 * S), "59m 59s");
        assert_eq!(h(3600 * S), "1h");
        assert_eq!(h(3601 * S), "1h 1s");
        assert_eq!(h(5400 * S), "1h 30m");
        assert_eq!(h(4355 * S + 700 * MS), "1h 12m 35.7s");
        assert_eq!(h(70_937_500_000), "1m 10.938s");
        assert_eq!(h(86_400 * S), "1d");
        assert_eq!(h(3 * 86_400 * S + 2 * 3600 * S + 5 * S), "3d 2h 5s");
        assert_eq!(h(-1500 * MS), "-1.5s");
        assert_eq!(h(i64::MAX), "106751d 23h 47m 16.855s");
        assert_eq!(h(i64::MIN), "-106751d 23h 47m 16.855s");
    }
}
