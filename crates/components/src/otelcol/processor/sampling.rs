//! Consistent probability sampling as the OpenTelemetry specification defines
//! it (the Collector's `pkg/sampling`): 56-bit randomness values, rejection
//! thresholds, their hex encodings (`rv`, `th`) and the `ot` entry of the W3C
//! `tracestate`.

/// Thresholds and randomness have 14 hex digits (56 bits).
pub const NUM_HEX_DIGITS: i32 = 14;
const HEX_BITS: i32 = 4;
pub const MAX_ADJUSTED_COUNT: u64 = 1 << 56;
pub const MIN_SAMPLING_PROBABILITY: f64 = 1.0 / MAX_ADJUSTED_COUNT as f64;

/// 56 random bits; an item is sampled when its randomness is at least the
/// threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Randomness(u64);

impl Randomness {
    /// What items without randomness are given: sampled by every threshold but
    /// "never".
    pub const ALL_PROBABILITIES: Randomness = Randomness(MAX_ADJUSTED_COUNT - 1);

    /// The least-significant 7 bytes of a trace id.
    pub fn from_trace_id(trace_id: &[u8]) -> Randomness {
        let low = trace_id
            .iter()
            .rev()
            .take(7)
            .rev()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        Randomness(low)
    }

    pub fn from_unsigned(value: u64) -> Option<Randomness> {
        (value < MAX_ADJUSTED_COUNT).then_some(Randomness(value))
    }

    /// An `rv` value: exactly 14 hex digits.
    pub fn from_rvalue(text: &str) -> Result<Randomness, String> {
        if text.len() != NUM_HEX_DIGITS as usize {
            return Err(format!("r-value must have 14 hex digits: {text:?}"));
        }
        u64::from_str_radix(text, 16)
            .map(Randomness)
            .map_err(|_| format!("r-value is not hexadecimal: {text:?}"))
    }

    pub fn rvalue(self) -> String {
        format!("{:014x}", self.0)
    }
}

/// A rejection threshold in [0, 2^56]: 0 samples everything, 2^56 nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Threshold(u64);

impl Threshold {
    pub const ALWAYS: Threshold = Threshold(0);
    pub const NEVER: Threshold = Threshold(MAX_ADJUSTED_COUNT);

    pub fn from_unsigned(value: u64) -> Option<Threshold> {
        (value < MAX_ADJUSTED_COUNT).then_some(Threshold(value))
    }

    /// A `th` value: 1 to 14 hex digits, trailing zeros left out.
    pub fn from_tvalue(text: &str) -> Result<Threshold, String> {
        if text.is_empty() || text.len() > NUM_HEX_DIGITS as usize {
            return Err(format!("t-value must have 1 to 14 hex digits: {text:?}"));
        }
        let value = u64::from_str_radix(text, 16)
            .map_err(|_| format!("t-value is not hexadecimal: {text:?}"))?;
        Ok(Threshold(
            value << (HEX_BITS * (NUM_HEX_DIGITS - text.len() as i32)),
        ))
    }

    /// The `th` encoding; "never" has none.
    pub fn tvalue(self) -> String {
        if self == Threshold::NEVER {
            return String::new();
        }
        if self.0 == 0 {
            return "0".into();
        }
        let digits = format!("{:014x}", self.0);
        digits.trim_end_matches('0').to_owned()
    }

    pub fn should_sample(self, randomness: Randomness) -> bool {
        randomness.0 >= self.0
    }

    pub fn probability(self) -> f64 {
        (MAX_ADJUSTED_COUNT - self.0) as f64 / MAX_ADJUSTED_COUNT as f64
    }

    /// The threshold of `probability`, rounded to `precision` hex digits, with
    /// more digits near 0 and 1 where rounding would distort the probability
    /// (as the Collector computes it). `None` outside [2^-56, 1].
    pub fn from_probability(probability: f64, precision: i32) -> Option<Threshold> {
        if !(MIN_SAMPLING_PROBABILITY..=1.0).contains(&probability) {
            return None;
        }
        if probability == 1.0 {
            return Some(Threshold::ALWAYS);
        }
        let scaled = (probability * MAX_ADJUSTED_COUNT as f64).round() as u64;
        let mut threshold = MAX_ADJUSTED_COUNT - scaled;
        if precision == 0 || precision >= NUM_HEX_DIGITS {
            return Some(Threshold(threshold));
        }
        let extra = |x: f64| binary_exponent(x) / -HEX_BITS;
        let precision = NUM_HEX_DIGITS
            .min((precision + extra(probability)).max(precision + extra(1.0 - probability)));
        let shift = HEX_BITS * (NUM_HEX_DIGITS - precision);
        if shift != 0 {
            threshold += 1 << (shift - 1);
            threshold = (threshold >> shift) << shift;
        }
        Some(Threshold(threshold.min(MAX_ADJUSTED_COUNT)))
    }
}

/// The exponent of Go's `math.Frexp` for a positive normal number: `x = f·2^e`
/// with `f` in [0.5, 1).
fn binary_exponent(x: f64) -> i32 {
    let biased = ((x.to_bits() >> 52) & 0x7ff) as i32;
    biased - 1022
}

/// The OpenTelemetry entry (`ot=`) of a `tracestate`, or the sampling
/// attributes of a log record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SamplingState {
    pub randomness: Option<Randomness>,
    pub threshold: Option<Threshold>,
    /// Other `key:value` fields of the `ot` entry, kept in order.
    pub extra: Vec<String>,
}

