//! Calendar fields of Unix times in UTC, for the places that print times as Go
//! or RFC 3339 do (API JSON, debug output, logs) without a date crate.

/// A Unix time split into UTC calendar fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
}

impl UtcTime {
    /// The time `secs` seconds and `nanos` nanoseconds after the Unix epoch.
    pub fn from_unix(secs: i64, nanos: u32) -> UtcTime {
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        UtcTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            nanos,
        }
    }

    pub fn from_system_time(t: std::time::SystemTime) -> UtcTime {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => UtcTime::from_unix(d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                let (secs, nanos) = (d.as_secs() as i64, d.subsec_nanos());
                match nanos {
                    0 => UtcTime::from_unix(-secs, 0),
                    n => UtcTime::from_unix(-secs - 1, 1_000_000_000 - n),
                }
            }
        }
    }

    /// `.123` for the nanoseconds with trailing zeros cut, empty for none (Go's
    /// `RFC3339Nano` and `time.Time.String`).
    pub fn trimmed_fraction(&self) -> String {
        if self.nanos == 0 {
            return String::new();
        }
        let digits = format!(".{:09}", self.nanos);
        digits.trim_end_matches('0').to_string()
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_fields() {
        assert_eq!(
            UtcTime::from_unix(0, 0),
            UtcTime {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                nanos: 0
            }
        );
        // 2018-12-13T14:51:00Z, a leap-year day, and a time before the epoch.
        let t = UtcTime::from_unix(1_544_712_660, 321);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute),
            (2018, 12, 13, 14, 51)
        );
        assert_eq!(t.trimmed_fraction(), ".000000321");
        let t = UtcTime::from_unix(951_782_400, 0);
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
        let t = UtcTime::from_unix(-1, 0);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.second),
            (1969, 12, 31, 23, 59)
        );
        assert_eq!(UtcTime::from_unix(0, 0).trimmed_fraction(), "");
    }
}
