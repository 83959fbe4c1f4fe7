//! An action's settings: a task's own (environment and decorator, one shared copy per
//! task), those of `override(...)`, and starting a child action with them.

use super::*;

impl<'p> Frame<'p> {
    /// The settings a call of `t` runs with, without an override.
    /// A task's settings without overrides: one shared copy per task, not one per action.
    pub(crate) fn task_settings(&self, t: &Name) -> Rc<ActSettings> {
        if let Some(s) = self.sh.base_settings.borrow().get(t) {
            return s.clone();
        }
        let s = base_settings(self.prog(), t);
        self.sh
            .base_settings
            .borrow_mut()
            .insert(t.clone(), s.clone());
        s
    }

    /// The settings of `t.override(...)` given its evaluated keyword arguments.
    pub(super) fn override_values(
        &mut self,
        t: &Name,
        kwargs: &[(Name, Value)],
    ) -> Res<Rc<ActSettings>> {
        let base = self.task_settings(t);
        super::overrides::apply(&base, t, kwargs)
            .map(Rc::new)
            .map_err(Ctrl::raise)
    }

    /// The settings a call of task value `Task(t, index)` runs with: the task's own
    /// (`index` 0) or those of the override value number `index`.
    pub(crate) fn settings_of(&self, t: &Name, index: u32) -> Rc<ActSettings> {
        match index {
            0 => self.task_settings(t),
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

/// Environment and decorator settings of task `t`.
pub(crate) fn base_settings(prog: &Executable, t: &Name) -> Rc<ActSettings> {
    let info = &prog.checked.tasks[t];
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
