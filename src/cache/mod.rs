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

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Writes to a file are buffered and committed in one transaction every this many, and at
/// the end of each run ([`Cache::flush`]) or when the cache is dropped.
pub const WRITE_BATCH: usize = 1024;

enum Backend {
    Memory(HashMap<Key, (String, i64)>),
    Sqlite {
        conn: Connection,
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

/// Why a file could not be opened as a cache.
enum OpenError {
    /// Not a database, or a damaged one: moved aside.
    Damaged(String),
    /// Written by a newer build: left alone.
    Newer(i64),
    /// Anything else (permissions, a missing folder, a busy file): left alone.
    Other(String),
}

impl OpenError {
    fn of(e: rusqlite::Error) -> OpenError {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(f.code, DatabaseCorrupt | NotADatabase) =>
            {
                OpenError::Damaged(e.to_string())
            }
            _ => OpenError::Other(e.to_string()),
        }
    }
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        OpenError::of(e)
    }
}

/// Whether this process may write `path`: it has a write permission bit and `access` agrees
/// (the bits count even for root, so a file made read-only is treated as one).
fn writable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.permissions().readonly() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: a valid NUL-terminated path.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    true
}

/// The file's identity (device and inode), to tell a file from its replacement.
fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(path)
            .ok()
            .map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::symlink_metadata(path).ok().map(|m| (m.len(), 0))
    }
}

