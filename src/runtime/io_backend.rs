//! [`IoBackend`]: which OS poller a runtime's reactor drives, and how a build chooses one.

use std::io;

use eddy_reactor::Backend;

/// The environment variable [`Builder::build`](crate::Builder::build) reads when no backend
/// was set with [`Builder::io_backend`](crate::Builder::io_backend).
pub(crate) const IO_BACKEND_ENV: &str = "EDDY_IO_BACKEND";

/// Which OS poller the runtime's reactor drives, set with
/// [`Builder::io_backend`](crate::Builder::io_backend) and reported by
/// [`Handle::io_backend`](crate::runtime::Handle::io_backend).
///
/// Every backend keeps every readiness guarantee eddy documents (docs/io.md); they differ
/// in cost and in where they exist:
///
/// | backend | where | how |
/// |---|---|---|
/// | [`Epoll`](IoBackend::Epoll) | Linux, Android | epoll driven directly, edge-triggered with `EPOLLRDHUP`: the fast path |
/// | [`Polling`](IoBackend::Polling) | every OS | the `polling` crate: kqueue (macOS, BSDs), IOCP (Windows), event ports, poll(2); edge-triggered where the OS can, one-shot elsewhere |
/// | [`PollingOneshot`](IoBackend::PollingOneshot) | every OS | `polling`, one-shot everywhere: the path Windows takes, for testing it on Linux and macOS |
///
/// # Choosing
///
/// [`Auto`](IoBackend::Auto), the default, takes the environment variable
/// `EDDY_IO_BACKEND` (`epoll`, `polling` or `polling-oneshot`) if it is set, and otherwise
/// epoll on Linux and Android, polling elsewhere. An explicit choice on the builder wins
/// over the variable. Asking for epoll where there is none, or naming an unknown backend in
/// the variable, makes `build()` fail with [`InvalidInput`](io::ErrorKind::InvalidInput).
///
/// # Examples
///
/// ```
/// use eddy::runtime::IoBackend;
///
/// let rt = eddy::Builder::new()
///     .worker_threads(1)
///     .io_backend(IoBackend::Polling)
///     .build()?;
/// assert_eq!(rt.handle().io_backend(), IoBackend::Polling);
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum IoBackend {
    /// `EDDY_IO_BACKEND` if set, else the OS's native backend (epoll on Linux and Android,
    /// polling elsewhere). A running runtime never reports `Auto`.
    #[default]
    Auto,
    /// epoll, driven directly (Linux and Android only).
    Epoll,
    /// The `polling` crate, on every OS.
    Polling,
    /// The `polling` crate in one-shot mode (the path Windows takes), on every OS.
    PollingOneshot,
}

impl IoBackend {
    /// The backend's name: `auto`, `epoll`, `polling`, `polling-oneshot`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(eddy::runtime::IoBackend::Polling.name(), "polling");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            IoBackend::Auto => "auto",
            IoBackend::Epoll => "epoll",
            IoBackend::Polling => "polling",
            IoBackend::PollingOneshot => "polling-oneshot",
        }
    }

    /// The reactor's backend for an explicit choice (`None` for `Auto`).
    fn explicit(self) -> Option<Backend> {
        match self {
            IoBackend::Auto => None,
            IoBackend::Epoll => Some(Backend::Epoll),
            IoBackend::Polling => Some(Backend::Polling),
            IoBackend::PollingOneshot => Some(Backend::PollingOneshot),
        }
    }

    /// What a running reactor reports.
    pub(crate) fn of(backend: Backend) -> IoBackend {
        match backend {
            Backend::Epoll => IoBackend::Epoll,
            Backend::PollingOneshot => IoBackend::PollingOneshot,
            _ => IoBackend::Polling,
        }
    }

    /// Resolves the builder's choice, then `EDDY_IO_BACKEND`, then the OS's native
    /// backend, into the backend to build; the errors name what to change.
    pub(crate) fn resolve(self, env: Option<&str>) -> io::Result<Backend> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        let backend = match (self.explicit(), env.map(str::trim)) {
            (Some(backend), _) => {
                if !backend.is_available() {
                    return Err(invalid(format!(
                        "`io_backend(IoBackend::{self:?})`: {} is not available on this OS \
                         (epoll is Linux and Android only); use IoBackend::Auto or \
                         IoBackend::Polling",
                        backend.name()
                    )));
                }
                backend
            }
            (None, Some(name)) if !name.is_empty() => {
                let backend: Backend = name.parse().map_err(|_| {
                    invalid(format!(
                        "{IO_BACKEND_ENV}={name:?}: unknown I/O backend; expected \"epoll\", \
                         \"polling\" or \"polling-oneshot\" (or unset it)"
                    ))
                })?;
                if !backend.is_available() {
                    return Err(invalid(format!(
                        "{IO_BACKEND_ENV}={name:?}: {} is not available on this OS (epoll is \
                         Linux and Android only); set it to \"polling\" or unset it",
                        backend.name()
                    )));
                }
                backend
            }
            (None, _) => Backend::native(),
        };
        Ok(backend)
    }
}