impl SamplingState {
    /// Records that an item was sampled at `threshold`; a threshold may only
    /// rise (sampling can only become less likely downstream).
    pub fn update_threshold(&mut self, threshold: Threshold) -> Result<(), String> {
        if threshold.tvalue().is_empty() {
            self.threshold = None;
            return Ok(());
        }
        if self.threshold.is_some_and(|current| current > threshold) {
            return Err("inconsistent arriving threshold: sampling would be more likely".into());
        }
        self.threshold = Some(threshold);
        Ok(())
    }
}

/// A W3C `tracestate`: the `ot` entry parsed, the other vendors' entries kept.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceState {
    pub otel: SamplingState,
    /// Other vendors' `key=value` members, in order.
    pub others: Vec<String>,
}

impl TraceState {
    pub fn parse(raw: &str) -> Result<TraceState, String> {
        let mut state = TraceState::default();
        for member in raw.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            let Some((key, value)) = member.split_once('=') else {
                return Err(format!("invalid tracestate member {member:?}"));
            };
            if key.is_empty() {
                return Err(format!("invalid tracestate member {member:?}"));
            }
            if key != "ot" {
                state.others.push(member.to_owned());
                continue;
            }
            for field in value.split(';').filter(|f| !f.is_empty()) {
                let Some((name, text)) = field.split_once(':') else {
                    return Err(format!("invalid OpenTelemetry tracestate field {field:?}"));
                };
                match name {
                    "rv" => state.otel.randomness = Some(Randomness::from_rvalue(text)?),
                    "th" => state.otel.threshold = Some(Threshold::from_tvalue(text)?),
                    _ => state.otel.extra.push(field.to_owned()),
                }
            }
        }
        Ok(state)
    }

    /// `ot=rv:…;th:…;…` first, then the other entries.
    pub fn serialize(&self) -> String {
        let mut fields = Vec::new();
        if let Some(rv) = self.otel.randomness {
            fields.push(format!("rv:{}", rv.rvalue()));
        }
        if let Some(th) = self.otel.threshold {
            fields.push(format!("th:{}", th.tvalue()));
        }
        fields.extend(self.otel.extra.iter().cloned());
        let mut members = Vec::with_capacity(self.others.len() + 1);
        if !fields.is_empty() {
            members.push(format!("ot={}", fields.join(";")));
        }
        members.extend(self.others.iter().cloned());
        members.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tvalue(probability: f64, precision: i32) -> String {
        Threshold::from_probability(probability, precision)
            .unwrap()
            .tvalue()
    }

    #[test]
    fn the_specifications_threshold_examples() {
        assert_eq!(tvalue(1.0, 4), "0");
        assert_eq!(tvalue(0.5, 4), "8");
        assert_eq!(tvalue(0.25, 4), "c");
        assert_eq!(tvalue(0.75, 4), "4");
        assert_eq!(tvalue(0.1, 4), "e666");
        assert_eq!(tvalue(1.0 / 3.0, 4), "aaab");
        assert_eq!(tvalue(2.0 / 3.0, 4), "5555");
        // Near 0 more digits are kept: 1% keeps five.
        assert_eq!(tvalue(0.01, 4), "fd70a");
        assert_eq!(tvalue(0.5, 14), "8");
        assert_eq!(Threshold::from_probability(0.0, 4), None);
        assert_eq!(
            Threshold::from_tvalue("8").unwrap(),
            Threshold::from_probability(0.5, 4).unwrap()
        );
        assert!((Threshold::from_tvalue("c").unwrap().probability() - 0.25).abs() < 1e-12);
        assert_eq!(Threshold::NEVER.tvalue(), "");
    }

    #[test]
    fn randomness_from_trace_ids_and_rvalues() {
        let id = [
            0u8, 1, 2, 3, 4, 5, 6, 7, 8, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56,
        ];
        let r = Randomness::from_trace_id(&id);
        assert_eq!(r.rvalue(), "9abcdef0123456");
        assert_eq!(Randomness::from_rvalue("9abcdef0123456").unwrap(), r);
        assert!(Randomness::from_rvalue("123").is_err());
        assert!(Threshold::from_tvalue("9").unwrap().should_sample(r));
        assert!(!Threshold::from_tvalue("a").unwrap().should_sample(r));
    }

    #[test]
    fn tracestate_round_trip_keeps_other_vendors() {
        let mut ts = TraceState::parse("vendor=x, ot=th:c;rv:0123456789abcd;zz:1,other=y").unwrap();
        assert_eq!(
            ts.otel.threshold,
            Some(Threshold::from_tvalue("c").unwrap())
        );
        assert_eq!(
            ts.serialize(),
            "ot=rv:0123456789abcd;th:c;zz:1,vendor=x,other=y"
        );
        ts.otel
            .update_threshold(Threshold::from_tvalue("e").unwrap())
            .unwrap();
        assert!(
            ts.otel
                .update_threshold(Threshold::from_tvalue("8").unwrap())
                .is_err()
        );
        assert_eq!(
            ts.serialize(),
            "ot=rv:0123456789abcd;th:e;zz:1,vendor=x,other=y"
        );
        assert!(TraceState::parse("ot=th:xyz").is_err());
        assert!(TraceState::parse("novalue").is_err());
        assert_eq!(TraceState::parse("").unwrap().serialize(), "");
    }
}
