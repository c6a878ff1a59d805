//! Who may call which command, decided in Rust for every call.
//!
//! The web view hides what a person may not use, but hiding is not the check:
//! a customer at a self-service kiosk who reached the web view's IPC must get
//! nothing staff-only. Every command the shell registers has a line in
//! [`ACCESS`]; a command without one is refused.

use crate::config::Profile;

/// What a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The onboarding flow itself: whoever stands at the screen.
    Anyone,
    /// Staff: anyone at a counter or field kiosk; at a self-service kiosk
    /// only while the admin area is open (after the PIN).
    Staff,
    /// The admin area's own commands: the admin area checks its PIN itself;
    /// at a self-service kiosk they are refused unless it is open.
    AdminArea,
    /// Opening the admin area: the PIN form, its check and closing it.
    AdminEntry,
}

/// Every command and what it needs.
pub const ACCESS: &[(&str, Access)] = &[
    ("app_status", Access::Anyone),
    ("try_again", Access::Anyone),
    ("start_session", Access::Anyone),
    ("choose_document", Access::Anyone),
    ("start_camera", Access::Anyone),
    ("stop_camera", Access::Anyone),
    ("camera_stats", Access::Anyone),
    ("take_photo", Access::Anyone),
    ("cameras", Access::Anyone),
    ("choose_camera", Access::Anyone),
    ("accept_photo", Access::Anyone),
    ("retake", Access::Anyone),
    ("submit", Access::Anyone),
    ("current_session", Access::Anyone),
    ("end_session", Access::Anyone),
    // The language on the screen: the person chooses it.
    ("set_language", Access::Anyone),
    ("set_sample_impairment", Access::Anyone),
    ("import_photo", Access::Staff),
    ("correct_details", Access::Staff),
    ("set_training_outcome", Access::Staff),
    ("recent_applicants", Access::Staff),
    ("outbox_status", Access::Staff),
    ("send_outbox", Access::Staff),
    ("admin_gate", Access::AdminEntry),
    ("admin_unlock", Access::AdminEntry),
    ("admin_close", Access::AdminEntry),
    ("admin_status", Access::AdminArea),
    ("admin_set_credentials", Access::AdminArea),
    ("admin_set_webhook_secret", Access::AdminArea),
    ("admin_clear_credentials", Access::AdminArea),
    ("admin_set_pin", Access::AdminArea),
    ("admin_save_settings", Access::AdminArea),
    ("admin_set_mode", Access::AdminArea),
    ("admin_verify_connection", Access::AdminArea),
    ("restart_kiosk", Access::AdminArea),
    ("quit_kiosk", Access::AdminArea),
];

/// Why a call is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this is for staff: ask a member of staff")]
    StaffOnly,
    #[error("the kiosk does not know the command {0:?}")]
    Unknown(String),
}

/// What `command` needs, if the shell knows it.
pub fn access(command: &str) -> Option<Access> {
    ACCESS
        .iter()
        .find(|(name, _)| *name == command)
        .map(|(_, a)| *a)
}

/// Whether `command` may run now, from the profile and whether the admin area is open.
pub fn decide(command: &str, profile: Profile, admin_open: bool) -> Result<(), Refusal> {
    let needs = access(command).ok_or_else(|| Refusal::Unknown(command.to_owned()))?;
    let self_service = profile == Profile::SelfService;
    match needs {
        Access::Anyone | Access::AdminEntry => Ok(()),
        Access::Staff | Access::AdminArea if self_service && !admin_open => Err(Refusal::StaffOnly),
        Access::Staff | Access::AdminArea => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_service_customers_reach_no_staff_command() {
        for (name, needs) in ACCESS {
            let customer = decide(name, Profile::SelfService, false);
            let staff = decide(name, Profile::SelfService, true);
            let counter = decide(name, Profile::Attendant, false);
            match needs {
                Access::Anyone | Access::AdminEntry => {
                    assert!(customer.is_ok(), "{name}");
                }
                Access::Staff | Access::AdminArea => {
                    assert_eq!(customer, Err(Refusal::StaffOnly), "{name}");
                    assert!(staff.is_ok(), "{name}: staff with the admin area open");
                }
            }
            assert!(
                counter.is_ok(),
                "{name}: the counter decides by its own checks"
            );
        }
    }

    #[test]
    fn a_command_without_a_decision_is_refused() {
        assert!(matches!(
            decide("new_command", Profile::Attendant, true),
            Err(Refusal::Unknown(_))
        ));
    }
}
