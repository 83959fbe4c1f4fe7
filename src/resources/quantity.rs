//! Kubernetes quantities: memory and disk sizes in bytes, CPU in millicores.
//!
//! The form is Kubernetes' own: a decimal number with an optional suffix, binary (`Ki Mi Gi Ti
//! Pi Ei`), decimal (`k M G T P E`, and `m` for thousandths) or an exponent (`1e3`). `"4GB"` is
//! malformed (Kubernetes rejects it at deploy time); the error suggests `"4G"` or `"4Gi"`.
//!
//! ```
//! use flyte_dsl::resources::quantity::{parse_bytes, parse_cpu_milli};
//! assert_eq!(parse_bytes("1.5Gi"), Ok(1_610_612_736));
//! assert_eq!(parse_cpu_milli("500m"), Ok(500));
//! assert!(parse_bytes("4GB").unwrap_err().suggestion.unwrap().contains("4Gi"));
//! ```

/// Why a quantity string is not one.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantityError {
    pub message: String,
    /// A corrected spelling, where one is likely (`"4G" or "4Gi"`).
    pub suggestion: Option<String>,
}

/// A parsed quantity: a non-negative number scaled by its suffix.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Quantity {
    value: f64,
    negative: bool,
}

const BINARY: &[(&str, f64)] = &[
    ("Ki", 1024.0),
    ("Mi", 1_048_576.0),
    ("Gi", 1_073_741_824.0),
    ("Ti", 1_099_511_627_776.0),
    ("Pi", 1_125_899_906_842_624.0),
    ("Ei", 1_152_921_504_606_846_976.0),
];
const DECIMAL: &[(&str, f64)] = &[
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
    ("P", 1e15),
    ("E", 1e18),
];

fn parse(text: &str) -> Result<Quantity, QuantityError> {
    let s = text.trim();
    let malformed = |suggestion: Option<String>| QuantityError {
        message: format!("`{text}` is not a Kubernetes quantity"),
        suggestion,
    };
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_end);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return Err(malformed(None));
    }
    let base: f64 = num.parse().map_err(|_| malformed(None))?;
    let scale = if suffix.is_empty() {
        1.0
    } else if let Some((_, f)) = BINARY.iter().chain(DECIMAL).find(|(s, _)| *s == suffix) {
        *f
    } else if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        let e: i32 = exp.parse().map_err(|_| malformed(None))?;
        10f64.powi(e)
    } else {
        // "4GB", "4gi", "512MB", "1gb": suggest the Kubernetes spellings.
        let first = suffix.chars().next().unwrap().to_ascii_uppercase();
        let suggestion = match first {
            'K' => Some(format!("\"{num}k\" or \"{num}Ki\"")),
            'M' | 'G' | 'T' | 'P' | 'E' => Some(format!("\"{num}{first}\" or \"{num}{first}i\"")),
            _ => None,
        };
        return Err(malformed(suggestion));
    };
    let value = base * scale;
    if !value.is_finite() {
        return Err(malformed(None));
    }
    Ok(Quantity { value, negative })
}

/// A size in bytes (`"512Mi"`, `"1.5Gi"`, `"1G"`, `"100"`), rounded up to a whole byte.
/// A negative quantity is an error of its own (`negative` in the message).
pub fn parse_bytes(text: &str) -> Result<u64, QuantityError> {
    let q = parse(text)?;
    if q.negative && q.value > 0.0 {
        return Err(QuantityError {
            message: format!("`{text}` is negative"),
            suggestion: None,
        });
    }
    if q.value >= u64::MAX as f64 {
        return Err(QuantityError {
            message: format!("`{text}` is too large"),
            suggestion: None,
        });
    }
    Ok(q.value.ceil() as u64)
}

/// CPU in millicores (`"500m"` is 500, `"2"` is 2000, `"0.5"` is 500), rounded up to 1m as
/// Kubernetes does.
pub fn parse_cpu_milli(text: &str) -> Result<u64, QuantityError> {
    let q = parse(text)?;
    if q.negative && q.value > 0.0 {
        return Err(QuantityError {
            message: format!("`{text}` is negative"),
            suggestion: None,
        });
    }
    cpu_milli_of(q.value).ok_or_else(|| QuantityError {
        message: format!("`{text}` is too large"),
        suggestion: None,
    })
}

/// Millicores of a number of cores (`0.5` is 500), rounded up; `None` if out of range.
pub fn cpu_milli_of(cores: f64) -> Option<u64> {
    let m = (cores * 1000.0 - 1e-9).ceil();
    (m.is_finite() && (0.0..1e15).contains(&m)).then_some(m.max(0.0) as u64)
}

/// Bytes as the shortest exact binary or decimal quantity (`"4Gi"`, `"1500M"`, `"100"`).
pub fn format_bytes(bytes: u64) -> String {
    for (suffix, f) in BINARY.iter().rev() {
        let f = *f as u64;
        if bytes >= f && bytes.is_multiple_of(f) {
            return format!("{}{suffix}", bytes / f);
        }
    }
    for (suffix, f) in DECIMAL[3..].iter().rev() {
        let f = *f as u64;
        if bytes >= f && bytes.is_multiple_of(f) {
            return format!("{}{suffix}", bytes / f);
        }
    }
    bytes.to_string()
}

/// Millicores as Kubernetes writes CPU (`"2"`, `"500m"`).
pub fn format_cpu(milli: u64) -> String {
    if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(parse_bytes("512Mi"), Ok(512 << 20));
        assert_eq!(parse_bytes("4Gi"), Ok(4 << 30));
        assert_eq!(parse_bytes("1G"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("1.5Gi"), Ok(3 << 29));
        assert_eq!(parse_bytes("100"), Ok(100));
        assert_eq!(parse_bytes("1e3"), Ok(1000));
        assert_eq!(parse_bytes("0"), Ok(0));
    }

    #[test]
    fn malformed_bytes_suggest() {
        let e = parse_bytes("4GB").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("\"4G\" or \"4Gi\""));
        let e = parse_bytes("512mb").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("\"512M\" or \"512Mi\""));
        assert!(parse_bytes("abc").is_err());
        assert!(parse_bytes("").is_err());
        assert!(parse_bytes("1.2.3Gi").is_err());
        assert!(parse_bytes("-1Gi")
            .unwrap_err()
            .message
            .contains("negative"));
    }

    #[test]
    fn cpu() {
        assert_eq!(parse_cpu_milli("500m"), Ok(500));
        assert_eq!(parse_cpu_milli("2"), Ok(2000));
        assert_eq!(parse_cpu_milli("0.5"), Ok(500));
        assert_eq!(parse_cpu_milli("0.0001"), Ok(1));
        assert_eq!(cpu_milli_of(1.5), Some(1500));
        assert!(parse_cpu_milli("-1").is_err());
        assert!(parse_cpu_milli("two").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_bytes(4 << 30), "4Gi");
        assert_eq!(format_bytes(1_500_000_000), "1500M");
        assert_eq!(format_bytes(100), "100");
        assert_eq!(format_cpu(2000), "2");
        assert_eq!(format_cpu(500), "500m");
    }
}
