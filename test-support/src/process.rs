//! What the tests ask the OS about their own process: how many file descriptors are open
//! (leak checks) and how many threads carry a name (the blocking pool's caps and
//! keep-alive). Each OS answers differently, so each answer is written once, here, per OS:
//!
//! | question | Linux, Android | macOS | FreeBSD | other Unixes |
//! |---|---|---|---|---|
//! | [`open_fds`] | `/proc/self/fd` | `fcntl` probe | `fcntl` probe | `fcntl` probe |
//! | [`threads_named`] | `/proc/self/task/*/comm` | `proc_pidinfo` | `sysctl(KERN_PROC)` | — |
//!
//! Where there is no answer yet (marked —, and Windows), the function panics, naming
//! this file: a test then fails with that message rather than passing unchecked.
//!
//! Both counts are process-wide: a test that uses one runs alone in its binary, or
//! serialises with the others there.

// The FFI below (fcntl, proc_pidinfo, sysctl) is the one use of unsafe code in this crate.
#![allow(unsafe_code)]

/// The file descriptors this process has open.
///
/// Linux and Android list them in `/proc/self/fd` (the count includes the descriptor
/// that reads the list: compare counts, not absolute numbers). Other Unixes have no such
/// list by default (FreeBSD's `/dev/fd` shows only 0 to 2 unless fdescfs is mounted), so
/// there every descriptor number below the soft `RLIMIT_NOFILE` limit (at most 65,536)
/// is probed with `fcntl(F_GETFD)`: a descriptor opened before the limit was lowered
/// below it is not seen.
///
/// # Panics
///
/// Off Unix (no way to count yet), or if the OS refuses to answer.
///
/// # Examples
///
/// ```
/// # if cfg!(unix) {
/// use eddy_test_support::process::open_fds;
///
/// let before = open_fds();
/// let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
/// assert_eq!(open_fds(), before + 1);
/// drop(file);
/// assert_eq!(open_fds(), before);
/// # }
/// ```
pub fn open_fds() -> usize {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        std::fs::read_dir("/proc/self/fd")
            .expect("/proc/self/fd")
            .count()
    }
    #[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` into the valid, exclusively borrowed
        // `limit`.
        let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        assert_eq!(got, 0, "getrlimit: {}", std::io::Error::last_os_error());
        // `rlim_t` is unsigned on macOS and signed on FreeBSD; RLIM_INFINITY is huge on both.
        let below = i32::try_from(limit.rlim_cur)
            .unwrap_or(i32::MAX)
            .min(1 << 16);
        (0..below)
            // SAFETY: F_GETFD only reads the descriptor table; a number that is not an
            // open descriptor gets EBADF, never undefined behaviour.
            .filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1)
            .count()
    }
    #[cfg(not(unix))]
    {
        panic!("open_fds cannot count descriptors on this OS yet: add a way in test-support/src/process.rs")
    }
}

/// The live threads of this process whose name starts with `prefix`.
///
/// Linux truncates thread names to 15 bytes and FreeBSD to 19, so a prefix should fit
/// in 15. Linux and Android read `/proc/self/task/*/comm`; macOS lists the threads with
/// `proc_pidinfo(PROC_PIDLISTTHREADS)` and names each with `PROC_PIDTHREADINFO`; FreeBSD
/// asks `sysctl` for one `kinfo_proc` per thread. A thread that exits while it is being
/// listed may or may not be counted.
///
/// # Panics
///
/// On an OS with no way to list threads yet (see the module's table), or if the OS
/// refuses to answer.
///
/// # Examples
///
/// ```
/// # if cfg!(any(target_os = "linux", target_os = "android", target_os = "macos", target_os = "freebsd")) {
/// use std::sync::mpsc;
/// use eddy_test_support::process::{assert_no_thread_named, threads_named};
///
/// assert_eq!(threads_named("doc-probe"), 0);
/// let (up_tx, up_rx) = mpsc::channel();
/// let (done_tx, done_rx) = mpsc::channel::<()>();
/// let thread = std::thread::Builder::new()
///     .name("doc-probe-1".into())
///     .spawn(move || {
///         up_tx.send(()).unwrap();
///         let _ = done_rx.recv();
///     })
///     .unwrap();
/// up_rx.recv().unwrap(); // the thread names itself before it runs the closure
/// assert_eq!(threads_named("doc-probe"), 1);
/// drop(done_tx);
/// thread.join().unwrap();
/// assert_no_thread_named("doc-probe", "the joined thread"); // (not `threads_named == 0`)
/// # }
/// ```
pub fn threads_named(prefix: &str) -> usize {
    thread_names()
        .iter()
        .filter(|name| name.starts_with(prefix))
        .count()
}

