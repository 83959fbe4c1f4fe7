//! The command line (README.md), a front end over the library.
//!
//! Exit statuses: 0 success; 1 the script has errors (or the run failed); 2 usage errors (a bad
//! flag, a missing file, an unknown code). Diagnostics go to stderr, results to stdout; colour
//! only on a terminal, and never when `NO_COLOR` is set.

mod compare;
mod export;
mod fmt;
mod run;
mod why;

use clap::{Parser, Subcommand, ValueEnum};
use flyte_dsl::diagnostics::{self, codes, SourceMap};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "flyte-dsl",
    version,
    about = "Check and simulate Flyte 2 task environments and tasks written in .flyte"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files for errors without running anything.
    Check {
        /// The .flyte files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the diagnostics as one JSON object on stdout (as `--format json`).
        #[arg(long)]
        json: bool,
        /// How to print the diagnostics: `human` (stderr), `json`, `sarif` (SARIF 2.1.0, for
        /// code scanning) or `github` (workflow annotations), the last three on stdout.
        #[arg(long, value_enum, default_value = "human", conflicts_with = "json")]
        format: CheckFormat,
        /// The cluster constant resource requests must fit (default: the built-in cluster).
        #[arg(long)]
        cluster: Option<PathBuf>,
        /// Imports may also read files under DIR (repeatable; by default only the script's own folder and below).
        #[arg(long = "import-root", value_name = "DIR")]
        import_root: Vec<PathBuf>,
    },
    /// Print the page about a diagnostic code (E0102) or an error type (ValueError); with
    /// nothing, list them all.
    Explain {
        /// The code or the error type; none lists every code and type.
        code: Option<String>,
    },
    /// Run a task (default `main`) on the simulated cluster.
    Run {
        /// The .flyte file.
        file: PathBuf,
        /// The task to run.
        task: Option<String>,
        #[command(flatten)]
        inputs: TaskInputs,
        /// A cluster TOML file (default: the built-in cluster).
        #[arg(long)]
        cluster: Option<PathBuf>,
        /// Seed for preemption and `random()`.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Print the run summary as one JSON object.
        #[arg(long)]
        json: bool,
        /// Write the schedule in the Chrome Trace Event format (open it in Perfetto).
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
        /// Write a self-contained HTML report.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Print why ACTION waited (an id like `train#3`, or an FQN pattern like `ml.*`).
        #[arg(long, value_name = "ACTION")]
        why: Option<String>,
        /// Write every attempt's metrics (submission, waiting, execution, turnaround, stretch,
        /// node, resources) as CSV.
        #[arg(long, value_name = "FILE")]
        actions_csv: Option<PathBuf>,
        /// With --json: add the `action_list` array, every attempt's metrics.
        #[arg(long, requires = "json")]
        actions: bool,
        /// Keep the cache in DIR/cache.db (default: .flyte/cache.db beside the script).
        #[arg(long, value_name = "DIR", conflicts_with = "no_cache_store")]
        cache_dir: Option<PathBuf>,
        /// Keep the cache in memory only, for this run.
        #[arg(long)]
        no_cache_store: bool,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// Run a task on several clusters and seeds at once and compare makespan, cost, waiting,
    /// utilization and failures in one table.
    Compare {
        /// The .flyte file.
        file: PathBuf,
        /// The task to run.
        task: Option<String>,
        /// A cluster TOML file to compare (repeat it: one per cluster).
        #[arg(long = "cluster", value_name = "FILE", required = true)]
        clusters: Vec<PathBuf>,
        /// The seeds each cluster runs with: `A..B` (both included), `N`, or `A,B,C`.
        #[arg(long, value_name = "A..B", default_value = "0", value_parser = compare::seeds)]
        seeds: compare::Seeds,
        /// Print the comparison as one JSON object.
        #[arg(long)]
        json: bool,
        /// Write an HTML page drawing cost against makespan, one point per cluster.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        #[command(flatten)]
        inputs: TaskInputs,
        #[command(flatten)]
        limits: RunLimits,
    },
    /// List or clear the result cache.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Rewrite files in the canonical layout (`-`: standard input to standard output).
    Fmt {
        /// The .flyte files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 when a file is not formatted.
        #[arg(long)]
        check: bool,
    },
    /// Serve the Language Server Protocol on standard input and output (for editors).
    Lsp,
    /// Explore environments and tasks interactively.
    Repl {
        /// A .flyte file to load first.
        file: Option<PathBuf>,
        /// A cluster TOML file (default: the built-in cluster).
        #[arg(long)]
        cluster: Option<PathBuf>,
        /// Imports may also read files under DIR (repeatable; by default only the current folder and below).
        #[arg(long = "import-root", value_name = "DIR")]
        import_root: Vec<PathBuf>,
    },
    /// Work with clusters.
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Export a script for a real Flyte deployment.
    Export {
        #[command(subcommand)]
        target: ExportTarget,
    },
}

