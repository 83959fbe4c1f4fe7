//! Floats and durations in the language's literal syntax, as `str`, f-strings and `print`
//! write them: floats exactly as Python's `repr`, durations as the shortest literal.

/// Floats print as Python's `repr` does: `1.5`, `2.0`, `0.30000000000000004`, `1e-05`, `1e+16`.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Python's repr: the shortest digits that read back exactly (Rust's `{:e}` gives them),
    // fixed notation for decimal exponents -4 to 15, else `d.ddde+XX`.
    // Where two shortest strings are equally near, Rust's may differ from Python's (the nearest
    // to the exact value, ties to even); formatting to that many digits picks Python's.
    let shortest = format!("{f:e}");
    let n = shortest
        .split_once('e')
        .map_or(1, |(m, _)| m.bytes().filter(u8::is_ascii_digit).count());
    let s = format!("{f:.prec$e}", prec = n - 1);
    let s = if s.parse::<f64>() == Ok(f) {
        s
    } else {
        shortest
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mant) = match mant.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        if exp < 0 {
            let zeros = "0".repeat((-exp - 1) as usize);
            format!("{sign}0.{zeros}{digits}")
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                let zeros = "0".repeat(int_len - digits.len());
                format!("{sign}{digits}{zeros}.0")
            } else {
                format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
            }
        }
    } else {
        let esign = if exp < 0 { '-' } else { '+' };
        let rest = if digits.len() > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        format!(
            "{sign}{}{rest}e{esign}{:02}",
            &digits[..1],
            exp.unsigned_abs()
        )
    }
}

/// Durations print as the shortest literal that reads back exactly: `90s`, `10m`, `1.5h`, `500ms`.
pub fn format_duration(ns: i64) -> String {
    let units: [(&str, i64); 5] = [
        ("d", 86_400_000_000_000),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
    ];
    if ns == 0 {
        return "0s".into();
    }
    // A whole number of d, h, m or s (`90s`, not `1.5m`); else the largest unit reached with
    // at most three decimals (`35.5s`, `1.5h`); else milliseconds.
    for (u, f) in &units[..4] {
        if ns.unsigned_abs() >= *f as u64 && ns % f == 0 {
            return format!("{}{u}", ns / f);
        }
    }
    for (u, f) in &units[..4] {
        if ns.unsigned_abs() >= *f as u64 && ns % (f / 1000) == 0 {
            return format!("{}{u}", ns as f64 / *f as f64);
        }
    }
    format!("{}ms", ns as f64 / 1e6)
}
