//! eddy::fs round trips in a scratch directory: the one-shot functions, directory
//! listings, and `File` through futures-io's AsyncRead / AsyncWrite / AsyncSeek.

mod support;

use std::io::SeekFrom;
use std::path::PathBuf;

use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use support::{with_timeout, LIMIT};

/// A fresh directory under the system's temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("eddy-fs-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rt() -> eddy::Runtime {
    eddy::Runtime::builder().worker_threads(2).build().unwrap()
}

#[test]
fn write_read_rename_metadata_and_remove_round_trip() {
    with_timeout(LIMIT, || {
        let scratch = Scratch::new("roundtrip");
        let dir = scratch.0.clone();
        rt().block_on(async move {
            let nested = dir.join("a/b/c");
            eddy::fs::create_dir_all(&nested).await.unwrap();
            let path = nested.join("data.bin");
            let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
            eddy::fs::write(&path, &bytes).await.unwrap();
            assert_eq!(eddy::fs::read(&path).await.unwrap(), bytes);
            assert_eq!(eddy::fs::metadata(&path).await.unwrap().len(), 100_000);

            let text = dir.join("note.txt");
            eddy::fs::write(&text, "héllo").await.unwrap();
            assert_eq!(eddy::fs::read_to_string(&text).await.unwrap(), "héllo");
            let moved = dir.join("moved.txt");
            eddy::fs::rename(&text, &moved).await.unwrap();
            assert!(eddy::fs::metadata(&text).await.is_err());
            assert_eq!(eddy::fs::copy(&moved, &text).await.unwrap(), 6);
            eddy::fs::remove_file(&moved).await.unwrap();
            let err = eddy::fs::remove_file(&moved).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);

            let err = eddy::fs::read_to_string(&path).await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "not UTF-8");

            eddy::fs::remove_dir_all(dir.join("a")).await.unwrap();
            assert!(eddy::fs::metadata(dir.join("a")).await.is_err());
        });
    });
}

#[test]
fn read_dir_lists_every_entry_across_batches() {
    with_timeout(LIMIT, || {
        let scratch = Scratch::new("readdir");
        let dir = scratch.0.clone();
        rt().block_on(async move {
            for i in 0..100 {
                eddy::fs::write(dir.join(format!("f{i:03}")), [i as u8])
                    .await
                    .unwrap();
            }
            eddy::fs::create_dir(dir.join("sub")).await.unwrap();
            let mut entries = eddy::fs::read_dir(&dir).await.unwrap();
            let mut names = Vec::new();
            let mut dirs = 0;
            while let Some(entry) = entries.next_entry().await.unwrap() {
                assert_eq!(entry.path(), dir.join(entry.file_name()));
                if entry.file_type().await.unwrap().is_dir() {
                    dirs += 1;
                } else {
                    assert_eq!(entry.metadata().await.unwrap().len(), 1);
                }
                names.push(entry.file_name().into_string().unwrap());
            }
            assert!(
                entries.next_entry().await.unwrap().is_none(),
                "stays at the end"
            );
            names.sort();
            assert_eq!(names.len(), 101);
            assert_eq!(names[0], "f000");
            assert_eq!(dirs, 1);
        });
    });
}

#[test]
fn file_small_writes_then_small_reads_round_trip() {
    with_timeout(LIMIT, || {
        let scratch = Scratch::new("smallio");
        let path = scratch.0.join("lines.txt");
        rt().block_on(async move {
            let mut file = eddy::fs::File::create(&path).await.unwrap();
            let mut expected = Vec::new();
            for i in 0..20_000 {
                let line = format!("line {i}\n");
                file.write_all(line.as_bytes()).await.unwrap();
                expected.extend_from_slice(line.as_bytes());
            }
            file.close().await.unwrap();
            assert_eq!(eddy::fs::read(&path).await.unwrap(), expected);

            let mut file = eddy::fs::File::open(&path).await.unwrap();
            let mut got = Vec::new();
            let mut chunk = [0u8; 7];
            loop {
                let n = file.read(&mut chunk).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&chunk[..n]);
            }
            assert_eq!(got, expected);
        });
    });
}

