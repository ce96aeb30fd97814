//! Component health (SPEC §3.3): what a component reports, and how Alloy
//! combines the health of evaluation, of the run loop and the component's own.

use std::fmt;
use std::time::SystemTime;

/// Health states, in Alloy's order of precedence when combined (the later wins):
/// healthy < unknown < unhealthy < exited.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum HealthState {
    #[default]
    Unknown,
    Healthy,
    Unhealthy,
    Exited,
}

impl HealthState {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Unknown => "unknown",
            HealthState::Healthy => "healthy",
            HealthState::Unhealthy => "unhealthy",
            HealthState::Exited => "exited",
        }
    }

    /// How bad the state is, for combining: exited > unhealthy > unknown > healthy.
    fn severity(self) -> u8 {
        match self {
            HealthState::Healthy => 0,
            HealthState::Unknown => 1,
            HealthState::Unhealthy => 2,
            HealthState::Exited => 3,
        }
    }
}

impl fmt::Display for HealthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A health report: a state, why, and since when.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Health {
    pub state: HealthState,
    pub message: String,
    pub updated: SystemTime,
}

impl Health {
    pub fn new(state: HealthState, message: impl Into<String>) -> Health {
        Health {
            state,
            message: message.into(),
            updated: SystemTime::now(),
        }
    }

    pub fn healthy(message: impl Into<String>) -> Health {
        Health::new(HealthState::Healthy, message)
    }

    pub fn unhealthy(message: impl Into<String>) -> Health {
        Health::new(HealthState::Unhealthy, message)
    }

    pub fn unknown() -> Health {
        Health {
            state: HealthState::Unknown,
            message: String::new(),
            updated: SystemTime::UNIX_EPOCH,
        }
    }

    /// The worst of several reports; between equally bad ones, the most recent.
    pub fn combine<'a>(reports: impl IntoIterator<Item = &'a Health>) -> Health {
        reports
            .into_iter()
            .max_by(|a, b| (a.state.severity(), a.updated).cmp(&(b.state.severity(), b.updated)))
            .cloned()
            .unwrap_or_else(Health::unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn worst_state_wins_then_most_recent() {
        let t = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        let at = |state, msg: &str, secs| Health {
            updated: t(secs),
            ..Health::new(state, msg)
        };
        let healthy = at(HealthState::Healthy, "started component", 5);
        let unhealthy_old = at(HealthState::Unhealthy, "old", 1);
        let unhealthy_new = at(HealthState::Unhealthy, "new", 2);
        let exited = at(HealthState::Exited, "component shut down cleanly", 0);
        assert_eq!(
            Health::combine([&healthy, &unhealthy_old, &unhealthy_new]).message,
            "new"
        );
        assert_eq!(
            Health::combine([&healthy, &exited, &unhealthy_new]).state,
            HealthState::Exited
        );
        assert_eq!(
            Health::combine([&healthy, &Health::unknown()]).state,
            HealthState::Unknown
        );
        assert_eq!(Health::combine([]).state, HealthState::Unknown);
    }
}