/// A task's arguments, as `run` and `compare` take them.
#[derive(clap::Args)]
struct TaskInputs {
    /// A task argument, read by the parameter's type (JSON for lists, dicts, structs).
    #[arg(long = "arg", value_name = "NAME=VALUE")]
    args: Vec<String>,
    /// All task arguments as one JSON object.
    #[arg(long = "args-json", value_name = "JSON")]
    args_json: Option<String>,
}

/// Where imports may read, and what bounds each run, as `run` and `compare` take them.
#[derive(clap::Args)]
struct RunLimits {
    /// Imports may also read files under DIR (repeatable; by default only the script's own folder and below).
    #[arg(long = "import-root", value_name = "DIR")]
    import_root: Vec<PathBuf>,
    /// Stop a run (E0704) after this many seconds of real time; 0: no limit.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = seconds)]
    max_wall_time: f64,
    /// Stop a run (E0707) when its values hold more memory than this (`512Mi`, `2Gi`);
    /// 0: no limit.
    #[arg(long, value_name = "SIZE", default_value = "1Gi", value_parser = bytes)]
    max_memory: u64,
}

impl RunLimits {
    /// The run's limits (0: none).
    fn limits(&self) -> flyte_dsl::runtime::Limits {
        flyte_dsl::runtime::Limits {
            max_wall_time: (self.max_wall_time > 0.0)
                .then(|| std::time::Duration::from_secs_f64(self.max_wall_time)),
            max_memory: (self.max_memory > 0).then_some(self.max_memory),
            ..Default::default()
        }
    }
}

#[derive(Subcommand)]
enum ExportTarget {
    /// A flyte-sdk 2.x Python module (`flyte run --local OUT.py main` runs it).
    Python(ExportArgs),
    /// For each task, the Kubernetes pod specification its resources imply, as YAML.
    K8s(ExportArgs),
}

