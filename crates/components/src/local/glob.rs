//! Doublestar globs as Alloy's file components use them (`**` spans
//! directories, `*` does not, `{a,b}` alternates), and finding the paths that
//! match one by walking only the directories it can reach.

use globset::{GlobBuilder, GlobMatcher};
use std::path::Path;
use walkdir::WalkDir;

/// Characters that make a path component a pattern rather than a name.
const META: &[char] = &['*', '?', '[', '{', '\\'];

pub struct Glob {
    matcher: GlobMatcher,
    /// The leading components without pattern characters: where walking starts.
    base: String,
    /// How deep below `base` matches can be; `None` when `**` allows any depth.
    max_depth: Option<usize>,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let matcher = GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| e.to_string())?
            .compile_matcher();
        let components: Vec<&str> = pattern.split('/').collect();
        let literal = components
            .iter()
            .position(|c| c.contains(META))
            .unwrap_or(components.len());
        let base = components[..literal].join("/");
        let rest = &components[literal..];
        let max_depth = if rest.iter().any(|c| c.contains("**")) {
            None
        } else {
            Some(rest.len())
        };
        Ok(Glob {
            matcher,
            base: if base.is_empty() && pattern.starts_with('/') {
                "/".into()
            } else {
                base
            },
            max_depth,
        })
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }

    /// The existing paths (files and directories) that match, in the form the
    /// pattern is written in (relative patterns give relative paths), sorted.
    pub fn paths(&self) -> Vec<String> {
        if self.max_depth == Some(0) {
            // No pattern characters at all: the path itself, if it exists.
            return if Path::new(&self.base).exists() {
                vec![self.base.clone()]
            } else {
                Vec::new()
            };
        }
        let root = if self.base.is_empty() {
            "."
        } else {
            &self.base
        };
        let mut walk = WalkDir::new(root)
            .min_depth(1)
            .follow_links(true)
            .sort_by_file_name();
        if let Some(depth) = self.max_depth {
            walk = walk.max_depth(depth);
        }
        walk.into_iter()
            // Unreadable directories and broken links are skipped, as Go's glob does.
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let path = entry.path().to_string_lossy();
                let path = match self.base.is_empty() {
                    true => path.strip_prefix("./").unwrap_or(&path).to_string(),
                    false => path.into_owned(),
                };
                self.is_match(&path).then_some(path)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, rel).unwrap();
    }

    fn found(root: &Path, pattern: &str) -> Vec<String> {
        let prefix = format!("{}/", root.display());
        Glob::new(&format!("{prefix}{pattern}"))
            .unwrap()
            .paths()
            .into_iter()
            .map(|p| p.strip_prefix(&prefix).unwrap().to_string())
            .collect()
    }

    #[test]
    fn doublestar_semantics() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["a.log", "b.txt", "c.json", "sub/d.log", "sub/deep/e.log"] {
            touch(dir.path(), f);
        }
        let root = dir.path();
        assert_eq!(found(root, "*.log"), ["a.log"], "* stays in its directory");
        assert_eq!(
            found(root, "**/*.log"),
            ["a.log", "sub/d.log", "sub/deep/e.log"],
            "** spans zero or more directories"
        );
        assert_eq!(found(root, "*.{log,txt}"), ["a.log", "b.txt"]);
        assert_eq!(found(root, "sub/*"), ["sub/d.log", "sub/deep"]);
        assert_eq!(found(root, "sub/d.log"), ["sub/d.log"]);
        assert!(found(root, "nope/*.log").is_empty());
        assert!(found(root, "missing.log").is_empty());
        assert_eq!(found(root, "?.json"), ["c.json"]);
        assert_eq!(found(root, "[ab].*"), ["a.log", "b.txt"]);
    }

    #[test]
    fn invalid_patterns_are_errors() {
        assert!(Glob::new("/var/log/[").is_err());
        assert!(Glob::new("/var/log/{a,b").is_err());
    }
}
