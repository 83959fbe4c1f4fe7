//! `flyte-dsl repl [FILE]`: explore environments and tasks interactively (README.md
//! section 2). The evaluation lives in [`session`] (no terminal there); this module is the
//! rustyline front end: line editing, history, highlighting and completion from the logos
//! token stream, input that continues while brackets, strings or blocks are open, and the
//! meta-commands. When stdin is not a terminal it reads statements from it with no prompt
//! and no colour, so `flyte-dsl repl < session.flyte` works in scripts.

mod session;

use flyte_dsl::syntax::lexer::{tokenize, LexError, Token, KEYWORDS};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper, Hinter};
use session::Session;
use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};

const META: &[&str] = &[
    ":help", ":type", ":env", ":tasks", ":export", ":cluster", ":load", ":reset", ":trace",
    ":report", ":quit",
];

const HELP: &str = "Enter declarations (env, task, fn, struct, import), statements or expressions.
Input continues while brackets, strings or blocks are open; an `if` or `try` statement
ends with an empty line (so `elif`, `else`, `except` or `finally` may follow). `await` works at the prompt;
each input that calls tasks is a run, followed by a one-line summary.

  :help           this text
  :type EXPR      the type of an expression
  :env NAME       an environment's settings, each with the level it came from
  :tasks          the tasks defined so far
  :export python [TASK]  the flyte-sdk module of what is defined so far
  :cluster        the cluster runs are simulated on
  :load FILE      add a file's declarations
  :reset          forget everything
  :trace FILE     write the last run's Chrome trace
  :report FILE    write the last run's HTML report
  :quit           leave (or Ctrl-D); Ctrl-C abandons the input or stops a running evaluation
";

/// Whether `src` is complete: no open bracket or block, no unterminated string.
pub fn is_complete(src: &str) -> bool {
    let mut depth = 0i64;
    let mut last_line_unterminated = false;
    for (tok, r) in tokenize(src) {
        match tok {
            Ok(Token::LParen | Token::LBracket | Token::LBrace) => depth += 1,
            Ok(Token::RParen | Token::RBracket | Token::RBrace) => depth -= 1,
            Err(LexError::UnterminatedString) => {
                last_line_unterminated =
                    r.end == src.trim_end_matches('\n').len() || r.end == src.len()
            }
            _ => {}
        }
    }
    // A decorator goes on to its task on the next line.
    let last = src
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    depth <= 0 && !last_line_unterminated && !last.trim_start().starts_with('@')
}

#[derive(Helper, Hinter)]
struct FlyteHelper {
    names: Vec<String>,
    colour: bool,
}

impl Validator for FlyteHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        // As in Python's REPL, an `if` or `try` statement ends with an empty line, so that an
        // `elif`, `else`, `except` or `finally` line may follow its `}`.
        let open_clause = matches!(first_word(input), "if" | "try") && !input.ends_with('\n');
        if input.starts_with(':') || (is_complete(input) && !open_clause) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Highlighter for FlyteHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.colour || line.starts_with(':') {
            return Cow::Borrowed(line);
        }
        let mut out = String::with_capacity(line.len() + 32);
        let mut at = 0;
        for (tok, r) in tokenize(line) {
            out.push_str(&line[at..r.start]);
            let text = &line[r.clone()];
            let colour = match tok {
                Ok(t) if t.is_keyword() => Some("35"),
                Ok(Token::Str | Token::FStr) => Some("32"),
                Ok(Token::Int | Token::Float | Token::Duration) => Some("36"),
                Ok(Token::Comment) => Some("90"),
                Err(_) => Some("31"),
                _ => None,
            };
            match colour {
                Some(c) => out.push_str(&format!("\x1b[{c}m{text}\x1b[0m")),
                None => out.push_str(text),
            }
            at = r.end;
        }
        out.push_str(&line[at..]);
        Cow::Owned(out)
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _forced: bool) -> bool {
        self.colour
    }
}

