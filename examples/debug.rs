//! Debug mode, every report once — asyncio's `asyncio.run(main(), debug=True)`.
//!
//! ```sh
//! cargo run --example debug
//! ```
//!
//! No `tracing` subscriber is installed here, so the reports go to stderr, as Python's
//! logging does when nothing is configured; with a subscriber (tracing-subscriber's
//! `fmt().init()`, say) they are `tracing` events with target `eddy::debug`. The program
//! prints what it is about to provoke on stdout, and each report follows on stderr:
//!
//! 1. a task that panics while nobody holds its JoinHandle ("never retrieved");
//! 2. a poll that blocks its worker for 120 ms (slow poll, threshold 50 ms);
//! 3. a worker stuck in one poll, reported by the watchdog while it is stuck;
//! 4. `Handle::tasks()` (asyncio's `all_tasks()`) and `Handle::metrics()`;
//! 5. at shutdown, a `run_in_executor` job that outlives the shutdown timeout and the
//!    tasks still pending ("was destroyed but it is pending").

use std::sync::mpsc;
use std::time::Duration;

use eddy::task;

fn main() {
    let rt = eddy::Runtime::builder()
        .worker_threads(2)
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(50))
        .build()
        .expect("start the runtime");

    rt.block_on(async {
        println!("1. a task panics and its JoinHandle was dropped:");
        let orphan = task::Builder::new()
            .name("orphan")
            .spawn(async { panic!("nobody is listening") });
        let id = orphan.id();
        drop(orphan);
        // Reported as the task completes, before it leaves the task list.
        let handle = eddy::runtime::Handle::current();
        while handle.tasks().iter().any(|t| t.info.id() == id) {
            task::yield_now().await;
        }

        println!("2. a task blocks its worker for 120 ms in one poll:");
        task::Builder::new()
            .name("sleepy")
            .spawn(async { std::thread::sleep(Duration::from_millis(120)) })
            .await
            .unwrap();

        println!("3. a task is stuck in a poll until we let it go (the watchdog speaks):");
        let (release, released) = mpsc::channel::<()>();
        let stuck = task::Builder::new().name("stuck").spawn(async move {
            let _ = released.recv_timeout(Duration::from_millis(300));
        });
        eddy::time::sleep(Duration::from_millis(150)).await;

        println!("4. the live tasks, and the metrics:");
        for snapshot in eddy::runtime::Handle::current().tasks() {
            println!("   {snapshot}");
        }
        println!("{}", eddy::runtime::Handle::current().metrics());
        let _ = release.send(());
        stuck.await.unwrap();
    });

    println!("5. shutdown with a pending task and a blocking job still running:");
    let _left = task::Builder::new()
        .name("left-behind")
        .spawn_on(std::future::pending::<()>(), rt.handle());
    let (started_tx, started) = mpsc::channel();
    let _job = {
        let _in = rt.handle().enter();
        task::Builder::new()
            .name("slow-job")
            .spawn_blocking(move || {
                started_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(300));
            })
    };
    started.recv().unwrap();
    rt.shutdown_timeout(Duration::from_millis(50));
}