#[test]
fn file_seeks_are_logical_across_read_ahead_and_pending_writes() {
    with_timeout(LIMIT, || {
        let scratch = Scratch::new("seek");
        let path = scratch.0.join("seek.bin");
        rt().block_on(async move {
            let std = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .unwrap();
            let mut file = eddy::fs::File::from_std(std);
            file.write_all(b"0123456789").await.unwrap();
            // A seek writes the pending data out first.
            assert_eq!(file.seek(SeekFrom::Start(2)).await.unwrap(), 2);
            let mut two = [0u8; 2];
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"23");
            // The read fetched ahead; the position is still the logical one.
            assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 4);
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"45");
            // A write after a read lands at the logical position, not after the read-ahead.
            file.write_all(b"ab").await.unwrap();
            assert_eq!(file.seek(SeekFrom::Current(-1)).await.unwrap(), 7);
            file.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"b8");
            assert_eq!(file.seek(SeekFrom::End(-1)).await.unwrap(), 9);
            file.write_all(b"XYZ").await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(eddy::fs::read(&path).await.unwrap(), b"012345ab8XYZ");

            file.set_len(4).await.unwrap();
            assert_eq!(file.metadata().await.unwrap().len(), 4);
            let std = file.into_std().await.unwrap();
            assert_eq!(std.metadata().unwrap().len(), 4);
        });
    });
}

#[test]
fn a_dropped_file_writes_its_buffer_in_the_background() {
    with_timeout(LIMIT, || {
        let scratch = Scratch::new("dropwrite");
        let path = scratch.0.join("dropped.txt");
        let rt = rt();
        let path2 = path.clone();
        rt.block_on(async move {
            let mut file = eddy::fs::File::create(&path2).await.unwrap();
            file.write_all(b"not flushed").await.unwrap();
        });
        drop(rt); // waits for the background write (a running blocking job)
        assert_eq!(std::fs::read(&path).unwrap(), b"not flushed");
    });
}

#[test]
fn a_file_dropped_by_the_runtime_shutdown_still_writes_its_buffer() {
    // The task's buffered write is still in the File when the shutdown cancels the task;
    // the pool has already shut down by then, so the last write runs on the thread that
    // drops the File. With the runtime entered on the dropping thread, this write was
    // once refused and the data lost.
    with_timeout(LIMIT, || {
        let scratch = Scratch::new("dropped-at-shutdown");
        let path = scratch.0.join("pending.txt");
        let rt = rt();
        let (written_tx, written_rx) = std::sync::mpsc::channel();
        let task_path = path.clone();
        let _task = rt.spawn(async move {
            let mut file = eddy::fs::File::create(&task_path).await.unwrap();
            file.write_all(b"hello").await.unwrap();
            written_tx.send(()).unwrap();
            std::future::pending::<()>().await;
            drop(file);
        });
        written_rx.recv().unwrap();
        let handle = rt.handle().clone();
        let _entered = handle.enter();
        drop(rt);
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    });
}

#[test]
fn stdout_and_stderr_write_through_the_blocking_pool() {
    with_timeout(LIMIT, || {
        rt().block_on(async {
            let mut out = eddy::io::stdout();
            out.write_all(b"eddy::io::stdout works\n").await.unwrap();
            out.flush().await.unwrap();
            let mut err = eddy::io::stderr();
            err.write_all(b"eddy::io::stderr works\n").await.unwrap();
            err.close().await.unwrap();
        });
    });
}

#[test]
fn fs_outside_a_runtime_panics_naming_the_fix() {
    let panic =
        std::panic::catch_unwind(|| futures_lite::future::block_on(eddy::fs::read("Cargo.toml")))
            .unwrap_err();
    let msg = support::panic_message(&*panic);
    assert!(msg.contains("outside a runtime"), "{msg}");
}