/// Waits until no live thread's name starts with `prefix`, and panics naming `what` if
/// one is still listed after 5 s.
///
/// Use this, not `threads_named(prefix) == 0`, right after the threads were joined: the
/// kernel lets `pthread_join` return as the thread exits, a little before the thread
/// leaves the lists [`threads_named`] reads, so a joined thread may still be counted for
/// a moment. A thread really left running (parked, or idling out a keep-alive of
/// seconds) still fails this.
///
/// # Panics
///
/// If a thread named `prefix*` is still listed after 5 s, or where [`threads_named`]
/// panics.
///
/// # Examples
///
/// ```
/// # if cfg!(any(target_os = "linux", target_os = "android", target_os = "macos", target_os = "freebsd")) {
/// use eddy_test_support::process::assert_no_thread_named;
///
/// let thread = std::thread::Builder::new()
///     .name("doc-gone-1".into())
///     .spawn(|| ())
///     .unwrap();
/// thread.join().unwrap();
/// assert_no_thread_named("doc-gone", "the joined thread");
/// # }
/// ```
pub fn assert_no_thread_named(prefix: &str, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let live = threads_named(prefix);
        if live == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: {live} live thread(s) named {prefix}* after 5 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// The names of the process's live threads.
///
/// One listing of `/proc/self/task` can miss live threads: the kernel walks the thread
/// group on from the last thread it listed, and when that thread has exited meanwhile it
/// ends the walk, or restarts it by position and skips threads. Tests run in parallel,
/// so threads exit all the time: the names are read until two listings in a row agree
/// (undercounting would take the same miss twice over).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn thread_names() -> Vec<String> {
    fn listing() -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir("/proc/self/task")
            .expect("/proc/self/task")
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .map(|name| name.trim_end().to_owned())
            .collect();
        names.sort_unstable();
        names
    }
    let mut last = listing();
    for _ in 0..100 {
        let next = listing();
        if next == last {
            break;
        }
        last = next;
    }
    last
}

/// The names of the process's live threads.
#[cfg(target_os = "macos")]
fn thread_names() -> Vec<String> {
    use std::mem::size_of;

    /// `PROC_PIDLISTTHREADS` of `<sys/proc_info.h>` (the libc crate lacks it): the
    /// process's thread handles, one `u64` each, as `PROC_PIDTHREADINFO` takes them.
    const PROC_PIDLISTTHREADS: libc::c_int = 6;

    let pid = libc::c_int::try_from(std::process::id()).expect("pid fits a c_int");
    let mut handles = vec![0u64; 256];
    loop {
        let room = libc::c_int::try_from(handles.len() * size_of::<u64>()).unwrap();
        // SAFETY: `handles` is valid for writes of `room` bytes, and proc_pidinfo writes
        // at most `room` bytes of whole `u64`s.
        let filled = unsafe {
            libc::proc_pidinfo(
                pid,
                PROC_PIDLISTTHREADS,
                0,
                handles.as_mut_ptr().cast(),
                room,
            )
        };
        assert!(
            filled > 0,
            "proc_pidinfo(PROC_PIDLISTTHREADS): {}",
            std::io::Error::last_os_error()
        );
        let listed = usize::try_from(filled).unwrap() / size_of::<u64>();
        if listed < handles.len() {
            handles.truncate(listed);
            break;
        }
        // Full: there may be more threads than room. Ask again with twice the room.
        handles.resize(handles.len() * 2, 0);
    }
    let size = libc::c_int::try_from(size_of::<libc::proc_threadinfo>()).unwrap();
    handles
        .into_iter()
        .filter_map(|handle| {
            // SAFETY: `proc_threadinfo` is integers and a `c_char` array: all zeroes is a
            // valid value.
            let mut info: libc::proc_threadinfo = unsafe { std::mem::zeroed() };
            // SAFETY: `info` is valid for writes of `size` bytes, its own size.
            let got = unsafe {
                libc::proc_pidinfo(
                    pid,
                    libc::PROC_PIDTHREADINFO,
                    handle,
                    (&mut info as *mut libc::proc_threadinfo).cast(),
                    size,
                )
            };
            // Anything else: the thread exited after it was listed.
            (got == size).then(|| c_chars_to_string(&info.pth_name))
        })
        .collect()
}

