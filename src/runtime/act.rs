//! What the run keeps per call: a logical action's state ([`Act`], with its rare part
//! [`ActMore`] and its arguments [`ArgList`]) and the language's futures ([`Fut`]). A million
//! calls hold a million of each at once, so their sizes are pinned by tests in `mod.rs`.

use super::*;

/// A call's arguments, in parameter order: one (most task calls) kept inline, no allocation;
/// others in a boxed slice. Reads as a slice.
#[derive(Clone, Debug)]
pub enum ArgList {
    One(Value),
    Many(Box<[Value]>),
}

impl ArgList {
    pub fn into_vec(self) -> Vec<Value> {
        match self {
            ArgList::One(v) => vec![v],
            ArgList::Many(b) => b.into_vec(),
        }
    }
}

impl From<Vec<Value>> for ArgList {
    fn from(mut v: Vec<Value>) -> ArgList {
        match v.len() {
            1 => ArgList::One(v.pop().unwrap_or(Value::None)),
            _ => ArgList::Many(v.into_boxed_slice()),
        }
    }
}

impl std::ops::Deref for ArgList {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        match self {
            ArgList::One(v) => std::slice::from_ref(v),
            ArgList::Many(b) => b,
        }
    }
}

/// A logical action: one task call, across its attempts. A million calls hold a million of
/// these at once, so what few actions have (retries used, memory allocated, children, a
/// cache key, a group) sits in [`ActMore`], boxed, made on first use.
pub(crate) struct Act {
    /// The task, by its index among the checked tasks ([`Executable::task_name`]).
    pub task: u32,
    /// Its attempts so far (bits 0 to 30), and whether it ended as no attempt of its own
    /// decided ([`END_OTHERWISE`]: cancelled, or taken from the cache): its state follows
    /// from that and its result ([`Act::state`]), with no byte of its own.
    attempts: u32,
    /// Its current attempt's simulator action ([`Act::sim`]), `u32::MAX` before the first.
    pub sim_id: u32,
    pub first_queued: i64,
    pub settings: Rc<ActSettings>,
    /// Its arguments, as bound (a boxed slice: they never grow).
    pub args: ArgList,
    /// Set by [`Act::end`], with the state.
    pub result: Option<Result<Value, Rc<ErrorValue>>>,
    /// The first body (by number) waiting for it to end, `u32::MAX` for none; the others, rare,
    /// wait in [`ActMore::waiters`] ([`Act::add_waiter`]).
    first_waiter: u32,
    pub more: Option<Box<ActMore>>,
}

/// In [`Act::attempts`]: the count.
const ATTEMPTS: u32 = u32::MAX >> 1;
/// In [`Act::attempts`]: ended cancelled or from the cache, not by an attempt's outcome.
const END_OTHERWISE: u32 = 1 << 31;

/// What few actions have ([`Act::more`]).
#[derive(Default)]
pub(crate) struct ActMore {
    pub user_retries_used: u32,
    pub system_retries_used: u32,
    /// Bytes its body holds (`allocate`, `free`).
    pub memory_used: u64,
    /// The actions it started, in order (a root may start a million: `u32` each).
    pub children: Vec<u32>,
    /// Its cache key and followers, when its result may be cached.
    pub cached: Option<Cached>,
    pub group: Option<Rc<str>>,
    /// The bodies waiting for it after the first, in the order they came.
    pub waiters: Vec<usize>,
}

impl Act {
    /// A new action, pending, before its first attempt (`attempt` 0) or, for the REPL's
    /// input that starts at once, in it (1).
    pub fn new(
        task: u32,
        args: ArgList,
        settings: Rc<ActSettings>,
        attempt: u32,
        first_queued: i64,
    ) -> Act {
        Act {
            task,
            attempts: attempt.min(ATTEMPTS),
            first_queued,
            sim_id: u32::MAX,
            settings,
            args,
            result: None,
            first_waiter: u32::MAX,
            more: None,
        }
    }

    /// Its attempts so far.
    pub fn attempt(&self) -> u32 {
        self.attempts & ATTEMPTS
    }

    /// Counts an attempt begun (at most 2^31 - 1: each takes a simulator action, and the
    /// simulator holds fewer).
    pub fn begin_attempt(&mut self) {
        if self.attempt() < ATTEMPTS {
            self.attempts += 1;
        }
    }

    /// Where it stands: pending until [`Act::end`].
    pub fn state(&self) -> ActState {
        let otherwise = self.attempts & END_OTHERWISE != 0;
        match (&self.result, otherwise) {
            (None, _) => ActState::Pending,
            (Some(Ok(_)), false) => ActState::Succeeded,
            (Some(Ok(_)), true) => ActState::Cached,
            (Some(Err(_)), false) => ActState::Failed,
            (Some(Err(_)), true) => ActState::Cancelled,
        }
    }

