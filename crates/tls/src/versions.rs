//! TLS version bounds as Alloy and Prometheus spell them.

use rustls::SupportedProtocolVersion;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

/// Accepts Prometheus's `TLS12` and the Collector's `1.2` / `TLS 1.2` forms.
impl FromStr for TlsVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<TlsVersion, String> {
        let digits: String = s
            .trim_start_matches("TLS")
            .trim()
            .chars()
            .filter(|c| *c != '.')
            .collect();
        match digits.as_str() {
            "10" => Ok(TlsVersion::Tls10),
            "11" => Ok(TlsVersion::Tls11),
            "12" => Ok(TlsVersion::Tls12),
            "13" => Ok(TlsVersion::Tls13),
            _ => Err(format!("unknown TLS version: {s}")),
        }
    }
}

/// The rustls versions between `min` and `max` (inclusive; `None` = no bound).
/// An older minimum than 1.2 means 1.2; a maximum older than 1.2 is refused.
pub fn protocol_versions(
    min: Option<TlsVersion>,
    max: Option<TlsVersion>,
) -> Result<Vec<&'static SupportedProtocolVersion>, String> {
    let min = min.unwrap_or(TlsVersion::Tls12);
    let max = max.unwrap_or(TlsVersion::Tls13);
    if max < TlsVersion::Tls12 {
        return Err(format!(
            "max_version {max:?} is not supported: TLS 1.2 is the oldest version offered"
        ));
    }
    let mut versions = Vec::new();
    if min <= TlsVersion::Tls12 && max >= TlsVersion::Tls12 {
        versions.push(&rustls::version::TLS12);
    }
    if max >= TlsVersion::Tls13 {
        versions.push(&rustls::version::TLS13);
    }
    if versions.is_empty() {
        return Err("min_version is greater than max_version".into());
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_and_bounds() {
        for s in ["TLS12", "1.2", "TLS 1.2"] {
            assert_eq!(s.parse::<TlsVersion>().unwrap(), TlsVersion::Tls12);
        }
        assert!("TLS14".parse::<TlsVersion>().is_err());
        assert_eq!(protocol_versions(None, None).unwrap().len(), 2);
        assert_eq!(
            protocol_versions(Some(TlsVersion::Tls13), None)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            protocol_versions(Some(TlsVersion::Tls10), Some(TlsVersion::Tls12))
                .unwrap()
                .len(),
            1
        );
        assert!(protocol_versions(None, Some(TlsVersion::Tls11)).is_err());
        assert!(protocol_versions(Some(TlsVersion::Tls13), Some(TlsVersion::Tls12)).is_err());
    }
}