impl Completer for FlyteHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let word = &line[start..pos];
        let mut candidates: Vec<String> = Vec::new();
        if word.starts_with(':') {
            candidates.extend(META.iter().map(|s| s.to_string()));
        } else {
            candidates.extend(self.names.iter().cloned());
            candidates.extend(KEYWORDS.iter().map(|s| s.to_string()));
            candidates.extend(flyte_dsl::check::setting_names().map(str::to_string));
            candidates.extend(flyte_dsl::check::builtins::functions().map(str::to_string));
            candidates.extend(
                flyte_dsl::check::builtins::CONSTRUCTORS
                    .iter()
                    .map(|s| s.to_string()),
            );
            candidates.extend(flyte_dsl::resources::devices::all_devices().map(str::to_string));
        }
        candidates.sort();
        candidates.dedup();
        let pairs = candidates
            .into_iter()
            .filter(|c| c.starts_with(word) && !word.is_empty())
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

fn history_path() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })?;
    let dir = base.join("flyte-dsl");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history"))
}

/// Runs a meta-command; `None` means quit.
fn meta(s: &mut Session, line: &str) -> Option<session::Outcome> {
    let (cmd, arg) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(c, a)| (c, a.trim()));
    let ok = |t: String| session::Outcome {
        text: t,
        is_error: false,
    };
    let err = |t: String| session::Outcome {
        text: t,
        is_error: true,
    };
    Some(match cmd {
        ":quit" | ":q" => return None,
        ":help" | ":h" => ok(HELP.to_string()),
        ":type" | ":t" => s.type_of(arg),
        ":env" => s.env(arg),
        ":tasks" => s.tasks(),
        ":export" => s.export(arg),
        ":cluster" => ok(s.cluster.show()),
        ":load" => s.load(arg),
        ":reset" => {
            s.reset();
            ok("forgot everything\n".into())
        }
        ":trace" | ":report" => match &s.last {
            None => err("error: no run yet\n".into()),
            Some((record, summary)) => {
                let text = if cmd == ":trace" {
                    flyte_dsl::report::trace::trace_text(record)
                } else {
                    flyte_dsl::report::html::report(record, summary, "flyte-dsl repl")
                };
                match std::fs::write(arg, text) {
                    Ok(()) => ok(format!("wrote {arg}\n")),
                    Err(e) => err(format!("error: cannot write {arg}: {e}\n")),
                }
            }
        },
        other => err(format!(
            "error: unknown command {other}; :help lists them\n"
        )),
    })
}

fn show(o: &session::Outcome) {
    if o.is_error {
        eprint!("{}", o.text);
    } else {
        print!("{}", o.text);
    }
    let _ = std::io::stdout().flush();
}

/// Handles one complete input; `false` to quit.
fn handle(s: &mut Session, input: &str) -> bool {
    let t = input.trim();
    if t.starts_with(':') {
        match meta(s, t) {
            Some(o) => show(&o),
            None => return false,
        }
    } else {
        show(&s.eval(input));
    }
    true
}

