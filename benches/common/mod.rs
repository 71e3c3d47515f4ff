//! Shared by the benchmark files: smol's standard multi-threaded set-up.

use std::future::Future;
use std::pin::Pin;
use std::thread;

/// A future the pool's threads run until shutdown.
pub type Runner = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An `async_executor::Executor` run by N threads, each in `block_on(ex.run(..))`.
/// Leaked (a few bytes per benchmark group) so tasks can hold a `&'static` to it, as with
/// the usual `static EX: Executor`.
pub struct SmolPool {
    pub ex: &'static async_executor::Executor<'static>,
    shutdown: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl SmolPool {
    /// `workers` threads, each blocking in `block_on` — futures-lite's (a plain parker),
    /// or async-io's (which also drives async-io's timers while idle).
    pub fn new(workers: usize, block_on: fn(Runner)) -> SmolPool {
        let ex: &'static async_executor::Executor<'static> =
            Box::leak(Box::new(async_executor::Executor::new()));
        let (shutdown, signal) = async_channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|i| {
                let signal = signal.clone();
                thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        block_on(Box::pin(ex.run(async move {
                            // Returns when the sender is dropped.
                            let _ = signal.recv().await;
                        })))
                    })
                    .unwrap()
            })
            .collect();
        SmolPool {
            ex,
            shutdown: Some(shutdown),
            threads,
        }
    }
}

impl Drop for SmolPool {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        for t in self.threads.drain(..) {
            t.join().unwrap();
        }
    }
}
