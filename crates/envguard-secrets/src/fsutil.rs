//! Owner-only directories and files written atomically (temp file, fsync,
//! rename, fsync of the directory): a crash leaves the old file or the new
//! one, never half of one.

use crate::SecretsError;
use std::fs;
use std::io::Write as _;
use std::path::Path;

/// Creates a directory and its parents owner-only (0700).
pub fn private_dir(path: &Path) -> Result<(), SecretsError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path).map_err(|e| SecretsError::file(path, e))
}

/// Replaces `path` with `contents` atomically, mode 0600.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), SecretsError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let mut o = fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let result = (|| {
        let mut f = o.open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        if let Ok(d) = fs::File::open(dir) {
            d.sync_all()?;
        }
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(SecretsError::file(path, e));
    }
    Ok(())
}

/// Refuses a key file others can read (it must be 0600 or stricter).
pub fn check_private(path: &Path) -> Result<(), SecretsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).map_err(|e| SecretsError::file(path, e))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretsError::file(
                path,
                format!("mode {mode:o} lets others read the key; it must be 600 (chmod 600)"),
            ));
        }
    }
    Ok(())
}
