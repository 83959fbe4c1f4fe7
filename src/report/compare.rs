//! What `flyte-dsl compare` shows (docs/capacity.md): the same script on several clusters and
//! seeds, each run reduced to a few figures ([`RunFigures`]), the runs of one cluster to their
//! mean and range over the seeds ([`ClusterFigures`]), and these as a table with the best
//! value per column marked ([`table`]), as JSON ([`json`]), and as an HTML page drawing cost
//! against makespan, one point per cluster with its range ([`html`]).

use super::actions::{Stats, View};
use crate::human::human_duration;
use crate::runtime::{ActState, RunOutcome};
use std::fmt::Write as _;

/// One run in numbers (`Send`: the runs of a comparison are made on several threads).
#[derive(Clone, Debug, PartialEq)]
pub struct RunFigures {
    pub seed: u64,
    /// Seconds.
    pub makespan: f64,
    pub cost_usd: f64,
    /// Mean waiting time of the attempts, seconds.
    pub mean_waiting: f64,
    /// Mean utilization of each resource of the cluster (`cpu`, `memory`, `gpu:A100`, ...).
    pub utilization: Vec<(String, f64)>,
    /// Actions that failed (retries exhausted, or never placed).
    pub failures: u64,
    /// The run itself failed (its task raised, or a limit stopped it).
    pub failed: bool,
}

impl RunFigures {
    pub fn of(o: &RunOutcome, seed: u64) -> RunFigures {
        RunFigures {
            seed,
            makespan: o.summary.makespan as f64 / 1e9,
            cost_usd: o.summary.cost_usd,
            mean_waiting: Stats::of(View::of(o)).mean_waiting as f64 / 1e9,
            utilization: o
                .summary
                .utilization
                .iter()
                .map(|(k, u)| (k.clone(), u.mean))
                .collect(),
            failures: o
                .actions
                .iter()
                .filter(|a| matches!(a.state, ActState::Failed | ActState::Pending))
                .count() as u64,
            failed: o.result.is_err(),
        }
    }

    /// The utilization the table shows: CPU's.
    fn cpu(&self) -> f64 {
        self.utilization
            .iter()
            .find(|(k, _)| k == "cpu")
            .map_or(0.0, |u| u.1)
    }
}

/// Mean and range of one figure over the seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let (mut n, mut sum, mut min, mut max) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            n += 1;
            sum += v;
            min = min.min(v);
            max = max.max(v);
        }
        if n == 0 {
            return Spread {
                mean: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        Spread {
            mean: sum / n as f64,
            min,
            max,
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({"mean": round6(self.mean), "min": round6(self.min), "max": round6(self.max)})
    }
}

fn round6(x: f64) -> f64 {
    if x.abs() >= 1e10 {
        return x;
    }
    (x * 1e6).round() / 1e6
}

/// The columns of the comparison, in order: the figure's key in JSON, its heading, and
/// whether lower is better.
pub const COLUMNS: [(&str, &str, bool); 5] = [
    ("makespan_s", "makespan", true),
    ("cost_usd", "cost", true),
    ("mean_waiting_s", "mean waiting", true),
    ("cpu_utilization", "CPU utilization", false),
    ("failures", "failed actions", true),
];

/// One cluster over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterFigures {
    /// As given on the command line.
    pub name: String,
    pub runs: Vec<RunFigures>,
    /// In [`COLUMNS`] order.
    pub columns: [Spread; 5],
    /// Mean utilization of every resource, over the seeds.
    pub utilization: Vec<(String, Spread)>,
}

impl ClusterFigures {
    pub fn of(name: String, runs: Vec<RunFigures>) -> ClusterFigures {
        let columns = [
            Spread::of(runs.iter().map(|r| r.makespan)),
            Spread::of(runs.iter().map(|r| r.cost_usd)),
            Spread::of(runs.iter().map(|r| r.mean_waiting)),
            Spread::of(runs.iter().map(RunFigures::cpu)),
            Spread::of(runs.iter().map(|r| r.failures as f64)),
        ];
        let keys: Vec<String> = runs
            .first()
            .map(|r| r.utilization.iter().map(|u| u.0.clone()).collect())
            .unwrap_or_default();
        let utilization = keys
            .into_iter()
            .enumerate()
            .map(|(j, k)| {
                let s = Spread::of(
                    runs.iter()
                        .filter_map(|r| r.utilization.get(j).map(|u| u.1)),
                );
                (k, s)
            })
            .collect();
        ClusterFigures {
            name,
            runs,
            columns,
            utilization,
        }
    }
}

/// For each column, the clusters whose mean is the best (ties all marked).
pub fn best(clusters: &[ClusterFigures]) -> [Vec<usize>; 5] {
    std::array::from_fn(|c| {
        let lower = COLUMNS[c].2;
        let means: Vec<f64> = clusters.iter().map(|k| k.columns[c].mean).collect();
        let best = means.iter().copied().fold(None, |b: Option<f64>, m| {
            Some(match b {
                None => m,
                Some(b) if lower => b.min(m),
                Some(b) => b.max(m),
            })
        });
        // Equal up to rounding (a cost summed in another order) is a tie.
        let close = |m: f64, b: f64| (m - b).abs() <= 1e-9 * b.abs().max(1e-9);
        (0..clusters.len())
            .filter(|&i| best.is_some_and(|b| close(means[i], b)))
            .collect()
    })
}

