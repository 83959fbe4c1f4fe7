//! Short f-strings (`f"k{x % 97}"`), built in a register and stored whole.
//!
//! The general path ([`super::slow::fstring`]) writes the text into a buffer and makes a
//! string value of it. For a short result that costs more than the formatting: the value's
//! bytes are written in pieces (its length byte, then the text) and read back whole when it
//! is moved, a load the processor cannot forward from those stores, so it waits for them. Here
//! the text of up to [`SHORT`] bytes is built in a `u128` and the value's 24 bytes are stored
//! as two words, exactly the bytes `Value::Str(SmolStr::new_inline(text))` has (checked at
//! compile time, below).

use super::super::value::Value;
use super::frame::{drop_value, owns_nothing};
use crate::ir::FPart;
use smol_str::SmolStr;

/// The longest text built here: with its length byte before it, it fills at most the value's
/// first 16 bytes (one `u128`), and the rest of the value is zeros.
const SHORT: usize = 15;

/// The bytes of a `Value` holding `text` (at most 23 bytes) inline: its length, the text,
/// zeros.
const fn inline_bytes(text: &str) -> [u8; 24] {
    let t = text.as_bytes();
    let mut out = [0u8; 24];
    out[0] = t.len() as u8;
    let mut i = 0;
    while i < t.len() {
        out[i + 1] = t[i];
        i += 1;
    }
    out
}

/// Whether `Value::Str(SmolStr::new_inline(text))` is [`inline_bytes`]`(text)`.
const fn laid_out_so(text: &str) -> bool {
    // SAFETY: an inline string's 24 bytes are all initialized (its length and 23 bytes of
    // text, zero past the end), and a `Value` is 24 bytes (else this does not compile).
    let got: [u8; 24] = unsafe { std::mem::transmute(Value::Str(SmolStr::new_inline(text))) };
    let want = inline_bytes(text);
    let mut i = 0;
    while i < 24 {
        if got[i] != want[i] {
            return false;
        }
        i += 1;
    }
    true
}

// What `short` writes is a valid string value only with this layout: the build fails if a
// new `smol_str` or compiler lays an inline string out otherwise.
const _: () = assert!(
    laid_out_so("")
        && laid_out_so("k")
        && laid_out_so("k42")
        && laid_out_so("abcdefghijklmno")
        && laid_out_so("abcdefghijklmnopqrstuvw")
);

/// `bytes` as a little-endian number (at most 16 bytes).
#[inline(always)]
fn le(bytes: &[u8]) -> u128 {
    bytes.iter().rev().fold(0, |x, &b| (x << 8) | b as u128)
}

/// `i` in decimal as a little-endian number and its length, if it is at most `room` bytes.
#[inline(always)]
fn decimal(i: i64, room: usize) -> Option<(u128, usize)> {
    let mut n = i.unsigned_abs();
    let (mut x, mut len) = (0u128, 0);
    loop {
        if len == room {
            return None;
        }
        // The digits come last first: each goes in front of those before it.
        x = (x << 8) | (b'0' + (n % 10) as u8) as u128;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        if len == room {
            return None;
        }
        x = (x << 8) | b'-' as u128;
        len += 1;
    }
    Some((x, len))
}

