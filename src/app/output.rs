//! The one place that writes a command's outputs to disk.
//!
//! A report folder is replaced as a whole: the new files are written into a hidden staging
//! folder beside it (`.NAME.headroom-new-PID`), synced, and then swapped with the old folder in
//! one atomic `renameat2(RENAME_EXCHANGE)` on Linux; the old files are removed after the swap.
//! An interruption at any point leaves the previous run's complete folder or the new one, never
//! a mix. What a killed run leaves beside the folder (a staging or retired folder) is removed,
//! or put back, by the next write to the same place. Where the exchange is not available
//! (another OS, a file system without it) the old folder is first renamed aside and the new one
//! renamed into place; a crash between those two renames leaves the old folder aside, and the
//! next write puts it back before it starts.
//!
//! Files and folders are created with the ordinary permissions (0666 / 0777 less the umask),
//! like any file a user writes, so a report folder can be shared, served or read by a group.
//!
//! A folder that holds anything headroom does not write (a subfolder, a file of another kind) is
//! never replaced: pointing `--out` at a folder of one's own is an error, not a deletion. Nor
//! are the root, the home folder, the working folder or its parents, whatever they hold.
//!
//! Two writers of the same place take turns: each holds an advisory `flock` on the hidden file
//! `.NAME.headroom-lock` beside it for the whole write (the file stays; only the lock comes and
//! goes, and the kernel drops it when a writer dies). Strays are cleaned only under the lock,
//! so a staging folder is removed only when its writer is gone; a write that fails removes its
//! own staging before it returns.

use crate::report::Output;
use anyhow::{Context, bail};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Extensions of the files headroom writes into a report folder.
const OUTPUT_EXTENSIONS: [&str; 9] = [
    "json", "csv", "md", "png", "parquet", "yaml", "yml", "sh", "txt",
];

/// The subfolders headroom writes (a plan's CephCluster after each order).
const SUBFOLDERS: [&str; 1] = ["expansions"];

/// Marks staging folders and files of a write in progress.
const NEW: &str = "headroom-new";
/// Marks an old folder renamed aside during a replacement.
const OLD: &str = "headroom-old";

/// Test hook: `HEADROOM_TEST_PAUSE=<step>` stops the writer at a step of its write phase
/// (`file-N` after the N-th file is staged, `staged` before the swap, `swapped` after it) and
/// waits there, so a test can kill the process at a known point. Unset, it costs one lookup.
fn pause_point(step: &str) {
    if std::env::var("HEADROOM_TEST_PAUSE").is_ok_and(|want| want == step) {
        eprintln!("headroom: paused at {step}");
        std::thread::sleep(std::time::Duration::from_secs(120));
    }
}

/// A hidden sibling of `target`: `.NAME.KIND-PID`.
fn sibling(target: &Path, kind: &str) -> PathBuf {
    sibling_named(target, &format!("{kind}-{}", std::process::id()))
}

/// A hidden sibling of `target`: `.NAME.SUFFIX`.
fn sibling_named(target: &Path, suffix: &str) -> PathBuf {
    let name = target.file_name().map(OsString::from).unwrap_or_default();
    let mut hidden = OsString::from(".");
    hidden.push(name);
    hidden.push(format!(".{suffix}"));
    target.with_file_name(hidden)
}

/// The parent folder of `target` (`.` for a bare name).
fn parent_of(target: &Path) -> &Path {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Leftovers of earlier writes to `target` that were interrupted: staging folders and files are
/// removed; an old folder renamed aside is put back when `target` is missing, else removed.
fn clean_strays(target: &Path) -> std::io::Result<()> {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(());
    };
    let parent = parent_of(target);
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(());
    };
    let prefix = format!(".{name}.");
    let mut strays: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().map(|n| n.to_string_lossy()).is_some_and(|n| {
                n.strip_prefix(&prefix)
                    .is_some_and(|rest| rest.starts_with(NEW) || rest.starts_with(OLD))
            })
        })
        .collect();
    strays.sort();
    for stray in strays {
        let is_old = stray
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains(OLD));
        if is_old && !target.exists() {
            fs::rename(&stray, target)?;
        } else if stray.is_dir() {
            fs::remove_dir_all(&stray)?;
        } else {
            fs::remove_file(&stray)?;
        }
    }
    Ok(())
}

/// Creates `dir` and its parents, saying which part of the path is in the way if that fails.
fn create_parent(dir: &Path, target: &Path) -> anyhow::Result<()> {
    if let Err(e) = fs::create_dir_all(dir) {
        let blocker = dir.ancestors().find(|a| a.is_file());
        let cwd = std::env::current_dir().ok().and_then(|d| resolve(&d).ok());
        return Err(match blocker {
            Some(file) => anyhow::anyhow!(
                "writing {}: {} is a file, not a folder",
                target.display(),
                cwd.as_deref()
                    .and_then(|c| file.strip_prefix(c).ok())
                    .unwrap_or(file)
                    .display()
            ),
            None => anyhow::Error::new(e).context(format!("writing {}", target.display())),
        });
    }
    Ok(())
}

