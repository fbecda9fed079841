//! CRUSH trees by name, as Ceph names them: a root (`default`) holds every OSD under it, and
//! for each device class a shadow tree (`default~hdd`) holds that class's OSDs only. A rule
//! that takes `default~hdd` places on the hdd OSDs; one that takes `default` places on all of
//! them, whatever their class.
//!
//! headroom gives each OSD one tree (its root and class), and asks which of those a pool's
//! rule reaches. Validation, ingest and ingest's month-0 check all answer with these two
//! functions, so a pool is judged on the same OSDs everywhere.

/// The tree of an OSD under `root` (default `default`) of `class`: `root~class`, or `root`
/// for an OSD with no class.
pub fn name(root: Option<&str>, class: Option<&str>) -> String {
    let root = root.unwrap_or("default");
    match class {
        Some(c) => format!("{root}~{c}"),
        None => root.to_string(),
    }
}

/// Indices of the OSD trees in `trees` that a rule taking `taken` reaches: the tree of that
/// name, and every class's tree under it where `taken` is a root. One index: the pool lives
/// on one tree. Several: its rule spans trees the model holds apart (Ceph's autoscaler
/// refuses such overlapping roots too).
pub fn reached<S: AsRef<str>>(trees: &[S], taken: &str) -> Vec<usize> {
    let shadow = format!("{taken}~");
    trees
        .iter()
        .enumerate()
        .filter(|(_, t)| t.as_ref() == taken || t.as_ref().starts_with(&shadow))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_ceph_writes_its_shadow_trees() {
        assert_eq!(name(None, Some("hdd")), "default~hdd");
        assert_eq!(name(Some("fast"), None), "fast");
    }

    #[test]
    fn a_root_reaches_its_classes_and_a_class_itself() {
        let trees = ["default~hdd", "default~nvme", "fast~ssd", "defaultish"];
        assert_eq!(reached(&trees, "default"), vec![0, 1]);
        assert_eq!(reached(&trees, "default~nvme"), vec![1]);
        assert_eq!(reached(&trees, "fast"), vec![2]);
        assert!(reached(&trees, "slow").is_empty());
        // OSDs without a class on a root sit in the root's own tree, beside the classed ones.
        assert_eq!(reached(&["default", "default~hdd"], "default"), vec![0, 1]);
    }
}