pub fn main(
    file: Option<&std::path::Path>,
    cluster: flyte_dsl::sim::Cluster,
    granted: Vec<std::path::PathBuf>,
) -> i32 {
    let interactive = std::io::stdin().is_terminal();
    let colour = interactive && std::io::stdout().is_terminal() && !crate::cli::no_color();
    let mut s = Session::new(cluster, colour);
    s.import_roots.extend(granted);
    // Ctrl-C while a run evaluates stops it (the session stays); at the prompt rustyline reads it.
    let cancel = s.cancel.clone();
    let _ = ctrlc::set_handler(move || cancel.store(true, std::sync::atomic::Ordering::Relaxed));
    if let Some(f) = file {
        show(&s.load(&f.display().to_string()));
    }
    if !interactive {
        // Statements from stdin, no prompt, no colour.
        // A complete `if` or `try` statement is held for one more line: as in a file,
        // `elif`, `else`, `except` or `finally` may start the next line (blank lines between).
        let mut buf = String::new();
        let mut held: Option<String> = None;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if let Some(h) = held.take() {
                if line.trim().is_empty() || starts_clause(&line) {
                    buf = h;
                } else if !handle(&mut s, &h) {
                    return 0;
                }
            }
            buf.push_str(&line);
            buf.push('\n');
            if buf.trim_start().starts_with(':') || is_complete(&buf) {
                let input = std::mem::take(&mut buf);
                if matches!(first_word(&input), "if" | "try") {
                    held = Some(input);
                } else if !handle(&mut s, &input) {
                    return 0;
                }
            }
        }
        let rest = held.unwrap_or_default() + &buf;
        if !rest.trim().is_empty() {
            handle(&mut s, &rest);
        }
        return 0;
    }
    let config = rustyline::Config::builder().auto_add_history(true).build();
    let mut rl: Editor<FlyteHelper, rustyline::history::DefaultHistory> =
        match Editor::with_config(config) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: cannot start the line editor: {e}");
                return 2;
            }
        };
    rl.set_helper(Some(FlyteHelper {
        names: s.names(),
        colour,
    }));
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!(
        "flyte-dsl {} REPL. :help for help, Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    );
    loop {
        match rl.readline(">>> ") {
            Ok(line) => {
                if !handle(&mut s, &line) {
                    break;
                }
                if let Some(h) = rl.helper_mut() {
                    h.names = s.names();
                }
            }
            Err(ReadlineError::Interrupted) => {
                println!("(input abandoned)");
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    0
}

fn first_word(s: &str) -> &str {
    let s = s.trim_start();
    &s[..s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len())]
}

/// Whether `line` starts with a clause that continues an `if` or `try` statement.
fn starts_clause(line: &str) -> bool {
    matches!(first_word(line), "elif" | "else" | "except" | "finally")
}

#[cfg(test)]
mod tests {
    use super::{is_complete, FlyteHelper};
    use rustyline::completion::Completer;
    use rustyline::highlight::Highlighter;

    fn complete(h: &FlyteHelper, line: &str) -> Vec<String> {
        let history = rustyline::history::DefaultHistory::new();
        let ctx = rustyline::Context::new(&history);
        h.complete(line, line.len(), &ctx)
            .unwrap()
            .1
            .into_iter()
            .map(|p| p.replacement)
            .collect()
    }

    #[test]
    fn completion_of_names_keywords_fields_devices_and_commands() {
        let h = FlyteHelper {
            names: vec!["my_env".into(), "train".into()],
            colour: false,
        };
        assert_eq!(complete(&h, ":ta"), [":tasks"]);
        assert_eq!(complete(&h, "let x = tr"), ["train", "true", "try"]);
        assert!(complete(&h, "Resources(mem").contains(&"memory".to_string()));
        assert!(complete(&h, "ReusePolicy(rep").contains(&"replicas".to_string()));
        assert!(complete(&h, "ReusePolicy(scaled").contains(&"scaledown_ttl".to_string()));
        assert!(complete(&h, "GPU(\"A100\", quan").contains(&"quantity".to_string()));
        assert_eq!(complete(&h, "t.override(short"), ["short_name"]);
        assert!(complete(&h, "gpu = \"A1").contains(&"A100".to_string()));
        assert!(complete(&h, "Task").contains(&"TaskEnvironment".to_string()));
        assert_eq!(complete(&h, "asy"), ["async"]);
    }

    #[test]
    fn highlighting_colours_tokens_only_with_colour() {
        let on = FlyteHelper {
            names: vec![],
            colour: true,
        };
        let line = "let s = \"x\" # note";
        let h = on.highlight(line, 0);
        assert!(
            h.contains("\x1b[35mlet\x1b[0m")
                && h.contains("\x1b[32m\"x\"\x1b[0m")
                && h.contains("\x1b[90m# note")
        );
        let off = FlyteHelper {
            names: vec![],
            colour: false,
        };
        assert_eq!(off.highlight(line, 0), line);
    }

    #[test]
    fn completeness() {
        assert!(is_complete("1 + 2"));
        assert!(!is_complete("f(1,"));
        assert!(!is_complete("@e\ntask t() -> int {"));
        assert!(is_complete("@e\ntask t() -> int {\n    return 1\n}"));
        assert!(!is_complete("let s = \"abc"));
        assert!(!is_complete("let d = {\"a\": 1,"));
        assert!(!is_complete("@e\n"));
    }
}