/// The names of the process's live threads.
#[cfg(target_os = "freebsd")]
fn thread_names() -> Vec<String> {
    use std::mem::size_of;

    /// `KERN_PROC_INC_THREAD` of `<sys/sysctl.h>` (the libc crate lacks it): one
    /// `kinfo_proc` per thread rather than one for the process.
    const KERN_PROC_INC_THREAD: libc::c_int = 0x10;

    let pid = libc::c_int::try_from(std::process::id()).expect("pid fits a c_int");
    let mib = [
        libc::CTL_KERN,
        libc::KERN_PROC,
        libc::KERN_PROC_PID | KERN_PROC_INC_THREAD,
        pid,
    ];
    let procs = loop {
        let mut len = 0usize;
        // SAFETY: `mib` holds 4 valid integers; a null old buffer asks only for the size,
        // which sysctl writes to the exclusively borrowed `len`.
        let rc = unsafe {
            libc::sysctl(
                mib.as_ptr(),
                4,
                std::ptr::null_mut(),
                &mut len,
                std::ptr::null(),
                0,
            )
        };
        assert_eq!(
            rc,
            0,
            "sysctl(KERN_PROC): {}",
            std::io::Error::last_os_error()
        );
        // Room for threads started between the two calls.
        let room = len / size_of::<libc::kinfo_proc>() + 16;
        let mut procs: Vec<libc::kinfo_proc> = Vec::with_capacity(room);
        let mut len = room * size_of::<libc::kinfo_proc>();
        // SAFETY: `procs` has capacity for `len` bytes; sysctl writes at most `len` bytes
        // and stores the number written in `len`.
        let rc = unsafe {
            libc::sysctl(
                mib.as_ptr(),
                4,
                procs.as_mut_ptr().cast(),
                &mut len,
                std::ptr::null(),
                0,
            )
        };
        if rc == 0 {
            // SAFETY: the kernel wrote `len` bytes of whole `kinfo_proc` records (plain
            // data: integers, arrays and pointers it does not ask us to follow) at the
            // start of the buffer, within its capacity.
            unsafe { procs.set_len(len / size_of::<libc::kinfo_proc>()) };
            break procs;
        }
        let err = std::io::Error::last_os_error();
        // ENOMEM: more threads than room; ask again.
        assert_eq!(
            err.raw_os_error(),
            Some(libc::ENOMEM),
            "sysctl(KERN_PROC): {err}"
        );
    };
    if let Some(first) = procs.first() {
        // The records are the kernel's size; indexing them as the libc crate's assumes
        // both agree.
        assert_eq!(
            usize::try_from(first.ki_structsize).ok(),
            Some(size_of::<libc::kinfo_proc>()),
            "the kernel's kinfo_proc is not the libc crate's: its FreeBSD version differs"
        );
    }
    procs
        .iter()
        .map(|proc| {
            // A name longer than TDNAMLEN continues in `ki_moretdname` (as procstat
            // prints it).
            c_chars_to_string(&proc.ki_tdname) + &c_chars_to_string(&proc.ki_moretdname)
        })
        .collect()
}

/// The names of the process's live threads: no way to list them here yet.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "freebsd"
)))]
fn thread_names() -> Vec<String> {
    panic!("threads_named cannot list threads on this OS yet: add a way in test-support/src/process.rs")
}

/// A NUL-terminated name in a fixed `c_char` array (no NUL: the whole array).
#[cfg(any(target_os = "macos", target_os = "freebsd"))]
fn c_chars_to_string(chars: &[libc::c_char]) -> String {
    // `c_char` is `i8` or `u8` by target; `as u8` keeps the byte either way.
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
