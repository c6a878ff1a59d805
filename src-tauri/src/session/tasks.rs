//! Background work the kiosk owns. Each task holds a cancellation token and
//! is cancelled when its handle is dropped or stopped; nothing runs on after
//! the kiosk that started it.

use std::future::Future;
use std::sync::Mutex;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One piece of background work, running until it ends or is stopped.
pub struct Task {
    name: &'static str,
    token: CancellationToken,
    handle: JoinHandle<()>,
}

impl Task {
    /// Runs `work` until it ends or the task is stopped (at its next await).
    pub fn spawn(name: &'static str, work: impl Future<Output = ()> + Send + 'static) -> Self {
        let token = CancellationToken::new();
        let cancelled = token.clone();
        let handle = tokio::spawn(async move {
            tokio::select! {
                () = cancelled.cancelled() => tracing::debug!(task = name, "stopped"),
                () = work => {}
            }
        });
        Self {
            name,
            token,
            handle,
        }
    }

    pub fn stop(&self) {
        self.token.cancel();
    }

    pub fn is_running(&self) -> bool {
        !self.handle.is_finished()
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

/// The tasks one owner keeps: stopped together, counted while they run.
#[derive(Default)]
pub struct Tasks(Mutex<Vec<Task>>);

impl Tasks {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Task>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `task` (finished ones are let go).
    pub fn keep(&self, task: Task) {
        let mut tasks = self.lock();
        tasks.retain(Task::is_running);
        tasks.push(task);
    }

    pub fn stop_all(&self) {
        for task in self.lock().iter() {
            task.stop();
        }
    }

    /// The names of the tasks still running.
    pub fn running(&self) -> Vec<&'static str> {
        self.lock()
            .iter()
            .filter(|t| t.is_running())
            .map(Task::name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    /// Waits (up to a second) for `done`.
    async fn settles(done: impl Fn() -> bool) -> bool {
        for _ in 0..100 {
            if done() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        done()
    }

    /// A loop that never ends by itself, and a flag set when its future is dropped.
    fn endless() -> (impl Future<Output = ()> + Send + 'static, Arc<AtomicBool>) {
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(dropped.clone());
        let work = async move {
            let _guard = guard;
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        (work, dropped)
    }

    #[tokio::test]
    async fn dropping_a_task_stops_its_work() {
        let (work, dropped) = endless();
        let task = Task::spawn("loop", work);
        assert!(task.is_running());
        drop(task);
        assert!(settles(|| dropped.load(Ordering::SeqCst)).await);
    }

    #[tokio::test]
    async fn stopping_all_leaves_none_running_and_finished_ones_are_let_go() {
        let tasks = Tasks::default();
        let (a, a_dropped) = endless();
        let (b, _) = endless();
        tasks.keep(Task::spawn("a", a));
        tasks.keep(Task::spawn("b", b));
        tasks.keep(Task::spawn("short", async {}));
        assert!(
            settles(|| tasks.running() == ["a", "b"]).await,
            "{:?}",
            tasks.running()
        );
        tasks.stop_all();
        assert!(
            settles(|| tasks.running().is_empty()).await,
            "{:?}",
            tasks.running()
        );
        assert!(a_dropped.load(Ordering::SeqCst));
        let (c, _) = endless();
        tasks.keep(Task::spawn("c", c));
        assert_eq!(
            tasks.0.lock().unwrap().len(),
            1,
            "stopped tasks are not kept"
        );
    }
}