/// A figure as the table shows it.
fn show(column: usize, v: f64) -> String {
    match column {
        0 | 2 => human_duration((v * 1e9).round() as i64),
        1 => format!("${v:.4}"),
        3 => format!("{:.1}%", v * 100.0),
        _ => {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        }
    }
}

/// The table: one line per cluster, each column `mean (min–max)` over the seeds, `*` after
/// the best mean of each column.
pub fn table(clusters: &[ClusterFigures], seeds: &[u64]) -> String {
    let best = best(clusters);
    let mut cells: Vec<Vec<String>> = vec![std::iter::once("cluster".to_string())
        .chain(COLUMNS.iter().map(|c| c.1.to_string()))
        .collect()];
    for (i, k) in clusters.iter().enumerate() {
        let mut row = vec![k.name.clone()];
        for (c, s) in k.columns.iter().enumerate() {
            let mark = if best[c].contains(&i) && clusters.len() > 1 {
                " *"
            } else {
                ""
            };
            let text = if seeds.len() > 1 {
                format!(
                    "{} ({}–{}){mark}",
                    show(c, s.mean),
                    show(c, s.min),
                    show(c, s.max)
                )
            } else {
                format!("{}{mark}", show(c, s.mean))
            };
            row.push(text);
        }
        cells.push(row);
    }
    let widths: Vec<usize> = (0..cells[0].len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}", w = *w))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    let failed: usize = clusters
        .iter()
        .map(|k| k.runs.iter().filter(|r| r.failed).count())
        .sum();
    let _ = writeln!(
        out,
        "{}; * best mean per column",
        if seeds.len() > 1 {
            format!(
                "mean (min–max) over {} seeds, {}",
                seeds.len(),
                seed_text(seeds)
            )
        } else {
            format!("seed {}", seeds.first().copied().unwrap_or(0))
        }
    );
    if failed > 0 {
        let _ = writeln!(
            out,
            "{failed} run{} failed (see `compare --json` or `run` for the errors)",
            if failed == 1 { "" } else { "s" }
        );
    }
    out
}

/// `1..20`, or the seeds listed.
fn seed_text(seeds: &[u64]) -> String {
    let consecutive = seeds.windows(2).all(|w| w[1] == w[0] + 1);
    match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if consecutive && seeds.len() > 2 => format!("seeds {a}..{b}"),
        _ => format!(
            "seeds {}",
            seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The comparison as data: per cluster, each column's mean, min and max over the seeds, the
/// utilization of every resource, the runs, and the columns it is best in.
pub fn json(clusters: &[ClusterFigures], seeds: &[u64]) -> serde_json::Value {
    let best = best(clusters);
    let list: Vec<serde_json::Value> = clusters
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut o = serde_json::Map::new();
            o.insert("cluster".into(), k.name.clone().into());
            for (c, (key, ..)) in COLUMNS.iter().enumerate() {
                o.insert((*key).into(), k.columns[c].json());
            }
            o.insert(
                "utilization".into(),
                k.utilization
                    .iter()
                    .map(|(key, s)| (key.clone(), s.json()))
                    .collect::<serde_json::Map<_, _>>()
                    .into(),
            );
            o.insert(
                "failed_runs".into(),
                k.runs.iter().filter(|r| r.failed).count().into(),
            );
            o.insert(
                "best".into(),
                COLUMNS
                    .iter()
                    .enumerate()
                    .filter(|(c, _)| best[*c].contains(&i))
                    .map(|(_, col)| serde_json::Value::from(col.0))
                    .collect(),
            );
            o.insert(
                "runs".into(),
                k.runs
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "seed": r.seed,
                            "status": if r.failed { "failed" } else { "succeeded" },
                            "makespan_s": round6(r.makespan),
                            "cost_usd": round6(r.cost_usd),
                            "mean_waiting_s": round6(r.mean_waiting),
                            "cpu_utilization": round6(r.cpu()),
                            "failures": r.failures,
                        })
                    })
                    .collect(),
            );
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::json!({"seeds": seeds, "clusters": list})
}

/// A round step (1, 2, 2.5 or 5 times a power of ten) of which five reach past `max`.
fn nice_step(max: f64) -> f64 {
    let raw = (max * 1.02 / 5.0).max(1e-9);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * p)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The comparison page: cost against makespan, one point per cluster at its means with bars
