//! watch: every operation that can complete without waiting spends the cooperative
//! budget, so a task looping on one still lets the others on its worker run.

mod support;
mod sync_hooks;

use eddy::sync::watch;
use sync_hooks::spin_yields_to_other_tasks;

#[test]
fn changed_on_a_closed_channel_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let (tx, mut rx) = watch::channel(0);
        drop(tx);
        loop {
            assert!(rx.changed().await.is_err());
        }
    });
}

#[test]
fn changed_with_a_send_before_each_call_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let (tx, mut rx) = watch::channel(0);
        for i in 1.. {
            tx.send(i).unwrap();
            rx.changed().await.unwrap();
        }
    });
}

#[test]
fn wait_for_a_predicate_that_holds_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let (_tx, mut rx) = watch::channel(5);
        loop {
            assert_eq!(*rx.wait_for(|n| *n == 5).await.unwrap(), 5);
        }
    });
}

#[test]
fn closed_with_every_receiver_gone_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let (tx, rx) = watch::channel(());
        drop(rx);
        loop {
            tx.closed().await;
        }
    });
}
