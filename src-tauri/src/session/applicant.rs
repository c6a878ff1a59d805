//! The details a person gives at the start, checked before anything is sent.

use serde::{Deserialize, Serialize};
use specta::Type;
use zeroize::Zeroize;

use crate::verification::models::FixedInfo;

use super::error::DetailsProblem;

/// What the attendant entered. Never logged: `Debug` shows which fields are set only.
#[derive(Clone, Default, Serialize, Deserialize, Type)]
pub struct ApplicantDetails {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// YYYY-MM-DD
    pub date_of_birth: Option<String>,
}

impl std::fmt::Debug for ApplicantDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        write!(
            f,
            "ApplicantDetails(email: {}, phone: {}, name: {}, dob: {})",
            set(&self.email),
            set(&self.phone),
            set(&self.first_name) || set(&self.last_name),
            set(&self.date_of_birth)
        )
    }
}

impl ApplicantDetails {
    /// Overwrites the entered data in memory.
    pub fn wipe(&mut self) {
        for v in [
            &mut self.email,
            &mut self.phone,
            &mut self.first_name,
            &mut self.last_name,
            &mut self.date_of_birth,
        ]
        .into_iter()
        .flatten()
        {
            v.zeroize();
        }
    }
}

pub(super) fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ApplicantDetails {
    pub(super) fn fixed_info(&self) -> Option<FixedInfo> {
        let info = FixedInfo {
            first_name: clean(&self.first_name),
            last_name: clean(&self.last_name),
            dob: clean(&self.date_of_birth),
            ..Default::default()
        };
        (info.first_name.is_some() || info.last_name.is_some() || info.dob.is_some())
            .then_some(info)
    }

    /// A clear message for the field that is wrong, or `None`.
    pub(super) fn problem(&self) -> Option<DetailsProblem> {
        if let Some(e) = clean(&self.email) {
            let (user, domain) = e.split_once('@').unwrap_or(("", ""));
            if user.is_empty() || !domain.contains('.') || e.contains(char::is_whitespace) {
                return Some(DetailsProblem::Email);
            }
        }
        if let Some(p) = clean(&self.phone) {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if digits < 6
                || !p
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()/".contains(c))
            {
                return Some(DetailsProblem::Phone);
            }
        }
        if let Some(d) = clean(&self.date_of_birth) {
            if chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_err() {
                return Some(DetailsProblem::DateOfBirth);
            }
        }
        None
    }
}
