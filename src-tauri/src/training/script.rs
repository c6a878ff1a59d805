//! Scripted review outcomes: what the training service decides, review after review.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Green,
    /// RED/RETRY: the front side of the identity document must be re-taken.
    RetryFront,
    /// RED/RETRY: the back side must be re-taken.
    RetryBack,
    /// RED/RETRY: the selfie must be re-taken.
    RetrySelfie,
    /// RED/FINAL: do not continue.
    Final,
    /// RED/RETRY with PROBLEMATIC_APPLICANT_DATA: the entered data does not match the document.
    DataMismatch,
    /// Held for a compliance officer, then decided by the next decision.
    OnHold,
}

/// The named scenarios staff and tests choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    #[default]
    Green,
    RetryFront,
    RetryBack,
    RetrySelfie,
    Final,
    DataMismatch,
    OnHold,
    /// Approved, then found on a block list a little later: RED/FINAL.
    GreenThenRed,
    /// The back side is asked for again with reject labels but no comment:
    /// the kiosk's own instruction for the labels is what the person reads.
    RetryBackLabels,
    /// The selfie likewise.
    RetrySelfieLabels,
}

impl Scenario {
    pub const ALL: [Scenario; 10] = [
        Self::Green,
        Self::RetryFront,
        Self::RetryBack,
        Self::RetrySelfie,
        Self::Final,
        Self::DataMismatch,
        Self::OnHold,
        Self::GreenThenRed,
        Self::RetryBackLabels,
        Self::RetrySelfieLabels,
    ];

    /// Whether the reviewer writes comments (every scenario but the labels-only ones).
    pub fn writes_comments(self) -> bool {
        !matches!(self, Self::RetryBackLabels | Self::RetrySelfieLabels)
    }

    /// The decision for review number `round` (0 for the first).
    pub fn decision(self, round: u32) -> Decision {
        let first = match self {
            Self::Green | Self::GreenThenRed => Decision::Green,
            Self::RetryFront => Decision::RetryFront,
            Self::RetryBack | Self::RetryBackLabels => Decision::RetryBack,
            Self::RetrySelfie | Self::RetrySelfieLabels => Decision::RetrySelfie,
            Self::Final => Decision::Final,
            Self::DataMismatch => Decision::DataMismatch,
            Self::OnHold => Decision::OnHold,
        };
        match (round, first) {
            (0, d) => d,
            // A FINAL rejection stays final; every other scenario is fixed by one retry.
            (_, Decision::Final) => Decision::Final,
            _ => Decision::Green,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::RetryFront => "retry-front",
            Self::RetryBack => "retry-back",
            Self::RetrySelfie => "retry-selfie",
            Self::Final => "final",
            Self::DataMismatch => "data-mismatch",
            Self::OnHold => "on-hold",
            Self::GreenThenRed => "green-then-red",
            Self::RetryBackLabels => "retry-back-labels",
            Self::RetrySelfieLabels => "retry-selfie-labels",
        }
    }
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "unknown outcome '{s}': expected one of {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_fixed_by_one_resubmission_and_final_stays_final() {
        assert_eq!(Scenario::RetryBack.decision(0), Decision::RetryBack);
        assert_eq!(Scenario::RetryBack.decision(1), Decision::Green);
        assert_eq!(Scenario::Final.decision(3), Decision::Final);
        assert_eq!(Scenario::OnHold.decision(0), Decision::OnHold);
        for s in Scenario::ALL {
            assert_eq!(s.name().parse::<Scenario>().unwrap(), s);
        }
        assert!("purple".parse::<Scenario>().is_err());
    }
}
