//! Values an expression evaluates to.

use std::sync::Arc;

use model::labels::Labels;

/// A float point of a series.
pub type Point = (i64, f64);

/// One element of an instant vector.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Shared with the stored series until an operation changes it.
    pub metric: Arc<Labels>,
    /// The sample's own timestamp (for `timestamp()`), else the evaluation time.
    pub t: i64,
    pub v: f64,
    /// Delayed `__name__` removal: the name goes at the end of evaluation.
    pub drop_name: bool,
}

/// One series of a range vector (matrix).
#[derive(Clone, Debug)]
pub struct Series {
    pub metric: Arc<Labels>,
    pub points: Vec<Point>,
    pub drop_name: bool,
}

#[derive(Clone, Debug)]
pub enum Value {
    Scalar(f64),
    String(String),
    Vector(Vec<Sample>),
    Matrix(Vec<Series>),
}
