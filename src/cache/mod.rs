//! The result cache (docs/runtime.md), kept in memory or in a SQLite file.
//!
//! An entry's key is (FQN, cache version, salt, hash of the inputs): the version is the
//! hash of the task's source text and interface for `"auto"`, or the user's `version_override`;
//! the inputs hash is a SHA-256 of the canonical JSON of the inputs (dict keys sorted), leaving
//! out `ignored_inputs`. Values are stored as JSON and read back by the task's return type.
//!
//! The file (`.flyte/cache.db` beside the script by default) is opened in WAL mode with a busy
//! timeout, so concurrent runs sharing it both succeed; its schema carries a version
//! (`PRAGMA user_version`). A file that is damaged, or not a database at all, is moved aside
//! (to a name no other process uses, never over another file) with a warning and a fresh cache
//! starts: never a crash, never a wrong value. A read-only file (or folder) is opened read-only:
//! hits are served, writes skipped, one warning. Writes are buffered and committed in batches.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[cfg(feature = "cache")]
mod sqlite;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// A cache key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub fqn: String,
    pub version: String,
    pub salt: String,
    /// Hex SHA-256 of the canonical inputs.
    pub inputs: String,
}

/// One stored entry, as `cache list` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Key,
    /// Size of the stored value in bytes.
    pub size: usize,
    /// Unix seconds.
    pub stored_at: i64,
}

/// Writes to a file are buffered and committed in one transaction every this many, and at
/// the end of each run ([`Cache::flush`]) or when the cache is dropped.
pub const WRITE_BATCH: usize = 1024;

enum Backend {
    Memory(HashMap<Key, (String, i64)>),
    #[cfg(feature = "cache")]
    Sqlite {
        conn: rusqlite::Connection,
        /// Opened read-only: hits are served, writes skipped.
        read_only: bool,
        /// Written but not yet committed, in order.
        pending: Vec<(Key, String, i64)>,
    },
}

/// A cache store, shared by the runs of one process (`Send + Sync`).
pub struct Cache {
    backend: Mutex<Backend>,
    path: Option<PathBuf>,
    commits: AtomicU64,
}

/// SHA-256 of `text`, in hex.
pub fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Cache {
    /// A cache that lives as long as this value.
    pub fn memory() -> Cache {
        Cache::with(Backend::Memory(HashMap::new()), None)
    }

    fn with(backend: Backend, path: Option<PathBuf>) -> Cache {
        Cache {
            backend: Mutex::new(backend),
            path,
            commits: AtomicU64::new(0),
        }
    }

    /// Whether writes are skipped (the file is read-only).
    pub fn is_read_only(&self) -> bool {
        #[cfg(feature = "cache")]
        return self.backend.lock().is_ok_and(|b| {
            matches!(
                &*b,
                Backend::Sqlite {
                    read_only: true,
                    ..
                }
            )
        });
        #[cfg(not(feature = "cache"))]
        false
    }

    /// How many transactions have written to the file (for tests and measurements).
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Commits the buffered writes in one transaction (a failed write is dropped: the cache
    /// is an optimisation).
    pub fn flush(&self) {
        if let Ok(mut backend) = self.backend.lock() {
            self.flush_locked(&mut backend);
        }
    }

    fn flush_locked(&self, backend: &mut Backend) {
        match backend {
            Backend::Memory(_) => {}
            #[cfg(feature = "cache")]
            Backend::Sqlite { conn, pending, .. } => {
                if sqlite::write(conn, pending) {
                    self.commits.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Where it is stored, if in a file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The stored JSON value for a key, with when it was stored (unix seconds).
    pub fn get(&self, key: &Key) -> Option<(String, i64)> {
        let backend = self.backend.lock().ok()?;
        match &*backend {
            Backend::Memory(m) => m.get(key).cloned(),
            #[cfg(feature = "cache")]
            Backend::Sqlite { pending, .. } if pending.iter().any(|(k, _, _)| k == key) => pending
                .iter()
                .rev()
                .find(|(k, _, _)| k == key)
                .map(|(_, v, at)| (v.clone(), *at)),
            #[cfg(feature = "cache")]
            Backend::Sqlite { conn, .. } => sqlite::get(conn, key),
        }
    }

    /// Stores a value (buffered, see [`WRITE_BATCH`]; skipped when read-only; a failed write is
    /// ignored: the cache is an optimisation).
    pub fn put(&self, key: &Key, value: &str) {
        let Ok(mut backend) = self.backend.lock() else {
            return;
        };
        let full = match &mut *backend {
            Backend::Memory(m) => {
                m.insert(key.clone(), (value.to_string(), now_unix()));
                false
            }
            #[cfg(feature = "cache")]
            Backend::Sqlite {
                read_only: true, ..
            } => false,
            #[cfg(feature = "cache")]
            Backend::Sqlite { pending, .. } => {
                pending.push((key.clone(), value.to_string(), now_unix()));
                pending.len() >= WRITE_BATCH
            }
        };
        if full {
            self.flush_locked(&mut backend);
        }
    }

    /// Every entry, by FQN and time.
    pub fn list(&self) -> Vec<Entry> {
        let Ok(mut backend) = self.backend.lock() else {
            return Vec::new();
        };
        self.flush_locked(&mut backend);
        let mut out: Vec<Entry> = match &*backend {
            Backend::Memory(m) => m
                .iter()
                .map(|(k, (v, t))| Entry {
                    key: k.clone(),
                    size: v.len(),
                    stored_at: *t,
                })
                .collect(),
            #[cfg(feature = "cache")]
            Backend::Sqlite { conn, .. } => sqlite::list(conn),
        };
        out.sort_by(|a: &Entry, b: &Entry| {
            (&a.key.fqn, a.stored_at, &a.key.inputs).cmp(&(&b.key.fqn, b.stored_at, &b.key.inputs))
        });
        out
    }

    /// Removes every entry, or those of one task; returns how many.
    pub fn clear(&self, fqn: Option<&str>) -> usize {
        let Ok(mut backend) = self.backend.lock() else {
            return 0;
        };
        self.flush_locked(&mut backend);
        match &mut *backend {
            Backend::Memory(m) => {
                let before = m.len();
                m.retain(|k, _| fqn.is_some_and(|f| k.fqn != f));
                before - m.len()
            }
            #[cfg(feature = "cache")]
            Backend::Sqlite {
                read_only: true, ..
            } => 0,
            #[cfg(feature = "cache")]
            Backend::Sqlite { conn, .. } => sqlite::clear(conn, fqn),
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Without the `cache` feature there is no SQLite store: every cache is in memory.
#[cfg(not(feature = "cache"))]
impl Cache {
    /// Without the `cache` feature: a cache in memory, with a warning that `path` is not used.
    pub fn open(path: &Path) -> (Cache, Option<String>) {
        (
            Cache::memory(),
            Some(format!(
                "warning: this build has no SQLite cache (the `cache` feature), so {} is not used; this run caches in memory only",
                path.display()
            )),
        )
    }

    /// Without the `cache` feature: an error naming the feature.
    pub fn open_existing(path: &Path) -> Result<Option<Cache>, String> {
        Err(format!(
            "this build has no SQLite cache (the `cache` feature) to read {} with",
            path.display()
        ))
    }
}
