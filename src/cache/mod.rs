//! The result cache (RUNTIME.md section 8), kept in memory or in a SQLite file.
//!
//! An entry's key is (FQN, cache version, salt, hash of the inputs): the version is the
//! hash of the task's source text and interface for `"auto"`, or the user's `version_override`;
//! the inputs hash is a SHA-256 of the canonical JSON of the inputs (dict keys sorted), leaving
//! out `ignored_inputs`. Values are stored as JSON and read back by the task's return type.
//!
//! The file (`.flyte/cache.db` beside the script by default) is opened in WAL mode with a busy
//! timeout, so concurrent runs sharing it both succeed; its schema carries a version
//! (`PRAGMA user_version`). A file that is damaged, or not a database at all, is moved aside
//! with a warning and a fresh cache starts: never a crash, never a wrong value.

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

enum Backend {
    Memory(HashMap<Key, (String, i64)>),
    Sqlite(Connection),
}

/// A cache store, shared by the runs of one process (`Send + Sync`).
pub struct Cache {
    backend: Mutex<Backend>,
    path: Option<PathBuf>,
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
        Cache {
            backend: Mutex::new(Backend::Memory(HashMap::new())),
            path: None,
        }
    }

    /// The SQLite cache at `path` (created with its folder if missing). The second value is a
    /// warning when the file was damaged and a fresh one started.
    pub fn open(path: &Path) -> (Cache, Option<String>) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        match Self::try_open(path) {
            Ok(c) => (c, None),
            Err(first) => {
                // Move the damaged file aside (keep it for inspection) and start afresh.
                let aside = path.with_extension(format!("db.damaged-{}", now_unix()));
                let _ = std::fs::rename(path, &aside);
                for suffix in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                let warning = format!(
                    "warning: the cache {} could not be read ({first}); it was moved to {} and a fresh cache started",
                    path.display(),
                    aside.display()
                );
                match Self::try_open(path) {
                    Ok(c) => (c, Some(warning)),
                    Err(second) => (Cache::memory(), Some(format!("{warning}; that failed too ({second}), so this run caches in memory only"))),
                }
            }
        }
    }

    fn try_open(path: &Path) -> rusqlite::Result<Cache> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "schema version {version} is newer than this build's {SCHEMA_VERSION}"
            )));
        }
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS entries (
                fqn TEXT NOT NULL, version TEXT NOT NULL, salt TEXT NOT NULL, inputs TEXT NOT NULL,
                value TEXT NOT NULL, stored_at INTEGER NOT NULL,
                PRIMARY KEY (fqn, version, salt, inputs));
             PRAGMA user_version = 1;",
        )?;
        // A damaged file can open and still fail here.
        conn.query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))?;
        Ok(Cache {
            backend: Mutex::new(Backend::Sqlite(conn)),
            path: Some(path.to_path_buf()),
        })
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
            Backend::Sqlite(c) => c
                .query_row(
                    "SELECT value, stored_at FROM entries WHERE fqn = ?1 AND version = ?2 AND salt = ?3 AND inputs = ?4",
                    params![key.fqn, key.version, key.salt, key.inputs],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .ok()
                .flatten(),
        }
    }

    /// Stores a value (a failed write is ignored: the cache is an optimisation).
    pub fn put(&self, key: &Key, value: &str) {
        let Ok(mut backend) = self.backend.lock() else {
            return;
        };
        match &mut *backend {
            Backend::Memory(m) => {
                m.insert(key.clone(), (value.to_string(), now_unix()));
            }
            Backend::Sqlite(c) => {
                let _ = c.execute(
                    "INSERT OR REPLACE INTO entries (fqn, version, salt, inputs, value, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![key.fqn, key.version, key.salt, key.inputs, value, now_unix()],
                );
            }
        }
    }

    /// Every entry, by FQN and time.
    pub fn list(&self) -> Vec<Entry> {
        let Ok(backend) = self.backend.lock() else {
            return Vec::new();
        };
        let mut out: Vec<Entry> = match &*backend {
            Backend::Memory(m) => m
                .iter()
                .map(|(k, (v, t))| Entry {
                    key: k.clone(),
                    size: v.len(),
                    stored_at: *t,
                })
                .collect(),
            Backend::Sqlite(c) => {
                let Ok(mut stmt) = c.prepare(
                    "SELECT fqn, version, salt, inputs, length(value), stored_at FROM entries",
                ) else {
                    return Vec::new();
                };
                stmt.query_map([], |r| {
                    Ok(Entry {
                        key: Key {
                            fqn: r.get(0)?,
                            version: r.get(1)?,
                            salt: r.get(2)?,
                            inputs: r.get(3)?,
                        },
                        size: r.get::<_, i64>(4)? as usize,
                        stored_at: r.get(5)?,
                    })
                })
                .map(|rows| rows.flatten().collect())
                .unwrap_or_default()
            }
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
        match &mut *backend {
            Backend::Memory(m) => {
                let before = m.len();
                m.retain(|k, _| fqn.is_some_and(|f| k.fqn != f));
                before - m.len()
            }
            Backend::Sqlite(c) => match fqn {
                Some(f) => c
                    .execute("DELETE FROM entries WHERE fqn = ?1", params![f])
                    .unwrap_or(0),
                None => c.execute("DELETE FROM entries", []).unwrap_or(0),
            },
        }
    }
}
