//! Load tools for the whole-process benchmarks in `bench/`.

pub mod prom;
