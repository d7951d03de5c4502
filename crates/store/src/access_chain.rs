//! The tamper-evident access log: every resident's access entries form a SHA-256 hash chain.
//!
//! Each stored entry has a per-resident sequence number `seq` (1, 2, 3, ... in append order), the
//! hash of the entry before it (`prev_hash`, [`GENESIS`] for the first) and its own hash
//! `hash = entry_hash(prev_hash, entry)`. Changing, inserting or removing an entry in the middle
//! of a chain breaks it at that entry; [`verify`] finds the first break.
//!
//! # Hash input
//!
//! `hash = SHA-256(prev || encoding(entry))`, where `prev` is the previous entry's 32-byte hash
//! and `encoding(entry)` is the concatenation of:
//!
//! | field             | encoding                                                         |
//! |-------------------|------------------------------------------------------------------|
//! | version tag       | string `"minside.access_log.v1"`                                 |
//! | kommunenummer     | string (the four digits)                                         |
//! | resident id       | the 16 bytes of the UUID                                         |
//! | at                | unix microseconds, `i64` big-endian (sub-microseconds dropped)   |
//! | actor_kind        | string                                                           |
//! | actor_ref         | string                                                           |
//! | categories        | count as `u64` big-endian, then each category as a string, in order |
//! | purpose           | string                                                           |
//!
//! A *string* is its UTF-8 byte length as `u64` big-endian followed by the bytes, so no two
//! different entries share an encoding (`["a,b"]` and `["a", "b"]`, or `("ab", "c")` and
//! `("a", "bc")`, hash differently).
//!
//! # Retention and its limits
//!
//! Retention deletes the oldest entries of a chain, so [`verify`] anchors at the `prev_hash` of
//! the oldest remaining entry rather than at [`GENESIS`]. The chain therefore proves that no
//! remaining entry was changed, inserted or removed between the oldest and the newest remaining
//! entry; on its own it cannot tell a deleted tail (the newest entries) or an over-eager
//! retention from the real thing. Anchoring the newest hashes outside the database closes that
//! gap when it matters.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::{AccessLogEntry, ResidentId, stored::truncate_to_micros};

/// The `prev_hash` of the first entry of every chain.
pub const GENESIS: [u8; 32] = [0; 32];

/// Tags the encoding so a future change of the hash input can be told apart.
const VERSION_TAG: &str = "minside.access_log.v1";

/// The hash of `e` chained after the entry whose hash is `prev` (see the [module docs](self)).
pub fn entry_hash(prev: &[u8; 32], e: &AccessLogEntry) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(encode(e));
    hasher.finalize().into()
}

/// The canonical byte encoding of an entry, the part of the hash input after `prev`.
pub fn encode(e: &AccessLogEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    put_str(&mut out, VERSION_TAG);
    put_str(&mut out, e.kommunenummer.as_str());
    out.extend_from_slice(e.resident_id.0.as_bytes());
    out.extend_from_slice(&e.at.as_microsecond().to_be_bytes());
    put_str(&mut out, &e.actor_kind);
    put_str(&mut out, &e.actor_ref);
    put_len(&mut out, e.categories.len());
    for category in &e.categories {
        put_str(&mut out, category);
    }
    put_str(&mut out, &e.purpose);
    out
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // usize is at most 64 bits on every supported target.
    out.extend_from_slice(&(len as u64).to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// The newest entry of a resident's chain, where the next entry links on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: [u8; 32],
}

/// An access-log entry with its place in the resident's chain, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedEntry {
    /// 1 for the first entry of the resident, then one more per entry.
    pub seq: i64,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
    pub entry: AccessLogEntry,
}

/// The result of checking a resident's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainVerdict {
    /// How many entries the chain holds (all of them, also after a break).
    pub entries: u64,
    /// Whether every entry links to the one before and hashes to its stored hash.
    pub intact: bool,
    /// The `at` of the first entry where the chain breaks; `None` when intact.
    pub first_broken_at: Option<Timestamp>,
}

/// Splits a batch into one list per resident, each in the given order. Iterating the map visits
/// residents in id order: the order in which backends lock them, so that two batches never wait
/// for each other in a cycle.
pub fn group_by_resident(
    entries: Vec<AccessLogEntry>,
) -> BTreeMap<ResidentId, Vec<AccessLogEntry>> {
    let mut groups: BTreeMap<ResidentId, Vec<AccessLogEntry>> = BTreeMap::new();
    for entry in entries {
        groups.entry(entry.resident_id).or_default().push(entry);
    }
    groups
}

/// Chains `entries` (of one resident, in order) after `head` (`None`: a new chain from
/// [`GENESIS`]). Each entry's `at` is truncated to microseconds first, so the stored row hashes
/// the same when read back.
pub fn link(
    head: Option<ChainHead>,
    entries: impl IntoIterator<Item = AccessLogEntry>,
) -> Vec<ChainedEntry> {
    let (mut seq, mut prev) = head.map_or((0, GENESIS), |h| (h.seq, h.hash));
    entries
        .into_iter()
        .map(|mut entry| {
            entry.at = truncate_to_micros(entry.at);
            seq += 1;
            let hash = entry_hash(&prev, &entry);
            let linked = ChainedEntry {
                seq,
                prev_hash: prev,
                hash,
                entry,
            };
            prev = hash;
            linked
        })
        .collect()
}

/// Checks a resident's stored chain, given in `seq` order. The oldest entry is trusted for its
/// `prev_hash` only (retention may have deleted what came before); from there every entry must
/// follow the previous one in `seq`, link to its hash and hash to its own stored hash.
pub fn verify(chain: impl IntoIterator<Item = ChainedEntry>) -> ChainVerdict {
    let mut verdict = ChainVerdict {
        entries: 0,
        intact: true,
        first_broken_at: None,
    };
    let mut expected: Option<ChainHead> = None;
    for link in chain {
        verdict.entries += 1;
        if !verdict.intact {
            continue;
        }
        let head = expected.unwrap_or(ChainHead {
            seq: link.seq - 1,
            hash: link.prev_hash,
        });
        let follows = link.seq == head.seq + 1 && link.prev_hash == head.hash;
        if !follows || entry_hash(&link.prev_hash, &link.entry) != link.hash {
            verdict.intact = false;
            verdict.first_broken_at = Some(link.entry.at);
            continue;
        }
        expected = Some(ChainHead {
            seq: link.seq,
            hash: link.hash,
        });
    }
    verdict
}

#[cfg(test)]
#[path = "access_chain_tests.rs"]
mod tests;
