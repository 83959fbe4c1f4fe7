//! The part of a file a rendered diagnostic shows: only the lines from the first labelled one
//! to the last, each long line clipped to a window around its labels (marked with `…`), and
//! control characters replaced by visible symbols of the same width (ESC by `␛`, DEL by `␡`),
//! so rendering costs little however long the file or its lines, nothing from the source
//! reaches the terminal raw, and the underlines stay aligned.

use super::SourceFile;

/// Lines longer than this many bytes are clipped.
pub const MAX_LINE: usize = 200;
/// How many characters a clipped line shows before its first label.
const BEFORE: usize = 60;
/// Lines between labels beyond which the lines without a label are shown empty.
const MAX_GAP_LINES: usize = 50;

/// One line as shown.
struct Shown {
    /// The byte range of the original line shown (a window of it if clipped).
    window: std::ops::Range<usize>,
    /// The char offset in [`Excerpt::text`] where the window's first char is.
    at: usize,
}

/// The shown lines of one file.
pub struct Excerpt {
    /// The text given to ariadne: the shown lines, joined by `\n`.
    pub text: String,
    /// The 0-based line of the file the text starts at.
    pub first_line: usize,
    lines: Vec<Shown>,
}

/// The visible stand-in for a character that must not reach a terminal raw; one column wide,
/// like the character it replaces is counted.
pub fn visible(c: char) -> char {
    match c {
        '\t' => '\t',
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        // C1 controls, bidirectional overrides and isolates.
        '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
        c => c,
    }
}

/// A message with its control characters made visible.
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(|c| visible(c) == c) {
        s.into()
    } else {
        s.chars().map(visible).collect::<String>().into()
    }
}

impl Excerpt {
    /// The excerpt of `file` showing the byte offsets `points` (label starts and ends).
    pub fn new(file: &SourceFile, points: &[usize]) -> Excerpt {
        let text: &str = &file.text;
        let first_line = points
            .iter()
            .map(|&p| file.line_index(p as u32))
            .min()
            .unwrap_or(0);
        let last_line = points
            .iter()
            .map(|&p| file.line_index(p as u32))
            .max()
            .unwrap_or(0);
        let gap = last_line - first_line > MAX_GAP_LINES;
        let mut out = String::new();
        let mut chars = 0usize;
        let mut lines = Vec::with_capacity(last_line - first_line + 1);
        for line in first_line..=last_line {
            if line > first_line {
                out.push('\n');
                chars += 1;
            }
            let range = file.line_range(line);
            let anchor = points
                .iter()
                .copied()
                .filter(|p| range.contains(p) || *p == range.end)
                .min();
            let window = match anchor {
                None if gap => range.start..range.start,
                _ if range.len() <= MAX_LINE => range.clone(),
                None => range.start..char_end(text, range.start, MAX_LINE, range.end),
                Some(a) => {
                    let start = char_start(text, a, BEFORE, range.start);
                    start..char_end(text, start, MAX_LINE, range.end)
                }
            };
            if window.start > range.start {
                out.push('…');
                chars += 1;
            }
            let at = chars;
            for c in text[window.clone()].chars() {
                out.push(visible(c));
                chars += 1;
            }
            if window.end < range.end {
                out.push('…');
                chars += 1;
            }
            lines.push(Shown { window, at });
        }
        Excerpt {
            text: out,
            first_line,
            lines,
        }
    }

    /// Where a byte offset of the file is in [`Excerpt::text`], in chars (clamped to the
    /// window of its line).
    pub fn char_offset(&self, file: &SourceFile, offset: usize) -> usize {
        let line = file.line_index(offset as u32);
        let Some(shown) = line
            .checked_sub(self.first_line)
            .and_then(|i| self.lines.get(i))
        else {
            return self.text.chars().count();
        };
        let o = offset.clamp(shown.window.start, shown.window.end);
        let mut o2 = o;
        while !file.text.is_char_boundary(o2) {
            o2 -= 1;
        }
        let inside = file.text[shown.window.start..o2].chars().count();
        // An offset past the window (inside a clipped tail, or on the line's `\r`) points
        // just after it, where the `…` or the line end is.
        shown.at + inside + usize::from(offset > shown.window.end)
    }
}

impl Excerpt {
    /// The file's 1-based line and column for ariadne's line and column in the excerpt.
    pub fn unclip(&self, file: &SourceFile, line: usize, col: usize) -> (usize, usize) {
        let Some(shown) = line.checked_sub(1).and_then(|i| self.lines.get(i)) else {
            return (line + self.first_line, col);
        };
        let start = file.line_range(self.first_line + line - 1).start;
        if shown.window.start > start {
            let skipped = file.text[start..shown.window.start].chars().count();
            (
                line + self.first_line,
                (col + skipped).saturating_sub(1).max(1),
            )
        } else {
            (line + self.first_line, col)
        }
    }
}

/// The byte offset `n` chars before `from`, not before `floor`.
fn char_start(text: &str, from: usize, n: usize, floor: usize) -> usize {
    let mut i = from.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    for _ in 0..n {
        if i <= floor {
            break;
        }
        i -= 1;
        while !text.is_char_boundary(i) {
            i -= 1;
        }
    }
    i.max(floor)
}

/// The byte offset `n` chars after `from`, not after `ceil`.
fn char_end(text: &str, from: usize, n: usize, ceil: usize) -> usize {
    text[from..ceil]
        .char_indices()
        .nth(n)
        .map_or(ceil, |(i, _)| from + i)
}

/// The digits ariadne gives line numbers up to `n`.
fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

/// Ariadne numbers the lines of an excerpt from 1: renumbers them from each file's first
/// shown line, widening the margin to fit. `files` are the sources' names with their
/// excerpts; `out` is ariadne's output.
pub fn renumber(out: &str, files: &[(&str, &Excerpt)]) -> String {
    if files.iter().all(|(_, e)| e.first_line == 0) {
        return out.to_string();
    }
    let old_w = files
        .iter()
        .map(|(_, e)| digits(e.lines.len()))
        .max()
        .unwrap_or(1);
    let new_w = files
        .iter()
        .map(|(_, e)| digits(e.first_line + e.lines.len()))
        .max()
        .unwrap_or(1);
    let extra = new_w - old_w;
    let mut offset = files[0].1.first_line;
    let mut result = String::with_capacity(out.len() + 64);
    for (i, line) in out.split_inclusive('\n').enumerate() {
        if i == 0 {
            result.push_str(line);
            continue;
        }
        // Colour codes before the margin stay where they are.
        let mut rest = line;
        while rest.starts_with('\x1b') {
            let Some(m) = rest.find('m') else { break };
            result.push_str(&rest[..=m]);
            rest = &rest[m + 1..];
        }
        if let Some((_, e)) = files
            .iter()
            .find(|(name, _)| rest.contains(&format!("─[ {name}:")))
        {
            offset = e.first_line;
        }
        // The margin: a space, the line number right-aligned, a space.
        let margin: String = rest.chars().take(old_w + 2).collect();
        if margin.chars().all(|c| c == ' ' || c.is_ascii_digit()) && margin.len() == old_w + 2 {
            let tail = &rest[margin.len()..];
            match margin.trim().parse::<usize>() {
                Ok(n) => result.push_str(&format!(" {:>new_w$} ", n + offset)),
                Err(_) => result.push_str(&" ".repeat(new_w + 2)),
            }
            result.push_str(tail);
        } else if rest.starts_with('─') {
            result.push_str(&"─".repeat(extra));
            result.push_str(rest);
        } else {
            result.push_str(rest);
        }
    }
    result
}