/// What both exports take.
#[derive(clap::Args)]
struct ExportArgs {
    /// The .flyte file.
    file: PathBuf,
    /// Write to OUT (default: stdout).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    out: Option<PathBuf>,
    /// The cluster constant resource requests must fit (default: the built-in cluster).
    #[arg(long)]
    cluster: Option<PathBuf>,
    /// Imports may also read files under DIR (repeatable; by default only the script's own folder and below).
    #[arg(long = "import-root", value_name = "DIR")]
    import_root: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum CacheCommand {
    /// List the entries: FQN, version, inputs hash, size, when stored.
    List {
        /// A script: its cache, as `run` keeps it (.flyte/cache.db beside it); a folder: the
        /// cache in its .flyte (default: the current folder's).
        #[arg(value_name = "SCRIPT", conflicts_with = "cache_dir")]
        script: Option<PathBuf>,
        /// The cache's folder itself (as given to `run --cache-dir`).
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
    /// Remove every entry, or those of one task.
    Clear {
        /// A script: its cache, as `run` keeps it (.flyte/cache.db beside it); a folder: the
        /// cache in its .flyte (default: the current folder's).
        #[arg(value_name = "SCRIPT", conflicts_with = "cache_dir")]
        script: Option<PathBuf>,
        /// Only this task's entries (its FQN, `env-name.task`).
        #[arg(long, value_name = "FQN")]
        task: Option<String>,
        /// The cache's folder itself (as given to `run --cache-dir`).
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ClusterCommand {
    /// Print a cluster's pools and settings.
    Show {
        /// A cluster TOML file (default: the built-in cluster).
        #[arg(long)]
        cluster: Option<PathBuf>,
    },
}

/// Runs the command line; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
        }
    };
    match cli.command {
        Command::Check {
            files,
            json,
            format,
            cluster,
            import_root,
        } => match (
            run::load_cluster(cluster.as_deref()),
            check_roots(&import_root),
        ) {
            (Ok(c), Ok(())) => {
                let format = if json { CheckFormat::Json } else { format };
                check(&files, format, &c, &import_root)
            }
            (Err(code), _) | (_, Err(code)) => code,
        },
        Command::Explain { code: None } => {
            print!("{}", codes::index());
            0
        }
        Command::Explain { code: Some(code) } => explain(&code),
        Command::Run {
            file,
            task,
            inputs,
            cluster,
            seed,
            json,
            trace,
            report,
            why,
            actions_csv,
            actions,
            cache_dir,
            no_cache_store,
            limits,
        } => run::run(
            &file,
            task.as_deref(),
            &inputs.args,
            inputs.args_json.as_deref(),
            cluster.as_deref(),
            seed,
            json,
            run::Outputs {
                trace: trace.as_deref(),
                report: report.as_deref(),
                why: why.as_deref(),
                actions_csv: actions_csv.as_deref(),
                action_list: actions,
                cache_dir: cache_dir.as_deref(),
                no_cache_store,
                import_roots: &limits.import_root,
                limits: limits.limits(),
            },
        ),
        Command::Compare {
            file,
            task,
            clusters,
            seeds,
            json,
            report,
            inputs,
            limits,
        } => match check_roots(&limits.import_root) {
            Ok(()) => compare::compare(
                &file,
                compare::CompareArgs {
                    task: task.as_deref(),
                    clusters: &clusters,
                    seeds: &seeds.0,
                    json,
                    report: report.as_deref(),
                    args: &inputs.args,
                    args_json: inputs.args_json.as_deref(),
                    import_roots: &limits.import_root,
                    limits: limits.limits(),
                },
            ),
            Err(code) => code,
        },
        Command::Cache { command } => run::cache(command_of(command)),
        Command::Repl {
            file,
            cluster,
            import_root,
        } => match (
            run::load_cluster(cluster.as_deref()),
            check_roots(&import_root),
        ) {
            (Ok(c), Ok(())) => crate::repl::main(file.as_deref(), c, import_root),
            (Err(code), _) | (_, Err(code)) => code,
        },
        Command::Cluster {
            command: ClusterCommand::Show { cluster },
        } => match run::load_cluster(cluster.as_deref()) {
            Ok(c) => {
                print!("{}", c.show());
                0
            }
            Err(code) => code,
        },
        Command::Fmt { files, check } => fmt::fmt(&files, check),
        Command::Lsp => flyte_dsl::lsp::serve(),
        Command::Export { target } => {
            let (which, a) = match target {
                ExportTarget::Python(a) => (export::Target::Python, a),
                ExportTarget::K8s(a) => (export::Target::K8s, a),
            };
            match check_roots(&a.import_root) {
                Ok(()) => export::export(
                    which,
                    &a.file,
                    a.out.as_deref(),
                    a.cluster.as_deref(),
                    &a.import_root,
                ),
                Err(code) => code,
            }
        }
    }
}

fn command_of(c: CacheCommand) -> run::CacheCmd {
    match c {
        CacheCommand::List { script, cache_dir } => run::CacheCmd::List {
            dir: run::cache_dir(script.as_deref(), cache_dir),
        },
        CacheCommand::Clear {
            script,
            task,
            cache_dir,
        } => run::CacheCmd::Clear {
            task,
            dir: run::cache_dir(script.as_deref(), cache_dir),
        },
    }
}

pub(crate) fn use_colour() -> bool {
    !no_color() && std::io::stderr().is_terminal()
}

/// `NO_COLOR` set to a non-empty value (<https://no-color.org>: an empty one does not count).
pub(crate) fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `Err(2)` after reporting an `--import-root` that is not a folder.
fn check_roots(roots: &[PathBuf]) -> Result<(), i32> {
    for r in roots {
        if !r.is_dir() {
            eprintln!("error: --import-root {} is not a folder", r.display());
            return Err(2);
        }
    }
    Ok(())
}

/// The folders a script's imports may read: its own and the granted ones.
pub(crate) fn import_roots(file: &std::path::Path, granted: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots = vec![flyte_dsl::check::imports::script_root(file)];
    roots.extend(granted.iter().cloned());
    roots
}

/// How `check` prints its diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Rendered for people, on stderr.
    Human,
    /// `{"diagnostics": [...]}` on stdout.
    Json,
    /// A SARIF 2.1.0 log on stdout.
    Sarif,
    /// GitHub Actions workflow annotations on stdout.
    Github,
}

