//! `flyte-dsl run FILE --why ACTION`: why the matching actions waited.

use flyte_dsl::runtime::waits::action_name;
use flyte_dsl::runtime::RunOutcome;

/// Whether `text` matches a pattern of `*` (any run of characters) and `?` (one).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Classic two-pointer wildcard match, remembering the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Whether the action `id` of FQN `fqn` matches `pattern`: by its id (`train#3`), FQN or task
/// name.
pub fn matches(pattern: &str, fqn: &str, id: usize) -> bool {
    let task = fqn.rsplit('.').next().unwrap_or(fqn);
    glob(pattern, &action_name(fqn, id)) || glob(pattern, fqn) || glob(pattern, task)
}

/// The waits of every action whose id (`train#3`), FQN or task name matches `pattern`, one
/// block per action; a line saying so when none matches or none waited.
pub fn why_text(outcome: &RunOutcome, pattern: &str) -> String {
    let mut out = String::new();
    let mut matched = 0;
    for (id, a) in outcome.actions.iter().enumerate() {
        if !matches(pattern, &a.fqn, id) {
            continue;
        }
        let name = action_name(&a.fqn, id);
        matched += 1;
        let waits = outcome.waits.get(id).map_or(&[][..], Vec::as_slice);
        let total: i64 = waits.iter().map(|w| w.to - w.from).sum();
        if waits.is_empty() {
            out.push_str(&format!("{name} ({}) did not wait\n", a.fqn));
            continue;
        }
        out.push_str(&format!(
            "{name} ({}) waited {}:\n",
            a.fqn,
            flyte_dsl::human::human_duration(total)
        ));
        for w in waits {
            out.push_str(&format!("  {}\n", w.line()));
        }
    }
    if matched == 0 {
        out.push_str(&format!(
            "no action matches `{pattern}` (write an id like `train#3`, or an FQN pattern like `env.*`)\n"
        ));
    }
    out
}
