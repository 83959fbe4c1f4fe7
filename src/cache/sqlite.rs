//! The SQLite store of the result cache (the `cache` feature): opening a file with
//! recovery (see the module doc of [`super`]), and the statements that read and write it.

use super::{Backend, Cache, Entry, Key, SCHEMA_VERSION};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
}

/// Commits `pending` in one transaction; whether it was written (a failed write is dropped:
/// the cache is an optimisation).
pub(super) fn write(conn: &Connection, pending: &mut Vec<(Key, String, i64)>) -> bool {
    if pending.is_empty() {
        return false;
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
    write().is_ok()
}

/// The stored value for `key`, with when it was stored.
pub(super) fn get(conn: &Connection, key: &Key) -> Option<(String, i64)> {
    conn.query_row(
        "SELECT value, stored_at FROM entries WHERE fqn = ?1 AND version = ?2 AND salt = ?3 AND inputs = ?4",
        params![key.fqn, key.version, key.salt, key.inputs],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .ok()
    .flatten()
}

/// Every entry, unsorted.
pub(super) fn list(c: &Connection) -> Vec<Entry> {
    let Ok(mut stmt) =
        c.prepare("SELECT fqn, version, salt, inputs, length(value), stored_at FROM entries")
    else {
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

/// Removes every entry, or those of one task; returns how many.
pub(super) fn clear(c: &Connection, fqn: Option<&str>) -> usize {
    match fqn {
        Some(f) => c
            .execute("DELETE FROM entries WHERE fqn = ?1", params![f])
            .unwrap_or(0),
        None => c.execute("DELETE FROM entries", []).unwrap_or(0),
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