fn check(
    files: &[PathBuf],
    format: CheckFormat,
    cluster: &flyte_dsl::sim::Cluster,
    granted: &[PathBuf],
) -> i32 {
    let mut map = SourceMap::new();
    let mut all = Vec::new();
    for path in files {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return 2;
            }
        };
        if bytes.len() > u32::MAX as usize {
            eprintln!("error: {} is larger than 4 GiB", path.display());
            return 2;
        }
        all.extend(flyte_dsl::check_source_with(
            &mut map,
            &path.display().to_string(),
            &bytes,
            &flyte_dsl::check::Options::default(),
            &flyte_dsl::check::imports::relative_files(&import_roots(path, granted)),
            cluster,
        ));
    }
    let errors = all.iter().filter(|d| d.is_error()).count();
    let warnings = all.len() - errors;
    let total = all.len();
    let everything = if matches!(format, CheckFormat::Sarif | CheckFormat::Github) {
        all.clone()
    } else {
        Vec::new()
    };
    let dropped = diagnostics::limit(&mut all, diagnostics::MAX_PER_FILE);
    if format == CheckFormat::Sarif {
        // Code scanning wants every result: the per-file cap is for terminals.
        println!("{}", diagnostics::to_sarif(&everything, &map));
    } else if format == CheckFormat::Github {
        print!("{}", diagnostics::to_github(&everything, &map));
    } else if format == CheckFormat::Json {
        let diags: Vec<_> = all.iter().map(|d| d.to_json(&map)).collect();
        let mut out = serde_json::json!({ "diagnostics": diags });
        if dropped > 0 {
            out["not_shown"] = dropped.into();
        }
        println!("{out}");
    } else {
        let colour = use_colour();
        let mut err = std::io::stderr().lock();
        for d in &all {
            let _ = err.write_all(diagnostics::render(d, &map, colour).as_bytes());
        }
        if dropped > 0 {
            let _ = writeln!(err, "{}", diagnostics::not_shown(dropped));
        }
        if total > 0 {
            let _ = writeln!(
                err,
                "{} error{}, {} warning{} in {} file{}",
                errors,
                plural(errors),
                warnings,
                plural(warnings),
                files.len(),
                plural(files.len())
            );
        } else if std::io::stderr().is_terminal() {
            // Silence is success when piped; a person at a terminal is told it ran.
            let _ = writeln!(
                err,
                "checked {} file{}: no errors, no warnings",
                files.len(),
                plural(files.len())
            );
        }
    }
    i32::from(errors > 0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn explain(code: &str) -> i32 {
    match codes::explain(code) {
        Some(page) => {
            print!("{page}");
            0
        }
        None => {
            eprintln!(
                "error: `{code}` is neither a diagnostic code nor an error type; \
                 `flyte-dsl explain` with nothing lists them all"
            );
            2
        }
    }
}

/// `--max-wall-time`: a number of seconds, at least 0.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=1e9).contains(&s) => Ok(s),
        _ => Err(format!(
            "expected a number of seconds from 0 to 1e9, found `{text}`"
        )),
    }
}

/// `--max-memory`: a quantity of bytes (`512Mi`, `2Gi`).
fn bytes(text: &str) -> Result<u64, String> {
    flyte_dsl::resources::quantity::parse_bytes(text).map_err(|e| e.message)
}
