//! Building a [`JoinSet`] from futures: `FromIterator` and `Extend`, spawning each.

use std::future::Future;

use super::JoinSet;

/// Spawns each future as a task in a new set on the current runtime, as
/// [`spawn`](JoinSet::spawn) does.
///
/// # Panics
///
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// use eddy::task::JoinSet;
///
/// eddy::run(async {
///     let set: JoinSet<usize> = ["a", "bb", "ccc"]
///         .into_iter()
///         .map(|s| async move { s.len() })
///         .collect();
///     assert_eq!(set.len(), 3);
///     assert_eq!(set.join_all().await.into_iter().sum::<usize>(), 6);
/// });
/// ```
impl<T, F> FromIterator<F> for JoinSet<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(futures: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(futures);
        set
    }
}

/// Spawns each future as a task in the set on the current runtime, as
/// [`spawn`](JoinSet::spawn) does.
///
/// # Panics
///
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let mut set = eddy::task::JoinSet::new();
///     set.spawn(async { 1 });
///     set.extend([2, 3].map(|i| async move { i }));
///     assert_eq!(set.join_all().await.len(), 3);
/// });
/// ```
impl<T, F> Extend<F> for JoinSet<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, futures: I) {
        for future in futures {
            self.spawn(future);
        }
    }
}
