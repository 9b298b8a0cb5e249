//! Reading a bot's component file safely. A bot path comes from the
//! operator (the admin API, the config file, a resourcer's settings), so
//! it may name anything: a device such as `/dev/zero` that reports a size
//! of 0 and never ends, a FIFO that blocks, a directory. Only a regular
//! file is read, and never more than the cap, whatever its metadata says:
//! the type is checked on the opened handle (so a path swapped after the
//! check cannot slip a device in), and the read stops at `cap + 1` bytes.

use std::io::Read;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a bot file was not read.
#[derive(Debug, Error)]
pub enum BotFileError {
    #[error("cannot read bot component {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bot component {path} is {kind}, not a regular file")]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("bot component {path} is over the {cap}-byte limit")]
    TooLarge { path: PathBuf, cap: u64 },
}

impl BotFileError {
    /// Whether trying again later may help (the file may appear or become
    /// readable); a wrong kind of file or an oversized one will not change
    /// by itself.
    pub fn is_retryable(&self) -> bool {
        matches!(self, BotFileError::Io { .. })
    }
}

/// Reads the regular file at `path`, at most `cap` bytes, on a blocking
/// thread.
///
/// # Errors
/// [`BotFileError::NotAFile`] for a directory, device, FIFO or socket
/// (named in the message), [`BotFileError::TooLarge`] when the file holds
/// more than `cap` bytes (found by reading, not from the metadata), and
/// [`BotFileError::Io`] when it cannot be opened or read.
pub async fn read_bot_file(path: &Path, cap: u64) -> Result<Vec<u8>, BotFileError> {
    let owned = path.to_path_buf();
    match tokio::task::spawn_blocking(move || read_blocking(&owned, cap)).await {
        Ok(result) => result,
        Err(e) => Err(BotFileError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!("reading aborted: {e}")),
        }),
    }
}

/// [`read_bot_file`] on the calling thread.
///
/// # Errors
/// As [`read_bot_file`].
pub fn read_blocking(path: &Path, cap: u64) -> Result<Vec<u8>, BotFileError> {
    let io = |source| BotFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Opening a FIFO blocks until a writer comes: look at the type (symbolic
    // links followed) and refuse anything but a regular file before opening.
    let before = std::fs::metadata(path).map_err(io)?;
    check_kind(path, &before.file_type())?;
    let file = std::fs::File::open(path).map_err(io)?;
    // The path may have been swapped between the look and the open: the
    // handle's own metadata is what counts.
    let opened = file.metadata().map_err(io)?;
    check_kind(path, &opened.file_type())?;
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len().min(cap)).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(BotFileError::TooLarge {
            path: path.to_path_buf(),
            cap,
        });
    }
    Ok(bytes)
}

fn check_kind(path: &Path, kind: &std::fs::FileType) -> Result<(), BotFileError> {
    if kind.is_file() {
        return Ok(());
    }
    Err(BotFileError::NotAFile {
        path: path.to_path_buf(),
        kind: describe(kind),
    })
}

/// Names a file type for the operator.
fn describe(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("bothost-botfile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[tokio::test]
    async fn a_regular_file_is_read_whole_up_to_the_cap() {
        let dir = temp_dir("regular");
        let path = dir.join("bot.wasm");
        std::fs::write(&path, b"\0asm1234").expect("write");
        assert_eq!(read_bot_file(&path, 8).await.expect("read"), b"\0asm1234");
        let err = read_bot_file(&path, 7).await.expect_err("one byte over");
        assert!(
            matches!(err, BotFileError::TooLarge { cap: 7, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("7-byte limit"), "{err}");
        assert!(!err.is_retryable());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_missing_file_is_an_io_error_worth_retrying() {
        let err = read_bot_file(Path::new("/nonexistent/bot.wasm"), 10)
            .await
            .expect_err("missing");
        assert!(matches!(err, BotFileError::Io { .. }) && err.is_retryable());
    }

    #[tokio::test]
    async fn a_directory_is_refused() {
        let dir = temp_dir("dir");
        let err = read_bot_file(&dir, 1 << 20).await.expect_err("directory");
        assert!(
            matches!(
                err,
                BotFileError::NotAFile {
                    kind: "a directory",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn dev_zero_is_refused_without_reading_it() {
        let err = read_bot_file(Path::new("/dev/zero"), 1 << 20)
            .await
            .expect_err("device");
        assert!(
            matches!(
                err,
                BotFileError::NotAFile {
                    kind: "a character device",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_fifo_is_refused_without_blocking() {
        let dir = temp_dir("fifo");
        let fifo = dir.join("bot.wasm");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            // No `mkfifo` on this machine: nothing to test.
            return;
        }
        // Opening a FIFO with no writer would block: the check comes first.
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            read_bot_file(&fifo, 1 << 20),
        )
        .await
        .expect("refused at once, not blocked on open");
        let err = read.expect_err("fifo");
        assert!(
            matches!(
                err,
                BotFileError::NotAFile {
                    kind: "a FIFO (named pipe)",
                    ..
                }
            ),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_symlink_to_a_regular_file_is_followed_and_one_to_a_device_refused() {
        let dir = temp_dir("symlink");
        let target = dir.join("real.wasm");
        std::fs::write(&target, b"\0asm").expect("write");
        let good = dir.join("good.wasm");
        let bad = dir.join("bad.wasm");
        std::os::unix::fs::symlink(&target, &good).expect("symlink");
        std::os::unix::fs::symlink("/dev/zero", &bad).expect("symlink");
        assert_eq!(read_bot_file(&good, 16).await.expect("read"), b"\0asm");
        assert!(matches!(
            read_bot_file(&bad, 16).await,
            Err(BotFileError::NotAFile { .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
