//! Stability levels, which gate components, blocks and standard-library
//! functions (`--stability.level`).

use std::fmt;
use std::str::FromStr;

/// Alloy's feature stability levels, lowest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub enum Stability {
    Experimental,
    PublicPreview,
    #[default]
    GenerallyAvailable,
}

impl Stability {
    /// The flag value: `experimental`, `public-preview`, `generally-available`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stability::Experimental => "experimental",
            Stability::PublicPreview => "public-preview",
            Stability::GenerallyAvailable => "generally-available",
        }
    }

    /// Alloy's check: `Ok` when a feature at `self` may be used with `min`, else
    /// its message, e.g. `array.combine_maps is at stability level
    /// "experimental", which is below the minimum allowed stability level
    /// "generally-available". Use --stability.level command-line flag to enable
    /// "experimental" features`.
    pub fn check_allowed(self, min: Stability, feature: &str) -> Result<(), String> {
        if self >= min {
            return Ok(());
        }
        Err(format!(
            "{feature} is at stability level {:?}, which is below the minimum allowed stability level {:?}. Use --stability.level command-line flag to enable {:?} features",
            self.as_str(),
            min.as_str(),
            self.as_str()
        ))
    }
}

impl fmt::Display for Stability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stability {
    type Err = String;

    fn from_str(s: &str) -> Result<Stability, String> {
        [
            Stability::Experimental,
            Stability::PublicPreview,
            Stability::GenerallyAvailable,
        ]
        .into_iter()
        .find(|level| level.as_str() == s)
        .ok_or_else(|| {
            format!(
                "invalid stability level {}",
                crate::scanner::go_quote(s.as_bytes())
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gating_message_and_parsing() {
        assert_eq!(
            Stability::Experimental.check_allowed(Stability::GenerallyAvailable, "array.combine_maps"),
            Err("array.combine_maps is at stability level \"experimental\", which is below the minimum \
                 allowed stability level \"generally-available\". Use --stability.level command-line \
                 flag to enable \"experimental\" features"
                .to_string())
        );
        assert!(
            Stability::PublicPreview
                .check_allowed(Stability::Experimental, "x")
                .is_ok()
        );
        assert_eq!("public-preview".parse(), Ok(Stability::PublicPreview));
        assert_eq!(
            "beta".parse::<Stability>(),
            Err("invalid stability level \"beta\"".to_string())
        );
    }
}