    /// Ends it with `result`: `Cached` and `Succeeded` take a value, `Cancelled` and `Failed`
    /// an error (a state that does not go with the result is taken as the one that does).
    pub fn end(&mut self, state: ActState, result: Result<Value, Rc<ErrorValue>>) {
        let otherwise = matches!(state, ActState::Cached | ActState::Cancelled);
        self.attempts = self.attempt() | if otherwise { END_OTHERWISE } else { 0 };
        self.result = Some(result);
    }

    /// Its current attempt's simulator action, if it was submitted.
    pub fn sim(&self) -> Option<ActionId> {
        (self.sim_id != u32::MAX).then_some(ActionId(self.sim_id))
    }

    /// Its [`ActMore`], made on first use.
    pub fn more_mut(&mut self) -> &mut ActMore {
        self.more.get_or_insert_default()
    }

    /// The actions it started, in order.
    pub fn children(&self) -> Vec<usize> {
        let c = self
            .more
            .as_deref()
            .map_or(&[][..], |m| m.children.as_slice());
        c.iter().map(|&c| c as usize).collect()
    }

    /// Records that body `exec` waits for it to end.
    pub fn add_waiter(&mut self, exec: usize) {
        let inline = self.first_waiter == u32::MAX
            && self.more.as_ref().is_none_or(|m| m.waiters.is_empty());
        match u32::try_from(exec) {
            Ok(e) if inline && e != u32::MAX => self.first_waiter = e,
            _ => self.more_mut().waiters.push(exec),
        }
    }

    /// The bodies waiting for it, in the order they came.
    pub fn waiters(&self) -> impl Iterator<Item = usize> + '_ {
        let first = (self.first_waiter != u32::MAX).then_some(self.first_waiter as usize);
        let rest = self
            .more
            .as_deref()
            .map_or(&[][..], |m| m.waiters.as_slice());
        first.into_iter().chain(rest.iter().copied())
    }

    /// The bodies waiting for it, taken (none wait any more): the first, then the others (no
    /// allocation when one waits).
    pub fn take_waiters(&mut self) -> (Option<usize>, Vec<usize>) {
        let first = (self.first_waiter != u32::MAX).then_some(self.first_waiter as usize);
        self.first_waiter = u32::MAX;
        let rest = self
            .more
            .as_mut()
            .map_or_else(Vec::new, |m| std::mem::take(&mut m.waiters));
        (first, rest)
    }

    /// Records that it started action `id`.
    pub fn add_child(&mut self, id: usize) {
        let id = u32::try_from(id).expect("fewer than 2^32 actions");
        self.more_mut().children.push(id);
    }

    pub fn cached(&self) -> Option<&Cached> {
        self.more.as_deref().and_then(|m| m.cached.as_ref())
    }

    pub fn group(&self) -> Option<&Rc<str>> {
        self.more.as_deref().and_then(|m| m.group.as_ref())
    }
}

/// What a cacheable action keeps.
pub(crate) struct Cached {
    pub key: crate::cache::Key,
    /// Identical calls waiting for this one (`serialize = true`).
    pub followers: Vec<usize>,
}

/// A language-level future (`Value::Future`): lazy until awaited or gathered.
pub(crate) enum Fut {
    /// An async task call not started yet.
    LazyTask {
        /// The task's index among the checked tasks.
        task: u32,
        settings: Rc<ActSettings>,
        args: ArgList,
    },
    /// A call of an async `fn`, run inline in the awaiting action.
    LazyFn {
        /// The function's index among the program's names (as [`Callable::Fn`] holds it).
        func: u32,
        args: Box<[Value]>,
    },
    /// A started task call.
    Started(usize),
    /// A future of a list or tuple of results (`gather`, `map.aio`), resolved on await.
    Gather {
        futs: Vec<u32>,
        tuple: bool,
    },
    Map(Box<MapSpec>),
    /// Settled with a value.
    Done(Value),
    /// Settled with an error (two variants, not a `Result`, keep a future at 32 bytes).
    Failed(Value),
}

impl Fut {
    /// A settled future.
    pub(crate) fn settled(r: Result<Value, Value>) -> Fut {
        match r {
            Ok(v) => Fut::Done(v),
            Err(e) => Fut::Failed(e),
        }
    }
}

/// A `map`'s calls, not started yet.
pub(crate) struct MapSpec {
    pub task: Name,
    pub settings: Rc<ActSettings>,
    /// Each call's bound arguments.
    pub calls: Vec<Vec<Value>>,
    /// At most this many in flight (0: no bound).
    pub concurrency: usize,
    pub return_exceptions: bool,
}

impl MapSpec {
    /// The same map with its calls' arguments mapped by `f`.
    pub(crate) fn with_calls(&self, f: impl FnMut(&Vec<Value>) -> Vec<Value>) -> MapSpec {
        MapSpec {
            task: self.task.clone(),
            settings: self.settings.clone(),
            calls: self.calls.iter().map(f).collect(),
            concurrency: self.concurrency,
            return_exceptions: self.return_exceptions,
        }
    }
}
