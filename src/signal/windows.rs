//! Ctrl-C on Windows: a console control handler (`SetConsoleCtrlHandler`) feeding one
//! [`Slot`].
//!
//! The facade is `#![deny(unsafe_code)]`; this module allows it for the one foreign call
//! that installs the handler, and for the handler's `unsafe extern "system"` signature,
//! which the Win32 API dictates.

#![allow(unsafe_code)]

use std::io;
use std::sync::LazyLock;

use parking_lot::Mutex;
use windows_sys::core::BOOL;
use windows_sys::Win32::Foundation::{FALSE, TRUE};
use windows_sys::Win32::System::Console::{SetConsoleCtrlHandler, CTRL_C_EVENT};

use super::{Receiver, Slot};

/// The deliveries of `CTRL_C_EVENT`.
static CTRL_C: LazyLock<Slot> = LazyLock::new(Slot::new);

/// True once the handler is installed (it never is removed).
static INSTALLED: Mutex<bool> = parking_lot::const_mutex(false);

/// A receiver of the Ctrl-C events from now on, the handler installed first.
pub(super) fn ctrl_c() -> io::Result<Receiver> {
    let mut installed = INSTALLED.lock();
    if !*installed {
        // SAFETY: `on_console_event` has the signature `PHANDLER_ROUTINE` requires and,
        // being a plain function, stays valid for the life of the process (it is never
        // removed); `SetConsoleCtrlHandler` has no other precondition.
        if unsafe { SetConsoleCtrlHandler(Some(on_console_event), TRUE) } == FALSE {
            return Err(io::Error::last_os_error());
        }
        *installed = true;
    }
    drop(installed);
    Ok(Receiver::new(&CTRL_C))
}

/// The handler. The system calls it on a thread it starts for the event, not in a
/// restricted context as a Unix signal handler, so it wakes the waiters directly.
/// `TRUE` means "handled": a Ctrl-C no longer terminates the process. Other events go
/// on to the next handler (by default, the one that terminates the process).
unsafe extern "system" fn on_console_event(event: u32) -> BOOL {
    if event == CTRL_C_EVENT {
        CTRL_C.deliver();
        TRUE
    } else {
        FALSE
    }
}
