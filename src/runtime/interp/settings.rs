//! An action's settings: a task's own (environment and decorator, one shared copy per
//! task), those of `override(...)`, and starting a child action with them.

use super::*;

impl<'p> Frame<'p> {
    /// The settings a call of task number `task` runs with, without an override: one
    /// shared copy per task, not one per action.
    pub(crate) fn task_settings(&self, task: u32) -> Rc<ActSettings> {
        if let Some(Some(s)) = self.sh.base_settings.borrow().get(task as usize) {
            return s.clone();
        }
        let s = base_settings(self.prog(), task);
        let mut table = self.sh.base_settings.borrow_mut();
        if table.len() <= task as usize {
            table.resize(task as usize + 1, None);
        }
        table[task as usize] = Some(s.clone());
        s
    }

    /// The settings of `t.override(...)` given its evaluated keyword arguments.
    pub(super) fn override_values(
        &mut self,
        task: u32,
        kwargs: &[(Name, Value)],
    ) -> Res<Rc<ActSettings>> {
        let base = self.task_settings(task);
        super::overrides::apply(&base, self.prog().task_name(task), kwargs)
            .map(Rc::new)
            .map_err(Ctrl::raise)
    }

    /// The settings a call of a task value runs with: task number `task`'s own (`over` 0)
    /// or those of the override value number `over`.
    pub(crate) fn settings_of(&self, task: u32, over: u32) -> Rc<ActSettings> {
        match over {
            0 => self.task_settings(task),
            i => self.sh.overrides.borrow()[i as usize - 1].clone(),
        }
    }

    pub(super) fn start_action(
        &mut self,
        task: u32,
        settings: Rc<ActSettings>,
        args: ArgList,
    ) -> usize {
        let id = submit_new(&self.sh, task, settings, args);
        if let Some(g) = &self.group {
            self.sh.acts.borrow_mut()[id].more_mut().group = Some(g.clone());
        }
        self.sh.acts.borrow_mut()[self.act].add_child(id);
        id
    }
}

/// Environment and decorator settings of task number `task` (defaults for no such task).
pub(crate) fn base_settings(prog: &Executable, task: u32) -> Rc<ActSettings> {
    let Some((_, info)) = prog.checked.tasks.get_index(task as usize) else {
        return Rc::default();
    };
    let env = info.env.as_ref().and_then(|e| prog.checked.envs.get(e));
    let es = env.map(|e| e.settings.clone()).unwrap_or_default();
    Rc::new(ActSettings {
        resources: es.resources.clone().unwrap_or_default(),
        image: es.image.clone(),
        interruptible: info.settings.interruptible.unwrap_or(es.interruptible),
        queue: info.settings.queue.clone().or(es.queue.clone()),
        reuse: es
            .reusable
            .as_ref()
            .map(|(p, _)| (es.name.clone(), p.clone())),
        retries: info.settings.retries.clone(),
        timeout: info.settings.timeout.clone(),
        env_vars: es.env_vars.clone(),
        secrets: es.secrets.clone(),
        cache: info.settings.cache.clone().or(es.cache.clone()),
    })
}