impl std::fmt::Display for IoBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use std::io::ErrorKind::InvalidInput;

    use eddy_reactor::Backend;

    use super::IoBackend;

    #[test]
    fn auto_takes_the_environment_then_the_native_backend() {
        assert_eq!(IoBackend::Auto.resolve(None).unwrap(), Backend::native());
        assert_eq!(
            IoBackend::Auto.resolve(Some(" ")).unwrap(),
            Backend::native()
        );
        let polling = IoBackend::Auto.resolve(Some("polling")).unwrap();
        assert_eq!(polling, Backend::Polling);
        let oneshot = IoBackend::Auto.resolve(Some(" Polling-Oneshot\n")).unwrap();
        assert_eq!(oneshot, Backend::PollingOneshot);
    }

    #[test]
    fn the_builders_choice_wins_over_the_environment() {
        let chosen = IoBackend::Polling.resolve(Some("epoll")).unwrap();
        assert_eq!(chosen, Backend::Polling);
        // Even an invalid variable does not matter then.
        let chosen = IoBackend::PollingOneshot.resolve(Some("kqueue")).unwrap();
        assert_eq!(chosen, Backend::PollingOneshot);
    }

    #[test]
    fn an_unknown_name_in_the_environment_is_invalid_input_naming_it() {
        let error = IoBackend::Auto.resolve(Some("kqueue")).unwrap_err();
        assert_eq!(error.kind(), InvalidInput);
        let message = error.to_string();
        assert!(message.contains("EDDY_IO_BACKEND=\"kqueue\""), "{message}");
        assert!(message.contains("\"polling\""), "{message}");
    }

    #[test]
    fn epoll_is_there_exactly_on_linux_and_android() {
        let linux = cfg!(any(target_os = "linux", target_os = "android"));
        let explicit = IoBackend::Epoll.resolve(None);
        let from_env = IoBackend::Auto.resolve(Some("epoll"));
        assert_eq!(explicit.is_ok(), linux);
        assert_eq!(from_env.is_ok(), linux);
        if !linux {
            let message = explicit.unwrap_err().to_string();
            assert!(
                message.contains("io_backend(IoBackend::Epoll)"),
                "{message}"
            );
            let message = from_env.unwrap_err().to_string();
            assert!(message.contains("EDDY_IO_BACKEND"), "{message}");
        }
    }

    #[test]
    fn a_running_runtime_reports_what_it_resolved_to() {
        for backend in [IoBackend::Polling, IoBackend::PollingOneshot] {
            let rt = crate::Builder::new()
                .worker_threads(1)
                .io_backend(backend)
                .build()
                .unwrap();
            assert_eq!(rt.handle().io_backend(), backend);
        }
        let rt = crate::Builder::new().worker_threads(1).build().unwrap();
        assert_ne!(rt.handle().io_backend(), IoBackend::Auto);
    }
}
