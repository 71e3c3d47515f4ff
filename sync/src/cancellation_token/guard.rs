//! [`DropGuard`] and [`DropGuardRef`]: cancel a token when a scope ends.

use std::fmt;

use super::CancellationToken;

/// Cancels its token when dropped, unless [`disarm`](DropGuard::disarm)ed; from
/// [`CancellationToken::drop_guard`].
///
/// # Examples
///
/// ```
/// let token = eddy::sync::CancellationToken::new();
/// let guard = token.clone().drop_guard();
/// let token_back = guard.disarm(); // no cancel
/// assert!(!token_back.is_cancelled());
/// ```
pub struct DropGuard {
    token: Option<CancellationToken>,
}

impl DropGuard {
    pub(super) fn new(token: CancellationToken) -> DropGuard {
        DropGuard { token: Some(token) }
    }

    /// The guarded token.
    ///
    /// # Examples
    ///
    /// ```
    /// let guard = eddy::sync::CancellationToken::new().drop_guard();
    /// assert!(!guard.token().is_cancelled());
    /// ```
    pub fn token(&self) -> &CancellationToken {
        self.token
            .as_ref()
            .expect("a DropGuard holds its token until disarmed")
    }

    /// Gives the token back without cancelling it.
    ///
    /// # Examples
    ///
    /// ```
    /// let guard = eddy::sync::CancellationToken::new().drop_guard();
    /// assert!(!guard.disarm().is_cancelled());
    /// ```
    pub fn disarm(mut self) -> CancellationToken {
        self.token
            .take()
            .expect("a DropGuard holds its token until disarmed")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = &self.token {
            token.cancel();
        }
    }
}

impl fmt::Debug for DropGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropGuard")
            .field("token", &self.token)
            .finish()
    }
}

/// A borrowing [`DropGuard`], from [`CancellationToken::drop_guard_ref`].
///
/// # Examples
///
/// ```
/// let token = eddy::sync::CancellationToken::new();
/// drop(token.drop_guard_ref());
/// assert!(token.is_cancelled());
/// ```
pub struct DropGuardRef<'a> {
    token: Option<&'a CancellationToken>,
}

impl<'a> DropGuardRef<'a> {
    pub(super) fn new(token: &'a CancellationToken) -> DropGuardRef<'a> {
        DropGuardRef { token: Some(token) }
    }

    /// The guarded token.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = eddy::sync::CancellationToken::new();
    /// assert_eq!(token.drop_guard_ref().token(), &token);
    /// ```
    pub fn token(&self) -> &CancellationToken {
        self.token
            .expect("a DropGuardRef holds its token until disarmed")
    }

    /// Gives the token back without cancelling it.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = eddy::sync::CancellationToken::new();
    /// let same = token.drop_guard_ref().disarm();
    /// assert!(!same.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> &'a CancellationToken {
        self.token
            .take()
            .expect("a DropGuardRef holds its token until disarmed")
    }
}

impl Drop for DropGuardRef<'_> {
    fn drop(&mut self) {
        if let Some(token) = self.token {
            token.cancel();
        }
    }
}

impl fmt::Debug for DropGuardRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropGuardRef")
            .field("token", &self.token)
            .finish()
    }
}
