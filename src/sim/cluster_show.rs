//! `flyte-dsl cluster show`: the pools of a [`Cluster`] as a table.

use super::cluster::{format_duration, nanos, Cluster, PoolAccel};
use crate::resources::quantity::{format_bytes, format_cpu};

impl Cluster {
    /// A table of the pools, for `flyte-dsl cluster show` (sizes in `Gi` as docs/runtime.md
    /// writes them; a `queue` column only when some pool has one).
    pub fn show(&self) -> String {
        let size = |b: u64| {
            if b >= 1 << 30 && b.is_multiple_of(1 << 30) {
                format!("{}Gi", b >> 30)
            } else {
                format_bytes(b)
            }
        };
        let header = [
            "pool",
            "count",
            "cpu",
            "memory",
            "disk",
            "accelerators",
            "cost_per_hour",
            "spot",
            "queue",
        ];
        let rows: Vec<[String; 9]> = self
            .pools
            .iter()
            .map(|p| {
                [
                    p.name.clone(),
                    match &p.autoscale {
                        Some(a) => format!("{}..{}", a.min_count, p.count),
                        None => p.count.to_string(),
                    },
                    format_cpu(p.cpu_milli),
                    size(p.memory),
                    p.disk.map_or("-".into(), size),
                    p.accel.as_ref().map_or("-".into(), PoolAccel::describe),
                    format!("{:.2}", p.cost_per_hour),
                    if p.spot { "yes" } else { "no" }.into(),
                    p.queue.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        let columns = if self.pools.iter().any(|p| p.queue.is_some()) {
            9
        } else {
            8
        };
        let mut width = header.map(str::len);
        for r in &rows {
            for (w, c) in width.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut l = String::new();
            for (i, (c, w)) in cells.iter().zip(width).take(columns).enumerate() {
                if i > 0 {
                    l.push_str("  ");
                }
                // Numbers right-aligned, text left-aligned.
                if matches!(i, 1 | 2 | 3 | 4 | 6) {
                    l.push_str(&format!("{c:>w$}"));
                } else {
                    l.push_str(&format!("{c:<w$}"));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&header.map(String::from));
        for r in &rows {
            line(r);
        }
        let per_hour: f64 = self
            .pools
            .iter()
            .map(|p| p.cost_per_hour * p.count as f64)
            .sum();
        let scaling: Vec<String> = self
            .pools
            .iter()
            .filter_map(|p| {
                let a = p.autoscale.as_ref()?;
                Some(format!(
                    "{} from {} to {} nodes (scale_up_delay {}, scale_down_after {})",
                    p.name,
                    a.min_count,
                    p.count,
                    format_duration(nanos(a.scale_up_delay)),
                    format_duration(nanos(a.scale_down_after))
                ))
            })
            .collect();
        let at_most = if scaling.is_empty() { "" } else { " at most" };
        out.push_str(&format!(
            "\n{} nodes{at_most}, ${per_hour:.2}/h when all are busy; cold_start {}, image_pull {}, preemption_rate {}/node-hour, system_retries {}\n",
            self.node_count(),
            format_duration(nanos(self.cold_start)),
            format_duration(nanos(self.image_pull)),
            self.preemption_rate,
            self.system_retries
        ));
        if !scaling.is_empty() {
            out.push_str(&format!("autoscaling: {}\n", scaling.join("; ")));
        }
        out
    }
}
