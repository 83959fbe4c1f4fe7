//! What a run tells a person: its summary (`summary.rs`: the `--json` object and the terminal
//! lines), and pictures of it: the Chrome trace (`--trace`, Perfetto opens it) and the HTML
//! report (`--report`), all built from a [`RunOutcome`].
//!
//! Both place each attempt on a *track*: a replica's own track when it ran on a reusable
//! replica, else one of its node's slots, found by interval partitioning (an attempt takes the
//! first slot of its node free at its start, so a node shows as many slots as it ever ran
//! attempts at once). Queued time goes on tracks of a "queue" process, partitioned the same way.

pub mod actions;
pub mod compare;
pub mod html;
mod html_data;
mod summary;
pub mod trace;

pub use summary::{summary_json, summary_text};

use crate::runtime::{ActState, ActionSummary, LogLine, RunOutcome};
use crate::sim::{ActionRecord, SimSummary, UtilizationSeries, NEVER, NO_NODE, NO_REPLICA};

/// What the reports draw: a run's schedule without its result value (so it is `Send`).
#[derive(Clone, Debug)]
pub struct Record {
    pub summary: SimSummary,
    pub actions: Vec<ActionSummary>,
    pub logs: Vec<LogLine>,
    pub series: UtilizationSeries,
    pub nodes: Vec<(String, String)>,
    /// Each action's inputs in the language's literal syntax, cut to 200 characters.
    pub inputs: Vec<String>,
    /// Why each action waited (empty unless the run recorded it).
    pub waits: Vec<Vec<crate::runtime::waits::ActionWait>>,
    /// The actions' distinct resource requests ([`ActionSummary::resources`]).
    pub resources: Vec<crate::resources::ResourceSpec>,
}

impl Record {
    pub fn of(o: &RunOutcome) -> Record {
        Record {
            summary: o.summary.clone(),
            actions: o.actions.clone(),
            logs: o.logs.clone(),
            series: o.series.clone(),
            nodes: o.nodes.clone(),
            resources: o.resources.clone(),
            inputs: o
                .args
                .iter()
                .map(|a| {
                    let s = crate::runtime::value::Value::tuple(a.to_vec()).repr();
                    if s.chars().count() > 200 {
                        s.chars().take(199).collect::<String>() + "…"
                    } else {
                        s
                    }
                })
                .collect(),
            waits: o.waits.clone(),
        }
    }

    /// The record as [`actions`]' metrics read it.
    pub fn view(&self) -> actions::View<'_> {
        actions::View {
            summary: &self.summary,
            actions: &self.actions,
            nodes: &self.nodes,
            resources: &self.resources,
            waits: &self.waits,
        }
    }
}

/// One attempt, placed on a track.
#[derive(Clone, Debug)]
pub struct Bar {
    /// Logical action index.
    pub action: usize,
    pub attempt: u32,
    /// Node index, or `None` for attempts never placed.
    pub node: Option<usize>,
    /// Track within the node: slot `n`, or replica `r` (`Track::Replica`).
    pub track: Track,
    pub queued_at: i64,
    pub started_at: i64,
    pub running_at: i64,
    pub ended_at: i64,
    /// Paid a cold start of its own, and whether that included an image pull.
    pub cold_start: bool,
    pub image_pull: bool,
    /// Track of its queued phase in the queue process.
    pub queue_track: usize,
}

/// A track of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Track {
    Slot(usize),
    Replica(u32),
}

/// Places every attempt of the run on a track.
pub fn bars(o: &Record) -> Vec<Bar> {
    let records: &[ActionRecord] = &o.summary.actions;
    let mut out = Vec::new();
    for (i, a) in o.actions.iter().enumerate() {
        for (n, &sid) in a.sim_ids.iter().enumerate() {
            let Some(r) = records.get(sid as usize) else {
                continue;
            };
            let end = if r.ended_at == NEVER {
                o.summary.makespan
            } else {
                r.ended_at
            };
            out.push(Bar {
                action: i,
                attempt: n as u32 + 1,
                node: (r.node != NO_NODE).then_some(r.node as usize),
                track: if r.replica != NO_REPLICA {
                    Track::Replica(r.replica)
                } else {
                    Track::Slot(0)
                },
                queued_at: r.queued_at,
                started_at: if r.started_at == NEVER {
                    end
                } else {
                    r.started_at
                },
                running_at: if r.running_at == NEVER {
                    end
                } else {
                    r.running_at
                },
                ended_at: end,
                cold_start: r.cold_start,
                image_pull: r.image_pull,
                queue_track: 0,
            });
        }
    }
    // Slots: per node, greedy interval partitioning by start time.
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by_key(|&i| (out[i].started_at, i));
    let mut slot_ends: std::collections::HashMap<usize, Vec<i64>> =
        std::collections::HashMap::new();
    for &i in &order {
        let Some(node) = out[i].node else { continue };
        if out[i].track != Track::Slot(0) {
            continue;
        }
        let ends = slot_ends.entry(node).or_default();
        let slot = match ends.iter().position(|&e| e <= out[i].started_at) {
            Some(s) => s,
            None => {
                ends.push(0);
                ends.len() - 1
            }
        };
        ends[slot] = out[i].ended_at;
        out[i].track = Track::Slot(slot);
    }
    // Queue tracks, the same way over queued phases, with a heap of the tracks' end times (so
    // many actions waiting at once cost O(n log n), not a scan per action). The free track
    // with the lowest number is reused first.
    order.sort_by_key(|&i| (out[i].queued_at, i));
    let mut busy: std::collections::BinaryHeap<std::cmp::Reverse<(i64, usize)>> =
        Default::default();
    let mut free: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = Default::default();
    let mut tracks = 0usize;
    for &i in &order {
        if out[i].started_at <= out[i].queued_at {
            continue;
        }
        while let Some(&std::cmp::Reverse((end, t))) = busy.peek() {
            if end > out[i].queued_at {
                break;
            }
            busy.pop();
            free.push(std::cmp::Reverse(t));
        }
        let t = match free.pop() {
            Some(std::cmp::Reverse(t)) => t,
            None => {
                tracks += 1;
                tracks - 1
            }
        };
        busy.push(std::cmp::Reverse((out[i].started_at, t)));
        out[i].queue_track = t;
    }
    out
}

/// An action's environment, from its FQN (`env-name.task`).
pub fn env_of(fqn: &str) -> &str {
    fqn.rsplit_once('.').map_or(fqn, |(e, _)| e)
}

/// A state's name as reports show it.
pub fn state_name(s: ActState) -> &'static str {
    match s {
        ActState::Pending => "pending",
        ActState::Succeeded => "succeeded",
        ActState::Failed => "failed",
        ActState::Cancelled => "cancelled",
        ActState::Cached => "cached",
    }
}