/// Writes the f-string `parts` (fields read from `regs`) into `regs[dst]` when its text is at
/// most [`SHORT`] bytes and each field is an int or a string with no format spec; `false`,
/// nothing written, otherwise (the general path formats it).
#[inline(always)]
pub(super) fn short(regs: &mut [Value], dst: usize, parts: &[FPart]) -> bool {
    let (mut text, mut len) = (0u128, 0usize);
    for p in parts {
        let room = SHORT - len;
        let (x, n) = match p {
            FPart::Text(t) if t.len() <= room => (le(t.as_bytes()), t.len()),
            FPart::Field { reg, spec } if spec.as_deref().is_none_or(str::is_empty) => {
                match &regs[*reg as usize] {
                    Value::Int(i) => match decimal(*i, room) {
                        Some(d) => d,
                        None => return false,
                    },
                    Value::Str(s) if s.len() <= room => (le(s.as_bytes()), s.len()),
                    _ => return false,
                }
            }
            _ => return false,
        };
        // `len + n <= SHORT`: the shift and the text stay inside the `u128`.
        text |= x << (8 * len);
        len += n;
    }
    let slot: *mut Value = &mut regs[dst];
    // SAFETY: `slot` is a valid, aligned `Value`; its old value is moved out first and
    // dropped after, and the 24 bytes written are those of `Value::Str` holding the `len`
    // bytes of `text` inline (the layout asserted above; `len <= 15`, so bytes 16 to 23 are
    // zeros). The text is UTF-8: whole strings and ASCII digits, joined.
    unsafe {
        let old = std::ptr::read(slot);
        let bytes = slot.cast::<u8>();
        std::ptr::write_unaligned(bytes.cast::<u128>(), (text << 8) | len as u128);
        std::ptr::write_unaligned(bytes.add(16).cast::<u64>(), 0);
        if owns_nothing(&old) {
            std::mem::forget(old);
        } else {
            drop_value(old);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn text(t: &str) -> FPart {
        FPart::Text(Arc::from(t))
    }

    fn field(reg: u32, spec: Option<&str>) -> FPart {
        FPart::Field {
            reg,
            spec: spec.map(Arc::from),
        }
    }

    /// The f-string `parts` over registers `[dst, fields...]`, if built here.
    fn built(fields: &[Value], parts: &[FPart]) -> Option<Value> {
        let mut regs = vec![Value::str(&"x".repeat(40))];
        regs.extend(fields.iter().cloned());
        short(&mut regs, 0, parts).then(|| regs.swap_remove(0))
    }

    #[test]
    fn short_text_of_ints_and_strings_is_the_value_the_general_path_makes() {
        let cases: &[(&[Value], &[FPart], &str)] = &[
            (&[Value::Int(42)], &[text("k"), field(1, None)], "k42"),
            (&[Value::Int(-7)], &[field(1, Some(""))], "-7"),
            (
                &[Value::Int(0)],
                &[field(1, None), text("é"), field(1, None)],
                "0é0",
            ),
            (&[], &[], ""),
            (
                &[Value::Int(123_456_789_012_345)],
                &[field(1, None)],
                "123456789012345",
            ),
            (
                &[Value::str("ab"), Value::Int(-5)],
                &[field(1, None), text("-"), field(2, None)],
                "ab--5",
            ),
        ];
        for (fields, parts, want) in cases {
            let v = built(fields, parts).unwrap_or_else(|| panic!("not built: {want}"));
            assert_eq!(v, Value::str(want));
            let Value::Str(s) = &v else { unreachable!() };
            assert!(!s.is_heap_allocated());
        }
    }

    #[test]
    fn anything_else_is_left_to_the_general_path() {
        let cases: &[(&[Value], &[FPart])] = &[
            // Past 15 bytes.
            (&[Value::Int(1_234_567_890_123_456)], &[field(1, None)]),
            (&[Value::Int(i64::MIN)], &[field(1, None)]),
            (&[Value::Int(1)], &[text("fifteen bytes!!"), field(1, None)]),
            // A format spec, a float, a bool.
            (&[Value::Int(1)], &[field(1, Some(">5"))]),
            (&[Value::Float(1.5)], &[field(1, None)]),
            (&[Value::Bool(true)], &[field(1, None)]),
        ];
        for (fields, parts) in cases {
            let mut regs = vec![Value::Int(9)];
            regs.extend(fields.iter().cloned());
            assert!(!short(&mut regs, 0, parts), "{parts:?}");
            assert_eq!(regs[0], Value::Int(9));
        }
    }
}
