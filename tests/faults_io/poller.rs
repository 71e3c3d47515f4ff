//! The poller cannot be created.

use eddy::faults::{Call, Faults, When};
use eddy::runtime::{Builder, IoBackend};

use crate::support::with_timeout;
use crate::LIMIT;

/// `epoll_create1` (or the portable poller) fails with EMFILE, or the epoll backend's
/// eventfd cannot be made: `build()` returns the error, for both kinds of runtime, and
/// leaves no thread behind; the next build works.
#[test]
fn build_returns_the_error_when_the_poller_cannot_be_created() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let backends = [
            (Call::PollerCreate, IoBackend::Polling),
            (Call::PollerCreate, IoBackend::Epoll),
            (Call::Eventfd, IoBackend::Epoll),
        ];
        let mut round = 0;
        // (Epoll off Linux is an InvalidInput error before any system call.)
        for (call, backend) in backends
            .into_iter()
            .filter(|(_, b)| *b != IoBackend::Epoll || cfg!(target_os = "linux"))
        {
            let builders = [Builder::new_multi_thread(), Builder::new_current_thread()];
            for mut builder in builders {
                // A name of its own per build: the threads of the runtime built (and
                // dropped) in the round before are joined, but the kernel may list them
                // in /proc for a moment longer.
                round += 1;
                // (Short: Linux keeps 15 bytes of a thread's name.)
                let name = format!("fp{round}");
                faults.arm(call, When::Nth(1), libc::EMFILE);
                let err = builder
                    .io_backend(backend)
                    .thread_name(name.clone())
                    .build()
                    .expect_err("build() with no poller");
                assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{call:?}: {err}");
                assert_eq!(faults.injected(call), 1);
                let prefix = format!("{name}-");
                eddy_test_support::process::assert_no_thread_named(&prefix, "a failed build");
                // Nothing is left broken: the same builder builds once the OS says yes.
                let rt = builder.build().unwrap();
                assert_eq!(rt.block_on(async { 1 + 1 }), 2);
            }
        }
    });
}
