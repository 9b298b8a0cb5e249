//! What every [`KvStore`] must do, written once and run against each
//! backend (the memory store's and the SQLite store's tests call these),
//! so the backends cannot drift apart.

use std::time::{Duration, SystemTime};

use super::{KvStore, StorageError};
use crate::ids::TeamId;

/// Teams never see each other's keys; listing is by prefix, sorted.
pub(super) async fn teams_are_isolated(kv: &dyn KvStore) {
    let (a, b) = (TeamId::from("TA"), TeamId::from("TB"));
    for k in ["n/2", "n/1", "m/1"] {
        kv.set(&a, k, b"x".to_vec()).await.expect("set");
    }
    assert_eq!(kv.list_keys(&a, "n/").await.expect("list"), ["n/1", "n/2"]);
    assert_eq!(kv.get(&b, "n/1").await, Ok(None));
    assert!(kv.list_keys(&b, "").await.expect("list").is_empty());
    assert_eq!(kv.delete(&b, "n/1").await, Ok(false));
    assert_eq!(kv.increment(&b, "m/1", 1).await, Ok(1));
    assert_eq!(kv.get(&a, "m/1").await, Ok(Some(b"x".to_vec())));
    kv.purge_team(&a).await.expect("purge");
    assert!(kv.list_keys(&a, "").await.expect("list").is_empty());
    assert_eq!(kv.get(&b, "m/1").await, Ok(Some(b"1".to_vec())));
}

/// Every key under `prefix`, a page of `limit` at a time.
pub(super) async fn all_pages(
    kv: &dyn KvStore,
    team: &TeamId,
    prefix: &str,
    limit: usize,
) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = kv
            .list_keys_page(team, prefix, after.as_deref(), limit)
            .await
            .expect("page");
        pages += 1;
        assert!(page.keys.len() <= limit.max(1));
        seen.extend(page.keys);
        match page.next {
            Some(next) => after = Some(next),
            None => return (seen, pages),
        }
    }
}

/// Counters: ASCII decimal, absent as 0, anything else or an overflow
/// refused without a write.
pub(super) async fn increment_counts_in_decimal(kv: &dyn KvStore) {
    let team = TeamId::from("T1");
    assert_eq!(kv.increment(&team, "n", 5).await, Ok(5));
    assert_eq!(kv.get(&team, "n").await, Ok(Some(b"5".to_vec())));
    assert_eq!(kv.increment(&team, "n", -7).await, Ok(-2));
    kv.set(&team, "text", b"forty".to_vec()).await.expect("set");
    assert_eq!(
        kv.increment(&team, "text", 1).await,
        Err(StorageError::NotANumber)
    );
    assert_eq!(kv.get(&team, "text").await, Ok(Some(b"forty".to_vec())));
    let max = i64::MAX.to_string().into_bytes();
    kv.set(&team, "max", max.clone()).await.expect("set");
    assert_eq!(
        kv.increment(&team, "max", 1).await,
        Err(StorageError::NotANumber)
    );
    assert_eq!(kv.get(&team, "max").await, Ok(Some(max)));
}

/// Compare-and-swap: absent as expected, a mismatch changes nothing, and
/// `None` as the new value deletes.
pub(super) async fn compare_and_swap_sets_only_over_the_expected_value(kv: &dyn KvStore) {
    fn bytes(text: &'static str) -> Option<&'static [u8]> {
        Some(text.as_bytes())
    }
    let team = TeamId::from("T1");
    let swap = |expected: Option<&'static [u8]>, new: Option<&'static [u8]>| {
        let team = team.clone();
        async move {
            kv.compare_and_swap(&team, "k", expected, new.map(<[u8]>::to_vec))
                .await
        }
    };
    assert_eq!(swap(None, bytes("1")).await, Ok(true), "absent as expected");
    assert_eq!(swap(None, bytes("2")).await, Ok(false), "no longer absent");
    assert_eq!(swap(bytes("0"), bytes("2")).await, Ok(false));
    assert_eq!(kv.get(&team, "k").await, Ok(Some(b"1".to_vec())));
    assert_eq!(swap(bytes("1"), bytes("2")).await, Ok(true));
    assert_eq!(swap(bytes("2"), None).await, Ok(true), "None deletes");
    assert_eq!(kv.get(&team, "k").await, Ok(None));
    assert_eq!(swap(bytes("2"), None).await, Ok(false));
}

/// A retired team's state stays until its date, then `purge_expired`
/// drops it; a revived team's stays.
pub(super) async fn retired_teams_are_purged_when_due(kv: &dyn KvStore) {
    let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    let (gone, back, served) = (TeamId::from("TA"), TeamId::from("TB"), TeamId::from("TC"));
    for team in [&gone, &back, &served] {
        kv.set(team, "k", vec![1]).await.expect("set");
    }
    kv.retire(&gone, at(1_000)).await.expect("retire");
    kv.retire(&back, at(1_000)).await.expect("retire");
    kv.revive(&back).await.expect("revive");
    assert_eq!(
        kv.get(&gone, "k").await,
        Ok(Some(vec![1])),
        "kept until due"
    );
    assert_eq!(kv.purge_expired(at(999)).await, Ok(0));
    assert_eq!(kv.purge_expired(at(1_000)).await, Ok(1));
    assert_eq!(kv.get(&gone, "k").await, Ok(None));
    assert_eq!(kv.purge_expired(at(5_000)).await, Ok(0), "purged once");
    for team in [&back, &served] {
        assert_eq!(kv.get(team, "k").await, Ok(Some(vec![1])));
    }
}
