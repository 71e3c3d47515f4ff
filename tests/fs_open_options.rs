//! eddy::fs::OpenOptions (tokio's) and File's set_len, sync_all, sync_data, try_clone,
//! set_permissions, try_into_std: each sees the writes buffered before it, and set_len
//! drops read-ahead that the truncation made stale.

mod support;

use std::io::{ErrorKind, SeekFrom};
use std::path::PathBuf;

use eddy::fs::{File, OpenOptions};
use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use support::{runtime, with_timeout, LIMIT};

/// A fresh directory for one test, removed at the end of it.
fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eddy-fs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run<F: std::future::Future<Output = ()> + Send + 'static>(f: F) {
    with_timeout(LIMIT, move || runtime(2).block_on(f));
}

#[test]
fn open_options_modes_behave_as_std() {
    run(async {
        let dir = dir("modes");
        let path = dir.join("f");
        // Not there: read fails, create makes it.
        let err = OpenOptions::new().read(true).open(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .open(&path)
            .await
            .unwrap();
        file.write_all(b"hello world").await.unwrap();
        file.close().await.unwrap();
        // create_new refuses an existing file.
        let err = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        // write without truncate overwrites in place.
        let mut file = OpenOptions::new().write(true).open(&path).await.unwrap();
        file.write_all(b"HELLO").await.unwrap();
        file.close().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"HELLO world");
        // append goes to the end whatever the position.
        let mut file = File::options().append(true).open(&path).await.unwrap();
        file.write_all(b"!").await.unwrap();
        file.close().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"HELLO world!");
        // read + write on one handle.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut head = [0; 5];
        file.read_exact(&mut head).await.unwrap();
        file.write_all(b"_").await.unwrap();
        file.close().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"HELLO_world!");
        // truncate empties it.
        let file = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 0);
        // Contradictions are std's InvalidInput, not a panic.
        let err = OpenOptions::new().open(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let err = OpenOptions::new()
            .read(true)
            .truncate(true)
            .open(&path)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        // From std's options, and Default.
        let mut std_options = std::fs::OpenOptions::new();
        std_options.read(true);
        assert!(OpenOptions::from(std_options).open(&path).await.is_ok());
        assert!(OpenOptions::default().read(true).open(&path).await.is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[cfg(unix)]
#[test]
fn mode_and_custom_flags_reach_open() {
    use std::os::unix::fs::PermissionsExt;
    run(async {
        let dir = dir("unix");
        let path = dir.join("secret");
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await
            .unwrap();
        let mode = file.metadata().await.unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let link = dir.join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let err = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&link)
            .await
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn set_len_writes_out_buffered_data_first() {
    run(async {
        let dir = dir("set-len-writes");
        let path = dir.join("f");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"0123456789").await.unwrap(); // buffered
        file.set_len(4).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"0123");
        // The position stayed at 10: the next write leaves a hole of zeros.
        file.write_all(b"X").await.unwrap();
        file.close().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"0123\0\0\0\0\0\0X");
        // Extending.
        let mut file = OpenOptions::new().write(true).open(&path).await.unwrap();
        file.set_len(20).await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 20);
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn set_len_drops_read_ahead_the_truncation_made_stale() {
    run(async {
        let dir = dir("set-len-reads");
        let path = dir.join("f");
        std::fs::write(&path, b"hello world").unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        let mut head = [0; 3];
        file.read_exact(&mut head).await.unwrap(); // the whole file is read ahead
        assert_eq!(&head, b"hel");
        file.set_len(7).await.unwrap();
        // The rest comes from the file as it is now, from the logical position 3.
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"lo w");
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 7);
        // And a seek after it lands where asked.
        file.seek(SeekFrom::Start(1)).await.unwrap();
        let mut one = [0; 2];
        file.read_exact(&mut one).await.unwrap();
        assert_eq!(&one, b"el");
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn set_len_on_a_read_only_file_is_an_error_and_the_file_still_works() {
    run(async {
        let mut file = File::open("Cargo.toml").await.unwrap();
        let mut head = [0; 4];
        file.read_exact(&mut head).await.unwrap();
        assert!(file.set_len(0).await.is_err());
        let mut next = [0; 5];
        file.read_exact(&mut next).await.unwrap();
        assert_eq!(&[head.as_slice(), next.as_slice()].concat(), b"[workspac");
    });
}

#[test]
fn sync_all_and_sync_data_write_out_buffered_data() {
    run(async {
        let dir = dir("sync");
        let path = dir.join("f");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"all").await.unwrap();
        file.sync_all().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"all");
        file.write_all(b" data").await.unwrap();
        file.sync_data().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"all data");
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn try_clone_set_permissions_and_conversions_to_std() {
    run(async {
        let dir = dir("clone");
        let path = dir.join("f");
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"abc").await.unwrap();
        file.flush().await.unwrap();
        let clone = file.try_clone().await.unwrap();
        assert_eq!(clone.metadata().await.unwrap().len(), 3);

        let mut perms = file.metadata().await.unwrap().permissions();
        perms.set_readonly(true);
        file.set_permissions(perms).await.unwrap();
        assert!(std::fs::metadata(&path).unwrap().permissions().readonly());

        // Unwritten data: try_into_std hands the File back, into_std writes it first.
        file.write_all(b"def").await.unwrap();
        let file = file.try_into_std().unwrap_err();
        let std = file.into_std().await.unwrap();
        assert_eq!(std.metadata().unwrap().len(), 6);
        // Clean: at once.
        let std = File::from_std(std).try_into_std().unwrap();
        drop((std, clone));
        // Read-ahead moves the OS position past the logical one: handed back too.
        let mut file = File::open(&path).await.unwrap();
        let mut one = [0; 1];
        file.read_exact(&mut one).await.unwrap();
        let file = file.try_into_std().unwrap_err();
        let mut std = file.into_std().await.unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut std, &mut rest).unwrap();
        assert_eq!(rest, "bcdef");
        std::fs::remove_dir_all(&dir).unwrap();
    });
}