/// Moves a damaged `path` to a name no other process uses (pid, nanoseconds and a counter),
/// without ever replacing an existing file: a hard link to the new name (which fails if it
/// exists), then the old name removed. Returns the new name.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let aside = path.with_extension(format!(
            "db.damaged-{}-{}-{:09}-{}",
            now.as_secs(),
            std::process::id(),
            now.subsec_nanos(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::hard_link(path, &aside) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
        // Its journal goes with it, before the database's name is freed (after that, a fresh
        // database and its journal may appear under the same names at any moment).
        for suffix in ["-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", path.display()));
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            if std::fs::hard_link(&from, &to).is_ok() {
                let _ = std::fs::remove_file(&from);
            }
        }
        if let Err(e) = std::fs::remove_file(path) {
            // Another process removed it already (and kept its own link): fine.
            if e.kind() != std::io::ErrorKind::NotFound {
                let _ = std::fs::remove_file(&aside);
                return Err(e);
            }
        }
        return Ok(aside);
    }
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

    /// The SQLite cache at `path` (created with its folder if missing). The second value is a
    /// warning: the file was damaged and moved aside for a fresh one; it is read-only (hits
    /// are served, nothing is stored); or it cannot be used at all (this cache is in memory).
    pub fn open(path: &Path) -> (Cache, Option<String>) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let _ = std::fs::create_dir_all(&dir);
        let shown = path.display();
        let memory = |why: String| {
            (
                Cache::memory(),
                Some(format!(
                    "warning: the cache {shown} {why}; this run caches in memory only"
                )),
            )
        };
        // Opening and recovering happen under a lock on the folder, one process at a time: a
        // connection opened on a damaged file while another process moves it aside would find
        // the fresh database's WAL by its name and checkpoint it into the damaged original (now
        // under its aside name), overwriting it. A damaged file another process replaced
        // meanwhile is opened again rather than moved.
        let _lock = DirLock::new(&dir);
        for _ in 0..4 {
            let seen = identity(path);
            let read_only = seen.is_some() && (!writable(path) || !writable(&dir));
            let result = if read_only {
                Err(OpenError::Other("read-only".into()))
            } else {
                Self::try_open(path)
            };
            let first = match result {
                Ok(c) => return (c, None),
                Err(OpenError::Newer(v)) => {
                    return memory(format!(
                        "was written by a newer flyte-dsl (schema version {v}, this build's is {SCHEMA_VERSION}) and is left as it is"
                    ))
                }
                Err(OpenError::Damaged(e)) => e,
                Err(OpenError::Other(e)) => {
                    if seen.is_none() {
                        return memory(format!("cannot be created ({e})"));
                    }
                    return match Self::try_open_read_only(path) {
                        Ok(c) => (
                            c,
                            Some(format!(
                                "warning: the cache {shown} is read-only; its entries are used but this run stores nothing new"
                            )),
                        ),
                        Err(OpenError::Newer(v)) => memory(format!(
                            "was written by a newer flyte-dsl (schema version {v}) and is left as it is"
                        )),
                        Err(OpenError::Damaged(e) | OpenError::Other(e)) => memory(format!(
                            "could not be opened ({e}) and is left as it is"
                        )),
                    };
                }
            };
            if identity(path) != seen {
                continue;
            }
            let aside = match move_aside(path) {
                Ok(a) => a,
                Err(e) => {
                    return memory(format!(
                        "could not be read ({first}) and could not be moved aside ({e}), so it is left as it is"
                    ))
                }
            };
            let warning = format!(
                "warning: the cache {shown} could not be read ({first}); it was moved to {} and a fresh cache started",
                aside.display()
            );
            return match Self::try_open(path) {
                Ok(c) => (c, Some(warning)),
                Err(OpenError::Damaged(e) | OpenError::Other(e)) => (
                    Cache::memory(),
                    Some(format!(
                        "{warning}; that failed too ({e}), so this run caches in memory only"
                    )),
                ),
                Err(OpenError::Newer(_)) => (Cache::memory(), Some(warning)),
            };
        }
        memory("keeps being replaced by other processes".into())
    }

    /// The cache at `path` if the file exists, opened read-only (for listing: nothing is
    /// created or changed); `Ok(None)` when there is no file.
    pub fn open_existing(path: &Path) -> Result<Option<Cache>, String> {
        if identity(path).is_none() {
            return Ok(None);
        }
        match Self::try_open_read_only(path) {
            Ok(c) => Ok(Some(c)),
            Err(OpenError::Newer(v)) => Err(format!(
                "the cache {} was written by a newer flyte-dsl (schema version {v})",
                path.display()
            )),
            Err(OpenError::Damaged(e) | OpenError::Other(e)) => Err(format!(
                "the cache {} could not be read ({e})",
                path.display()
            )),
        }
    }

    fn check_version(conn: &Connection) -> Result<(), OpenError> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(OpenError::Newer(version));
        }
        Ok(())
    }

    fn try_open(path: &Path) -> Result<Cache, OpenError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        Self::check_version(&conn)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS entries (
                fqn TEXT NOT NULL, version TEXT NOT NULL, salt TEXT NOT NULL, inputs TEXT NOT NULL,
                value TEXT NOT NULL, stored_at INTEGER NOT NULL,
                PRIMARY KEY (fqn, version, salt, inputs));
             PRAGMA user_version = 1;",
        )?;
        // A damaged file can open and still fail here.
        conn.query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))?;
        Ok(Self::sqlite(conn, false, path))
    }

    /// Read-only: nothing is created or written (an immutable open when even the WAL's
    /// shared memory cannot be made).
    fn try_open_read_only(path: &Path) -> Result<Cache, OpenError> {
        use rusqlite::OpenFlags;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let probe = |conn: Connection| -> Result<Cache, OpenError> {
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            Self::check_version(&conn)?;
            conn.query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))?;
            Ok(Self::sqlite(conn, true, path))
        };
        match Connection::open_with_flags(path, flags)
            .map_err(OpenError::of)
            .and_then(probe)
        {
            Err(OpenError::Other(_)) => {
                let uri = format!("file:{}?immutable=1", uri_path(path));
                probe(Connection::open_with_flags(uri, flags)?)
            }
            r => r,
        }
    }

    fn sqlite(conn: Connection, read_only: bool, path: &Path) -> Cache {
        Cache::with(
            Backend::Sqlite {
                conn,
                read_only,
                pending: Vec::new(),
            },
            Some(path.to_path_buf()),
        )
    }

    /// Whether writes are skipped (the file is read-only).
    pub fn is_read_only(&self) -> bool {
        self.backend.lock().is_ok_and(|b| {
            matches!(
                &*b,
                Backend::Sqlite {
                    read_only: true,
                    ..
                }
            )
        })
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
        let Backend::Sqlite { conn, pending, .. } = backend else {
            return;
        };
        if pending.is_empty() {
            return;
        }
        let rows = std::mem::take(pending);
        let write = || -> rusqlite::Result<()> {
            let tx = conn.unchecked_transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR REPLACE INTO entries (fqn, version, salt, inputs, value, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                for (key, value, at) in &rows {
                    stmt.execute(params![
                        key.fqn,
                        key.version,
                        key.salt,
                        key.inputs,
                        value,
                        at
                    ])?;
                }
            }
            tx.commit()
        };
        if write().is_ok() {
            self.commits.fetch_add(1, Ordering::Relaxed);
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
            Backend::Sqlite { pending, .. } if pending.iter().any(|(k, _, _)| k == key) => pending
                .iter()
                .rev()
                .find(|(k, _, _)| k == key)
                .map(|(_, v, at)| (v.clone(), *at)),
            Backend::Sqlite { conn: c, .. } => c
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
            Backend::Sqlite {
                read_only: true, ..
            } => false,
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
            Backend::Sqlite { conn: c, .. } => {
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
        self.flush_locked(&mut backend);
        match &mut *backend {
            Backend::Memory(m) => {
                let before = m.len();
                m.retain(|k, _| fqn.is_some_and(|f| k.fqn != f));
                before - m.len()
            }
            Backend::Sqlite {
                read_only: true, ..
            } => 0,
            Backend::Sqlite { conn: c, .. } => match fqn {
                Some(f) => c
                    .execute("DELETE FROM entries WHERE fqn = ?1", params![f])
                    .unwrap_or(0),
                None => c.execute("DELETE FROM entries", []).unwrap_or(0),
            },
        }
    }
}

/// An exclusive `flock` on a folder, released when dropped (none if it cannot be taken).
struct DirLock(Option<std::fs::File>);

impl DirLock {
    fn new(dir: &Path) -> DirLock {
        let file = std::fs::File::open(dir).ok();
        #[cfg(unix)]
        if let Some(f) = &file {
            use std::os::unix::io::AsRawFd;
            // SAFETY: a valid open descriptor.
            unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        }
        DirLock(file)
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(f) = &self.0 {
            use std::os::unix::io::AsRawFd;
            // SAFETY: a valid open descriptor.
            unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_UN) };
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.flush();
    }
}

/// `path` for an SQLite `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