/// Refuses to replace a folder that holds anything headroom does not write: a file of another
/// kind anywhere in it, or a subfolder of anything else (a plan has `expansions/`).
fn check_replaceable(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        bail!("{} exists and is not a folder", dir.display());
    }
    check_contents(dir, dir, 0)
}

fn check_contents(top: &Path, dir: &Path, depth: usize) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        let kind = entry.file_type().ok();
        let ours_file = kind.is_some_and(|t| t.is_file())
            && path
                .extension()
                .is_some_and(|e| OUTPUT_EXTENSIONS.iter().any(|x| e == *x));
        let ours_dir = kind.is_some_and(|t| t.is_dir())
            && depth == 0
            && SUBFOLDERS.iter().any(|d| entry.file_name() == *d);
        if ours_dir {
            check_contents(top, &path, depth + 1)?;
        } else if !ours_file {
            bail!(
                "refusing to replace {}: it holds {}, which headroom does not write; choose a new or empty folder with --out",
                top.display(),
                path.strip_prefix(top).unwrap_or(&path).display()
            );
        }
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path` with the umask's permissions (a script's execute
/// bits too) and syncs it.
fn write_new(path: &Path, bytes: &[u8], executable: bool) -> std::io::Result<()> {
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if executable {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o777);
    }
    #[cfg(not(unix))]
    let _ = executable;
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes a folder's entries (the renames in it) to disk; best effort where unsupported.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Swaps two paths atomically where the platform can; false when it cannot.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Where a write to `target` really goes: the path made absolute, `.` and `..` taken away, and
/// every symbolic link on the way followed, a dangling one included (`realpath -m`), so that a
/// write through a link edits or creates the link's target and the checks below see the real
/// place. Gives up after 40 links, as the kernel does.
pub fn resolve(target: &Path) -> std::io::Result<PathBuf> {
    use std::path::Component;
    let mut pending: Vec<OsString> = Vec::new();
    let push_components = |path: &Path, pending: &mut Vec<OsString>| {
        // Reversed, so that `pop` gives them in order.
        for c in path.components().rev() {
            match c {
                Component::Normal(n) => pending.push(n.to_os_string()),
                Component::ParentDir => pending.push(OsString::from("..")),
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            }
        }
    };
    let absolute = std::path::absolute(target)?;
    push_components(&absolute, &mut pending);
    let mut resolved = PathBuf::from("/");
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        let next = resolved.join(&part);
        match fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > 40 {
                    return Err(std::io::Error::other(format!(
                        "{}: too many levels of symbolic links",
                        target.display()
                    )));
                }
                let link = fs::read_link(&next)?;
                if link.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                push_components(&link, &mut pending);
            }
            _ => resolved = next,
        }
    }
    Ok(resolved)
}

/// Refuses to write a report folder over a place no report belongs: the root, the home folder,
/// the working folder or one of its parents (a report there would replace the user's tree).
fn check_place(requested: &Path, real: &Path) -> anyhow::Result<()> {
    let cwd = std::env::current_dir().ok().and_then(|d| resolve(&d).ok());
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .and_then(|h| resolve(Path::new(&h)).ok());
    let what = if real.parent().is_none() {
        Some("the root folder")
    } else if home.as_deref() == Some(real) {
        Some("the home folder")
    } else if cwd.as_deref() == Some(real) {
        Some("the working folder")
    } else if cwd.as_deref().is_some_and(|c| c.starts_with(real)) {
        Some("a parent of the working folder")
    } else {
        None
    };
    match what {
        Some(what) => bail!(
            "refusing to write a report folder at {} ({what}): choose a new folder with --out",
            requested.display()
        ),
        None => Ok(()),
    }
}

/// Refuses `out` when it is a scenario's folder or one of its parents: a report there would
/// stand where the user's inputs are.
pub fn check_not_above(out: &Path, inputs: &[&Path]) -> anyhow::Result<()> {
    let real = resolve(out)?;
    check_place(out, &real)?;
    for input in inputs {
        let Ok(input_real) = resolve(input) else {
            continue;
        };
        if input_real.starts_with(&real) {
            bail!(
                "refusing to write a report folder at {}: it holds {}; choose a new folder with --out",
                out.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// An exclusive hold on writing one report folder or file: an advisory `flock` on the hidden
/// file `.NAME.headroom-lock` beside it, held until dropped (or until the process dies, when
/// the kernel lets go). While it is held no other headroom writes the same place, so whatever
/// staging files the holder finds beside it belong to writers that are gone.
struct WriteLock {
    _file: File,
}

impl WriteLock {
    /// Takes the lock of `target` (an absolute, resolved path), waiting for another writer to
    /// finish, and saying so on stderr.
    fn take(target: &Path) -> anyhow::Result<WriteLock> {
        let path = sibling_named(target, "headroom-lock");
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("locking {}", target.display()))?;
        if !try_lock(&file)? {
            let mut holder = String::new();
            let _ = std::io::Read::read_to_string(&mut file, &mut holder);
            let holder = holder.trim();
            let pid = if holder.is_empty() {
                String::new()
            } else {
                format!(" (pid {holder})")
            };
            eprintln!(
                "headroom: another headroom is writing {}{pid}; waiting for it to finish",
                target.display()
            );
            lock(&file).with_context(|| format!("locking {}", target.display()))?;
        }
        // Who holds it, for the message of the next writer that has to wait.
        let _ = file.set_len(0);
        let _ = std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(WriteLock { _file: file })
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn try_lock(file: &File) -> anyhow::Result<bool> {
    use rustix::fs::{FlockOperation, flock};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
        Err(e) => Err(std::io::Error::from(e).into()),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn lock(file: &File) -> std::io::Result<()> {
    use rustix::fs::{FlockOperation, flock};
    flock(file, FlockOperation::LockExclusive).map_err(Into::into)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn try_lock(file: &File) -> anyhow::Result<bool> {
    Ok(file.try_lock().is_ok())
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn lock(file: &File) -> std::io::Result<()> {
    file.lock()
}

/// Replaces the folder `dir` with exactly `outputs`, atomically (see the module docs). A
/// symbolic link is followed to the folder it names; the root, the home folder and the working
/// folder (or a parent of it) are refused; a second writer of the same folder waits.
pub fn replace_folder(dir: &Path, outputs: &[Output]) -> anyhow::Result<()> {
    let real = resolve(dir).with_context(|| format!("writing {}", dir.display()))?;
    check_place(dir, &real)?;
    let parent = parent_of(&real);
    create_parent(parent, dir)?;
    let _lock = WriteLock::take(&real)?;
    clean_strays(&real).with_context(|| format!("cleaning up beside {}", dir.display()))?;
    check_replaceable(&real)?;
    let staging = sibling(&real, NEW);
    fs::create_dir(&staging).with_context(|| format!("writing {}", dir.display()))?;
    let staged = stage(&staging, dir, outputs);
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    pause_point("staged");
    let swap = || -> std::io::Result<()> {
        if !real.exists() {
            fs::rename(&staging, &real)?;
        } else if exchange(&staging, &real)? {
            // `staging` now holds the old folder.
            sync_dir(parent);
            pause_point("swapped");
            fs::remove_dir_all(&staging)?;
        } else {
            let old = sibling(&real, OLD);
            fs::rename(&real, &old)?;
            fs::rename(&staging, &real)?;
            sync_dir(parent);
            pause_point("swapped");
            fs::remove_dir_all(&old)?;
        }
        sync_dir(parent);
        Ok(())
    };
    swap().with_context(|| format!("replacing {}", dir.display()))
}

/// Writes `outputs` into the new folder `staging` and syncs it (`dir` names the target in
/// messages).
fn stage(staging: &Path, dir: &Path, outputs: &[Output]) -> anyhow::Result<()> {
    for (i, output) in outputs.iter().enumerate() {
        let path = staging.join(&output.name);
        if let Some(sub) = path.parent().filter(|p| *p != staging)
            && !sub.exists()
        {
            fs::create_dir_all(sub).with_context(|| format!("writing {}", dir.display()))?;
        }
        write_new(&path, &output.bytes, output.executable)
            .with_context(|| format!("writing {}", dir.join(&output.name).display()))?;
        pause_point(&format!("file-{}", i + 1));
    }
    sync_dir(staging);
    Ok(())
}

/// Writes one file atomically (a hidden temporary file beside it, synced, then renamed), with
/// the umask's permissions; leftovers of an interrupted earlier write are removed first.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_file_with(path, |file| Ok(file.write_all(bytes)?))
}

/// Like [`write_file`], for a file written piece by piece (`fill` streams into it): the file
/// appears whole at the end, or not at all when `fill` fails. A symbolic link is followed to
/// the file it names; a file that exists keeps its permissions.
pub fn write_file_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let real = resolve(path).with_context(|| format!("writing {}", path.display()))?;
    if real.is_dir() {
        bail!("writing {}: it is a folder", path.display());
    }
    let parent = parent_of(&real);
    create_parent(parent, path)?;
    let _lock = WriteLock::take(&real)?;
    clean_strays(&real).with_context(|| format!("cleaning up beside {}", path.display()))?;
    let tmp = sibling(&real, NEW);
    let mut file = File::options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .with_context(|| format!("writing {}", path.display()))?;
    let filled = fill(&mut file)
        .and_then(|()| keep_permissions(&real, &file))
        .and_then(|()| Ok(file.sync_all()?));
    drop(file);
    let renamed = filled.and_then(|()| Ok(fs::rename(&tmp, &real)?));
    if let Err(e) = renamed {
        let _ = fs::remove_file(&tmp);
        return Err(e.context(format!("writing {}", path.display())));
    }
    sync_dir(parent);
    Ok(())
}

/// Gives the new file the permissions of the file it replaces, so that a 0600 scenario stays
/// 0600 (a new file keeps the umask's).
fn keep_permissions(old: &Path, new: &File) -> anyhow::Result<()> {
    if let Ok(meta) = fs::metadata(old) {
        new.set_permissions(meta.permissions())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(name: &str, text: &str) -> Output {
        Output::new(name, text.as_bytes().to_vec())
    }

    /// What a folder holds, less the lock files a write leaves (they stay on purpose).
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".headroom-lock"))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_folder_is_replaced_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("report");
        replace_folder(&dir, &[out("a.json", "1"), out("b.csv", "2")]).unwrap();
        replace_folder(&dir, &[out("a.json", "3"), out("c.md", "4")]).unwrap();
        assert_eq!(names(&dir), ["a.json", "c.md"]);
        assert_eq!(fs::read_to_string(dir.join("a.json")).unwrap(), "3");
        assert_eq!(names(tmp.path()), ["report"], "nothing left beside it");
    }

    #[test]
    fn outputs_may_sit_in_one_subfolder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("plan");
        replace_folder(
            &dir,
            &[out("plan.md", "1"), out("expansions/a-order-1.yaml", "2")],
        )
        .unwrap();
        replace_folder(&dir, &[out("plan.md", "3")]).unwrap();
        assert_eq!(names(&dir), ["plan.md"]);
    }

    #[test]
    fn a_folder_of_the_users_own_is_not_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("src")).unwrap();
        let err = replace_folder(tmp.path(), &[out("a.json", "1")]).unwrap_err();
        assert!(err.to_string().contains("refusing to replace"), "{err}");
        assert!(tmp.path().join("src").exists());
    }

    #[test]
    fn strays_of_a_crash_are_cleaned_or_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("report");
        // A crash between the two renames of the fallback: the old folder is aside.
        let old = tmp.path().join(".report.headroom-old-1");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("summary.json"), "old").unwrap();
        let staging = tmp.path().join(".report.headroom-new-2");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("summary.json"), "half").unwrap();
        clean_strays(&dir).unwrap();
        assert_eq!(names(tmp.path()), ["report"]);
        assert_eq!(fs::read_to_string(dir.join("summary.json")).unwrap(), "old");
    }

    #[test]
    fn single_files_are_written_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("trials.parquet");
        fs::write(tmp.path().join(".trials.parquet.headroom-new-9"), "stray").unwrap();
        write_file(&path, b"new").unwrap();
        assert_eq!(names(tmp.path()), ["trials.parquet"]);
    }

    #[test]
    fn links_are_followed_to_their_targets_dangling_or_not() {
        let tmp = tempfile::tempdir().unwrap();
        let real = resolve(tmp.path()).unwrap();
        std::os::unix::fs::symlink(real.join("elsewhere/report"), real.join("link")).unwrap();
        assert_eq!(
            resolve(&real.join("link")).unwrap(),
            real.join("elsewhere/report")
        );
        assert_eq!(resolve(&real.join("a/../b/./c")).unwrap(), real.join("b/c"));
        replace_folder(&real.join("link"), &[out("a.json", "1")]).unwrap();
        assert!(real.join("elsewhere/report/a.json").exists());
        assert!(
            fs::symlink_metadata(real.join("link"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        std::os::unix::fs::symlink("loop", real.join("loop")).unwrap();
        assert!(resolve(&real.join("loop")).is_err());
    }

    #[test]
    fn a_failed_write_leaves_no_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("report");
        // An output named like a folder that exists as a file cannot be written.
        let err = replace_folder(&dir, &[out("a.json", "1"), out("a.json/b.json", "2")]);
        assert!(err.is_err());
        assert_eq!(names(tmp.path()), Vec::<String>::new());
    }

    #[test]
    fn a_file_written_through_a_link_keeps_the_link_and_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("real.toml");
        fs::write(&target, "old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
        let link = tmp.path().join("link.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_file(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
