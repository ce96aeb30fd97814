//! The `local.*` components: files on the machine Alloy runs on.

pub mod file;
pub mod file_match;
mod glob;
