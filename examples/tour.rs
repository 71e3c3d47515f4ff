//! A tour of eddy for people who know asyncio (and tokio): each step prints what it did
//! and how long it took. Run it with `cargo run --release --example tour`.
//!
//! The tour grows with the runtime: sockets and the sync primitives join it as they land.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn step(title: &str) -> Instant {
    println!("\n== {title}");
    Instant::now()
}

fn took(start: Instant) {
    println!("   (took {:.2?})", start.elapsed());
}

/// An `async fn` is a coroutine: calling it does nothing until it is awaited or spawned.
async fn greet(name: &str) -> String {
    format!("hello, {name}")
}

/// Busy work standing in for a CPU-heavy request handler.
fn crunch(millis: u64) -> u64 {
    let until = Instant::now() + Duration::from_millis(millis);
    let mut n = 0u64;
    while Instant::now() < until {
        n = n.wrapping_add(1);
    }
    n
}

fn main() {
    let total = Instant::now();
    // Steps 9 and 12 panic on purpose; print one line per panic instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("?");
        let first_sentence = message.split(". ").next().unwrap_or(message);
        println!(
            "   [panic hook] {} panicked: {first_sentence}",
            thread.name().unwrap_or("?")
        );
    }));

    // 1. asyncio.run(main()) -> eddy::run(main())
    let t = step(
        "1. eddy::run(fut) is asyncio.run(main()): it starts a runtime, runs the future, stops",
    );
    let greeting = eddy::run(greet("eddy"));
    println!("   eddy::run(greet(\"eddy\")) returned {greeting:?}");
    took(t);

    // For the rest of the tour, one explicit runtime: asyncio's loop.
    let rt = eddy::Runtime::builder().worker_threads(2).build().unwrap();

    // 2. create_task -> eddy::spawn; await the handles in order.
    let t = step("2. eddy::spawn is create_task: 4 CPU-bound tasks of 100 ms on 2 worker threads");
    let results = rt.block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                eddy::spawn(async move {
                    let start = Instant::now();
                    crunch(100);
                    let thread = std::thread::current().name().unwrap_or("?").to_string();
                    (i, thread, start.elapsed())
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    for (i, thread, elapsed) in &results {
        println!("   task {i} ran on {thread} for {elapsed:.0?}");
    }
    println!("   4 x 100 ms of work on 2 workers: about 200 ms, not 400 ms");
    took(t);

    // 3. asyncio.gather + asyncio.sleep -> eddy::gather + eddy::time::sleep.
    let t = step(
        "3. eddy::gather is asyncio.gather: three 1 s sleeps gathered end after ~1 s, not 3 s",
    );
    let woke = rt.block_on(eddy::gather((0..3).map(|i| async move {
        let start = Instant::now();
        eddy::time::sleep(Duration::from_secs(1)).await;
        (i, start.elapsed())
    })));
    for result in woke {
        let (i, slept) = result.unwrap();
        println!("   sleeper {i} woke after {slept:.2?}");
    }
    println!("   the results come back in input order, each a Result (return_exceptions=True)");
    took(t);

    // 4. await asyncio.sleep(0) -> eddy::task::yield_now().await
    let t = step("4. yield_now() is asyncio.sleep(0): two tasks take turns on one worker");
    let single = eddy::Runtime::builder().worker_threads(1).build().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    single.block_on(async {
        let tasks: Vec<_> = ["A", "B"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                eddy::spawn(async move {
                    for round in 1..=3 {
                        log.lock().unwrap().push(format!("{name}{round}"));
                        eddy::task::yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    println!("   order: {}", log.lock().unwrap().join(" "));
    drop(single);
    took(t);

    // 5. loop.create_future() + fut.set_result() -> eddy::sync::oneshot.
    let t = step("5. a future set from another thread: oneshot is create_future + set_result");
    let (setter, future) = eddy::sync::oneshot::channel();
    let setter_thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50)); // some plain-thread work
        setter.send("set from a plain thread").unwrap();
    });
    let value = rt.block_on(async { future.await.unwrap() });
    setter_thread.join().unwrap();
    println!("   the awaiting task got {value:?}");
    took(t);

    // 6. loop.run_in_executor / asyncio.to_thread -> eddy::run_in_executor.
    let t = step(
        "6. run_in_executor is asyncio.to_thread: 4 blocking 200 ms calls while a task keeps ticking",
    );
    rt.block_on(async {
        let ticker = eddy::spawn(async {
            let mut ticks = 0;
            for _ in 0..8 {
                eddy::time::sleep(Duration::from_millis(25)).await;
                ticks += 1;
            }
            ticks
        });
        let calls: Vec<_> = (0..4)
            .map(|i| {
                eddy::run_in_executor(move || {
                    std::thread::sleep(Duration::from_millis(200)); // a blocking call
                    let thread = std::thread::current().name().unwrap_or("?").to_string();
                    (i, thread)
                })
            })
            .collect();
        for call in calls {
            let (i, thread) = call.await.unwrap();
            println!("   blocking call {i} ran on {thread}");
        }
        println!(
            "   meanwhile the ticker task ticked {} times on the workers",
            ticker.await.unwrap()
        );
        let text = eddy::fs::read_to_string("Cargo.toml").await.unwrap();
        println!(
            "   eddy::fs::read_to_string(\"Cargo.toml\") read {} bytes on the same pool",
            text.len()
        );
    });
    println!("   4 x 200 ms of blocking calls: about 200 ms, and no worker was blocked");
    took(t);

    // 7. asyncio.start_server / open_connection -> eddy::net
    let t = step("7. eddy::net is open_connection / start_server: a TCP echo server, 100 clients");
    let echoed = rt.block_on(async {
        use futures_lite::{AsyncReadExt, AsyncWriteExt};
        let listener = eddy::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The server: one task per connection, like a start_server callback.
        eddy::spawn(async move {
            loop {
                // Out of file descriptors (EMFILE) and the like: the listener still works,
                // so wait a moment for connections to close instead of giving up.
                let Ok((socket, _)) = listener.accept().await else {
                    eddy::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                eddy::spawn(async move {
                    let (mut reader, mut writer) = socket.into_split();
                    let _ = futures_lite::io::copy(&mut reader, &mut writer).await;
                });
            }
        });
        let clients: Vec<_> = (0..100)
            .map(|i| {
                eddy::spawn(async move {
                    let mut stream = eddy::net::TcpStream::connect(addr).await.unwrap();
                    let line = format!("hello #{i:03}\n");
                    stream.write_all(line.as_bytes()).await.unwrap();
                    let mut reply = vec![0; line.len()];
                    stream.read_exact(&mut reply).await.unwrap();
                    reply == line.as_bytes()
                })
            })
            .collect();
        let mut echoed = 0;
        for client in clients {
            echoed += usize::from(client.await.unwrap());
        }
        echoed
    });
    println!("   {echoed} of 100 clients got their line back, all connections open at once");
    took(t);

    // 8. asyncio.wait_for / asyncio.timeout -> eddy::time::timeout.
    let t = step("8. eddy::time::timeout is asyncio.wait_for: the slow future is cancelled");
    rt.block_on(async {
        let fast = eddy::time::timeout(Duration::from_millis(100), async { "fast answer" }).await;
        println!("   timeout(100 ms, ready future) -> {fast:?}");
        let slow = eddy::time::timeout(
            Duration::from_millis(50),
            eddy::time::sleep(Duration::from_secs(10)),
        )
        .await;
        println!("   timeout(50 ms, 10 s sleep)    -> {slow:?} (\"deadline has elapsed\")");
    });
    took(t);

    // 9. A task's exception -> JoinError::is_panic; the loop goes on.
    let t = step("9. a panicking task is caught: awaiting it gives the error, the workers live on");
    let err = rt
        .block_on(rt.spawn(async {
            let empty: Vec<u32> = Vec::new();
            empty[0] // index out of bounds
        }))
        .unwrap_err();
    println!("   JoinError: {err}");
    println!("   is_panic() = {}", err.is_panic());
    let still_fine = rt
        .block_on(rt.spawn(async { "the runtime still runs tasks" }))
        .unwrap();
    println!("   next task: {still_fine:?}");
    took(t);

    // 10. task.cancel() -> JoinHandle::abort()
    let t = step(
        "10. abort() is task.cancel(): the future is dropped on a worker, the handle says cancelled",
    );
    let forever = rt.spawn(std::future::pending::<()>());
    forever.abort();
    let err = rt.block_on(forever).unwrap_err();
    println!(
        "   JoinError: {err}; is_cancelled() = {}",
        err.is_cancelled()
    );
    took(t);

    // 11. loop.call_soon_threadsafe -> Handle::spawn from any thread.
    let t = step("11. a Handle spawns from any thread (asyncio's call_soon_threadsafe)");
    let handle = rt.handle().clone();
    let from_thread = std::thread::spawn(move || handle.spawn(async { 6 * 7 }))
        .join()
        .unwrap();
    println!(
        "   spawned from a plain thread, answer = {}",
        rt.block_on(from_thread).unwrap()
    );
    took(t);

    // 12. Nested loops are an error, with asyncio's words.
    let t = step("12. eddy::run inside async code panics: \"this event loop is already running\"");
    let err = rt
        .block_on(rt.spawn(async { eddy::run(async {}) }))
        .unwrap_err();
    println!("   the task's JoinError: is_panic() = {}", err.is_panic());
    took(t);

    // 13. Shutdown drops every task still pending (asyncio cancels them in run()).
    let t = step("13. dropping the runtime cancels what is left: 10,000 pending tasks dropped");
    let pending: Vec<_> = (0..10_000)
        .map(|_| rt.spawn(std::future::pending::<()>()))
        .collect();
    drop(rt);
    let cancelled = pending.into_iter().filter(|h| h.is_finished()).count();
    println!("   {cancelled} of 10000 tasks finished (cancelled) after the drop");
    took(t);

    // 14. asyncio's own model: one thread runs everything, !Send tasks, a paused clock.
    let t = step(
        "14. Builder::new_current_thread() is asyncio's loop: one thread, Rc tasks, a paused clock",
    );
    let rt = eddy::Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap();
    let here = std::thread::current().id();
    let (log, threads, virtual_time) = rt.block_on(async move {
        let start = eddy::time::Instant::now();
        // spawn_local: futures that are not Send (an Rc<RefCell<_>>, no lock).
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let tasks: Vec<_> = [3u64, 1, 2]
            .into_iter()
            .map(|hours| {
                let log = log.clone();
                eddy::task::spawn_local(async move {
                    // With the clock paused, an hour passes as soon as nothing else runs.
                    eddy::time::sleep(Duration::from_secs(3600 * hours)).await;
                    log.borrow_mut().push(format!("{hours}h"));
                    std::thread::current().id()
                })
            })
            .collect();
        let mut threads = Vec::new();
        for task in tasks {
            threads.push(task.await.unwrap());
        }
        (log.take(), threads, start.elapsed())
    });
    println!("   3 local tasks slept 3h, 1h, 2h: they woke in order {log:?}");
    println!(
        "   the runtime's clock moved {:?}; all ran on the calling thread: {}",
        virtual_time,
        threads.iter().all(|t| *t == here)
    );
    drop(rt);
    took(t);

    // 15. Subprocesses: asyncio.create_subprocess_exec and communicate().
    #[cfg(unix)]
    {
        use eddy::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        use eddy::process::Command;
        use futures_lite::StreamExt;
        use std::process::Stdio;

        let t = step(
            "15. eddy::process is create_subprocess_exec: 100 children at once, then a pipeline",
        );
        let rt = eddy::Runtime::builder().worker_threads(2).build().unwrap();
        let (echoed, counts) = rt.block_on(async {
            // 100 children at once; no thread waits for any of them (a pidfd each on Linux).
            let children: Vec<_> = (0..100u32)
                .map(|i| {
                    eddy::spawn(async move {
                        let out = Command::new("echo").arg(i.to_string()).output().await?;
                        std::io::Result::Ok(out.stdout == format!("{i}\n").as_bytes())
                    })
                })
                .collect();
            let mut echoed = 0;
            for child in children {
                echoed += child.await.unwrap().unwrap() as u32;
            }
            // sort | uniq -c: one child's stdout is the next one's stdin.
            let mut sort = Command::new("sort")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let sorted: Stdio = sort.stdout.take().unwrap().try_into().unwrap();
            let mut uniq = Command::new("uniq")
                .arg("-c")
                .stdin(sorted)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut input = sort.stdin.take().unwrap();
            input
                .write_all(b"pear\napple\npear\nfig\npear\n")
                .await
                .unwrap();
            drop(input); // EOF: sort may now print
                         // async for line in proc.stdout
            let mut lines = BufReader::new(uniq.stdout.take().unwrap()).lines();
            let mut counts = Vec::new();
            while let Some(line) = lines.next().await {
                counts.push(
                    line.unwrap()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            assert!(sort.wait().await.unwrap().success());
            assert!(uniq.wait().await.unwrap().success());
            (echoed, counts)
        });
        println!("   100 `echo` children at once: {echoed} answered correctly");
        println!("   sort | uniq -c over a pipe between two children: {counts:?}");
        drop(rt);
        took(t);
    }

    println!("\ntour finished in {:.2?}", total.elapsed());
}