/// over its min–max range on both axes, and the table. Self-contained (inline SVG, no script).
pub fn html(clusters: &[ClusterFigures], seeds: &[u64], title: &str) -> String {
    const W: f64 = 760.0;
    const H: f64 = 460.0;
    const L: f64 = 90.0;
    const B: f64 = 50.0;
    const PALETTE: &[&str] = &[
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
        "#9c755f", "#bab0ac",
    ];
    // Each axis from 0 to a round value past the largest, in five round steps.
    let step_x = nice_step(
        clusters
            .iter()
            .map(|k| k.columns[0].max)
            .fold(0.0, f64::max),
    );
    let step_y = nice_step(
        clusters
            .iter()
            .map(|k| k.columns[1].max)
            .fold(0.0, f64::max),
    );
    let (max_x, max_y) = (step_x * 5.0, step_y * 5.0);
    let x = |v: f64| L + v / max_x * (W - L - 20.0);
    let y = |v: f64| H - B - v / max_y * (H - B - 20.0);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}h1{{font-size:20px}}\
pre{{font-size:12px;background:#f6f6f6;padding:8px}}svg text{{font-size:11px;font-family:system-ui,sans-serif}}</style></head><body>\n\
<h1>{t}</h1>\n<h2 style=\"font-size:16px\">Cost against makespan</h2>\n\
<p style=\"color:#666;font-size:12px\">One point per cluster at its mean over {n} seed{s}; the bars span the smallest and largest value over the seeds. Lower left is faster and cheaper.</p>\n\
<svg id=\"scatter\" width=\"{W}\" height=\"{H}\" xmlns=\"http://www.w3.org/2000/svg\">",
        t = esc(title),
        n = seeds.len(),
        s = if seeds.len() == 1 { "" } else { "s" }
    );
    // Axes with five ticks each.
    let _ = write!(
        h,
        "<line x1=\"{L}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#444\"/><line x1=\"{L}\" y1=\"20\" x2=\"{L}\" y2=\"{0}\" stroke=\"#444\"/>",
        H - B,
        W - 20.0
    );
    for i in 0..=5 {
        let vx = step_x * i as f64;
        let vy = step_y * i as f64;
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">${vy:.4}</text>",
            x(vx),
            H - B + 16.0,
            human_duration((vx * 1e9).round() as i64),
            L - 6.0,
            y(vy) + 4.0
        );
    }
    let _ = write!(
        h,
        "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">makespan</text><text x=\"14\" y=\"{:.1}\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">cost</text>",
        (L + W) / 2.0,
        H - 12.0,
        H / 2.0,
        H / 2.0
    );
    let mut labels: Vec<(f64, f64)> = Vec::new();
    for (i, k) in clusters.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        let (m, cost) = (&k.columns[0], &k.columns[1]);
        let (cx, cy) = (x(m.mean), y(cost.mean));
        // Points at the same place: each label a line below the one before.
        let mut ly = cy - 8.0;
        while labels
            .iter()
            .any(|&(a, b)| (a - cx).abs() < 60.0 && (b - ly).abs() < 12.0)
        {
            ly += 13.0;
        }
        labels.push((cx, ly));
        let _ = write!(
            h,
            "<g class=\"cluster\"><line x1=\"{:.1}\" y1=\"{cy:.1}\" x2=\"{:.1}\" y2=\"{cy:.1}\" stroke=\"{c}\"/><line x1=\"{cx:.1}\" y1=\"{:.1}\" x2=\"{cx:.1}\" y2=\"{:.1}\" stroke=\"{c}\"/>\
<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"{c}\"><title>{}: makespan {} ({}–{}), cost ${:.4} (${:.4}–${:.4})</title></circle>\
<text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            x(m.min),
            x(m.max),
            y(cost.min),
            y(cost.max),
            esc(&k.name),
            human_duration((m.mean * 1e9).round() as i64),
            human_duration((m.min * 1e9).round() as i64),
            human_duration((m.max * 1e9).round() as i64),
            cost.mean,
            cost.min,
            cost.max,
            cx + 8.0,
            ly,
            esc(&k.name)
        );
    }
    h.push_str("</svg>\n<h2 style=\"font-size:16px\">Table</h2>\n<pre>");
    h.push_str(&esc(&table(clusters, seeds)));
    h.push_str("</pre>\n</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, makespan: f64, cost: f64) -> RunFigures {
        RunFigures {
            seed,
            makespan,
            cost_usd: cost,
            mean_waiting: 0.0,
            utilization: vec![("cpu".into(), 0.5)],
            failures: 0,
            failed: false,
        }
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(1200.0), 250.0);
        assert_eq!(nice_step(13.0), 5.0);
        assert!((nice_step(0.0278) - 0.01).abs() < 1e-12);
    }

    #[test]
    fn spread_is_mean_min_and_max() {
        let s = Spread::of([1.0, 2.0, 6.0]);
        assert_eq!((s.mean, s.min, s.max), (3.0, 1.0, 6.0));
    }

    #[test]
    fn best_marks_the_lowest_makespan_and_the_highest_utilization() {
        let a = ClusterFigures::of("a".into(), vec![run(1, 10.0, 2.0)]);
        let mut b = ClusterFigures::of("b".into(), vec![run(1, 20.0, 1.0)]);
        b.columns[3].mean = 0.9;
        let best = best(&[a, b]);
        assert_eq!(best[0], vec![0]);
        assert_eq!(best[1], vec![1]);
        assert_eq!(best[3], vec![1]);
        // Ties: both.
        assert_eq!(best[4], vec![0, 1]);
    }
}
