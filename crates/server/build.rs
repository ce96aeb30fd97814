//! The UI's files are embedded at build time; rebuild when they change, and
//! when `ui/` appears or gains files.

fn main() {
    println!("cargo:rerun-if-changed=../../ui");
}
