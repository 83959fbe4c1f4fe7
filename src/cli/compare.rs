//! `flyte-dsl compare FILE [TASK] --cluster A.toml --cluster B.toml ... [--seeds 1..20]`: the
//! script on every cluster and every seed, all runs at once on all cores (rayon), reduced to
//! one table (docs/capacity.md).
//!
//! The script is compiled once, against the first cluster, and checked against the others'
//! capacity (`E0309`); the program is shared by the threads (`Sync`), and each run builds its
//! own run state, arguments included, on the thread that makes it. Runs use no result cache.
//! A run that cannot depend on its seed (no spot preemption on the cluster, no `random()` in
//! the script) is made once per cluster and stands for every seed.

use super::run::{bind_args, compile_script, given_args, load_cluster, print_invalid};
use flyte_dsl::report::compare::{self, ClusterFigures, RunFigures};
use flyte_dsl::{frontend, runtime};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The seeds of `--seeds`: `A..B` (both included), one number, or a comma-separated list.
#[derive(Clone, Debug)]
pub struct Seeds(pub Vec<u64>);

/// Parses `--seeds`.
pub fn seeds(text: &str) -> Result<Seeds, String> {
    const MAX: u64 = 10_000;
    let num = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{s}` is not a seed (a whole number from 0)"))
    };
    let list = if let Some((a, b)) = text.split_once("..") {
        let (a, b) = (num(a)?, num(b.trim_start_matches('='))?);
        if b < a {
            return Err(format!(
                "the range {a}..{b} is empty (write the smaller seed first)"
            ));
        }
        if b - a >= MAX {
            return Err(format!("at most {MAX} seeds, not {}", b - a + 1));
        }
        (a..=b).collect()
    } else {
        text.split(',').map(num).collect::<Result<Vec<_>, _>>()?
    };
    if list.len() as u64 > MAX {
        return Err(format!("at most {MAX} seeds, not {}", list.len()));
    }
    Ok(Seeds(list))
}

/// What `compare` takes besides the script.
pub struct CompareArgs<'a> {
    pub task: Option<&'a str>,
    pub clusters: &'a [PathBuf],
    pub seeds: &'a [u64],
    pub json: bool,
    pub report: Option<&'a Path>,
    pub args: &'a [String],
    pub args_json: Option<&'a str>,
    pub import_roots: &'a [PathBuf],
    pub limits: runtime::Limits,
}

/// Whether a run on `cluster` can depend on its seed: the seed drives spot preemption (a spot
/// pool with a preemption rate) and `random()` (looked for in the text of every module the
/// script loaded, so a mention in a comment counts too: the answer errs towards running).
fn seed_matters(program: &runtime::Executable, cluster: &flyte_dsl::sim::Cluster) -> bool {
    let preempts = cluster.preemption_rate > 0.0 && cluster.pools.iter().any(|p| p.spot);
    preempts || program.loaded.texts.iter().any(|t| t.contains("random"))
}

pub fn compare(file: &Path, a: CompareArgs<'_>) -> i32 {
    if let Err(e) = std::fs::metadata(file) {
        eprintln!("error: cannot read {}: {e}", file.display());
        return 2;
    }
    let mut clusters = Vec::with_capacity(a.clusters.len());
    for path in a.clusters {
        match load_cluster(Some(path)) {
            Ok(c) => clusters.push(c),
            Err(code) => return code,
        }
    }
    let Some(first) = clusters.first() else {
        eprintln!("error: compare needs at least one --cluster FILE");
        return 2;
    };
    let (map, program) = match compile_script(file, first, a.json, a.import_roots) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // The constant requests must fit every cluster, as `run` asks of its one.
    for (cluster, path) in clusters.iter().zip(a.clusters).skip(1) {
        let mut diags = flyte_dsl::check::feasible::check(&program.checked, cluster);
        if diags.iter().any(|d| d.is_error()) {
            if !a.json {
                eprintln!("error: with --cluster {}:", path.display());
            }
            print_invalid(&mut diags, &map, a.json);
            return 1;
        }
    }
    let task = a.task.unwrap_or("main");
    let given = match given_args(a.args, a.args_json) {
        Ok(g) => g,
        Err(code) => return code,
    };
    // Bound once here for the errors; each run binds again on its own thread (values are
    // not `Send`).
    if let Err(code) = bind_args(&program, file, task, given.clone()) {
        return code;
    }
    // A cluster on which the seed changes nothing runs once, and that run stands for every
    // seed (the same inputs, the same run).
    let varies: Vec<bool> = clusters.iter().map(|c| seed_matters(&program, c)).collect();
    let jobs: Vec<(usize, u64)> = (0..clusters.len())
        .flat_map(|c| {
            let seeds = if varies[c] { a.seeds } else { &a.seeds[..1] };
            seeds.iter().map(move |&s| (c, s))
        })
        .collect();
    let figures: Vec<RunFigures> = jobs
        .par_iter()
        .map(|&(c, seed)| {
            let argv = frontend::bind(&program, task, given.clone()).unwrap_or_default();
            let opts = runtime::RunOptions {
                seed,
                limits: a.limits.clone(),
                ..Default::default()
            };
            let outcome = runtime::run(&program, task, argv, &clusters[c], opts);
            RunFigures::of(&outcome, seed)
        })
        .collect();
    let mut figures = figures.into_iter();
    let table: Vec<ClusterFigures> = a
        .clusters
        .iter()
        .zip(&varies)
        .map(|(path, &varies)| {
            let runs = if varies {
                figures.by_ref().take(a.seeds.len()).collect()
            } else {
                let one = figures.next();
                a.seeds
                    .iter()
                    .filter_map(|&seed| one.clone().map(|r| RunFigures { seed, ..r }))
                    .collect()
            };
            ClusterFigures::of(path.display().to_string(), runs)
        })
        .collect();
    if let Some(path) = a.report {
        let title = format!("{} — {task} on {} clusters", file.display(), table.len());
        if let Err(e) = std::fs::write(path, compare::html(&table, a.seeds, &title)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return 2;
        }
    }
    if a.json {
        println!("{}", compare::json(&table, a.seeds));
    } else {
        print!("{}", compare::table(&table, a.seeds));
    }
    0
}
