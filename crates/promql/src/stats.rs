//! Numeric helpers shared by aggregations and range functions, computed as
//! Prometheus computes them (Kahan–Neumaier sums, an incremental mean once a
//! sum would overflow, Welford variance).

use std::cmp::Ordering;

/// Adds `inc` to `sum` with Neumaier's compensation `c`.
pub fn kahan_sum_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// A compensated sum.
#[derive(Default, Clone, Copy)]
pub struct Sum {
    sum: f64,
    c: f64,
}

impl Sum {
    pub fn add(&mut self, v: f64) {
        (self.sum, self.c) = kahan_sum_inc(v, self.sum, self.c);
    }

    pub fn value(&self) -> f64 {
        self.sum + self.c
    }
}

/// An average that sums while it can and switches to an incremental mean
/// when the sum would overflow.
#[derive(Default, Clone, Copy)]
pub struct Mean {
    count: f64,
    sum: f64,
    c: f64,
    incremental: bool,
    mean: f64,
}

impl Mean {
    pub fn add(&mut self, v: f64) {
        self.count += 1.0;
        // The first value starts the sum as is, an infinity included.
        if self.count == 1.0 {
            (self.sum, self.mean) = (v, v);
            return;
        }
        if !self.incremental {
            let (sum, c) = kahan_sum_inc(v, self.sum, self.c);
            if !sum.is_infinite() {
                (self.sum, self.c) = (sum, c);
                return;
            }
            self.incremental = true;
            self.mean = self.sum / (self.count - 1.0);
            self.c /= self.count - 1.0;
        }
        if self.mean.is_infinite() {
            if v.is_infinite() && (self.mean > 0.0) == (v > 0.0) {
                return;
            }
            if !v.is_infinite() && !v.is_nan() {
                return;
            }
        }
        let current = self.mean + self.c;
        (self.mean, self.c) =
            kahan_sum_inc(v / self.count - current / self.count, self.mean, self.c);
    }

    pub fn value(&self) -> f64 {
        if self.incremental {
            self.mean + self.c
        } else {
            (self.sum + self.c) / self.count
        }
    }
}

/// Welford's running variance with a compensated mean.
#[derive(Default, Clone, Copy)]
pub struct Variance {
    count: f64,
    mean: f64,
    c: f64,
    aux: f64,
    c_aux: f64,
}

impl Variance {
    pub fn add(&mut self, v: f64) {
        self.count += 1.0;
        let delta = v - (self.mean + self.c);
        (self.mean, self.c) = kahan_sum_inc(delta / self.count, self.mean, self.c);
        (self.aux, self.c_aux) =
            kahan_sum_inc(delta * (v - (self.mean + self.c)), self.aux, self.c_aux);
    }

    pub fn variance(&self) -> f64 {
        (self.aux + self.c_aux) / self.count
    }
}

/// NaN sorts first, as Prometheus's `vectorByValueHeap`.
pub fn nan_first(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// The φ-quantile of `values` (sorted in place), interpolating between ranks.
pub fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(nan_first);
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// Least-squares slope and intercept of `points`, x in seconds from `intercept_time`.
pub fn linear_regression(points: &[(i64, f64)], intercept_time: i64) -> (f64, f64) {
    let (mut n, mut x_sum, mut y_sum, mut xy_sum, mut x2_sum) = (
        0.0,
        Sum::default(),
        Sum::default(),
        Sum::default(),
        Sum::default(),
    );
    let first = points[0].1;
    let mut constant = true;
    for (i, &(t, v)) in points.iter().enumerate() {
        if constant && i > 0 && v != first {
            constant = false;
        }
        n += 1.0;
        let x = (t - intercept_time) as f64 / 1e3;
        x_sum.add(x);
        y_sum.add(v);
        xy_sum.add(x * v);
        x2_sum.add(x * x);
    }
    if constant {
        return if first.is_infinite() {
            (f64::NAN, f64::NAN)
        } else {
            (0.0, first)
        };
    }
    let (x, y, xy, x2) = (x_sum.value(), y_sum.value(), xy_sum.value(), x2_sum.value());
    let cov = xy - x * y / n;
    let var = x2 - x * x / n;
    let slope = cov / var;
    (slope, y / n - slope * x / n)
}

/// Prometheus's `almost.Equal` used for bucket counts.
pub fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a == b {
        return true;
    }
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || (a.abs() + b.abs()) < f64::MIN_POSITIVE {
        return diff < epsilon * f64::MIN_POSITIVE;
    }
    diff / (a.abs() + b.abs()).min(f64::MAX) < epsilon
}
