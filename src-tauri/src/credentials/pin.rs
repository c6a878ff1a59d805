//! The admin PIN: stored as a salted Argon2 hash, checked with a lockout
//! that grows and that a restart does not end.

use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PinError {
    #[error("the PIN must be 6 to 12 digits")]
    Invalid,
    #[error("wrong PIN; {remaining} tries left before a lockout")]
    Wrong { remaining: u32 },
    #[error("too many wrong PINs: try again in {seconds} s")]
    LockedOut { seconds: u64 },
    #[error("no admin PIN is set")]
    NotSet,
}

/// A PIN's stored form (PHC string: algorithm, parameters, salt, hash).
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    if !(6..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinError::Invalid);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| PinError::Invalid)
}

fn matches(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// What the guard remembers across restarts: wrong PINs since the last
/// right one, how many lockouts came of them, and until when (Unix seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GuardState {
    pub failures: u32,
    pub lockouts: u32,
    pub locked_until: Option<i64>,
}

impl GuardState {
    /// The stricter of two remembered states: forgetting one copy (a deleted
    /// file, a cleared keychain entry) never loosens the lockout.
    pub fn stricter(self, other: Self) -> Self {
        Self {
            failures: self.failures.max(other.failures),
            lockouts: self.lockouts.max(other.lockouts),
            locked_until: self.locked_until.max(other.locked_until),
        }
    }
}

/// The lockouts grow: 5 min, 15 min, 1 h, 4 h, then a day each time, until
/// the right PIN is entered.
pub fn lockout_after(lockouts: u32) -> Duration {
    const STEPS: [u64; 5] = [300, 900, 3_600, 14_400, 86_400];
    Duration::from_secs(STEPS[(lockouts.max(1) as usize - 1).min(STEPS.len() - 1)])
}

/// Counts wrong PINs and locks the admin area out, longer each time.
#[derive(Debug, Clone)]
pub struct PinGuard {
    pub max_attempts: u32,
    state: GuardState,
}

impl Default for PinGuard {
    fn default() -> Self {
        Self::with_state(GuardState::default())
    }
}

impl PinGuard {
    pub fn with_state(state: GuardState) -> Self {
        Self {
            max_attempts: 5,
            state,
        }
    }

    /// What to remember after each check.
    pub fn state(&self) -> GuardState {
        self.state
    }

    /// Checks `pin` against the stored hash at `now` (Unix seconds).
    pub fn check(&mut self, pin: &str, stored: Option<&str>, now: i64) -> Result<(), PinError> {
        if let Some(until) = self.state.locked_until {
            if now < until {
                return Err(PinError::LockedOut {
                    seconds: (until - now).max(1) as u64,
                });
            }
            self.state.locked_until = None;
            self.state.failures = 0;
        }
        let stored = stored.ok_or(PinError::NotSet)?;
        if matches(pin, stored) {
            self.state = GuardState::default();
            return Ok(());
        }
        self.state.failures += 1;
        if self.state.failures >= self.max_attempts {
            self.state.lockouts += 1;
            let lockout = lockout_after(self.state.lockouts);
            self.state.locked_until = Some(now + lockout.as_secs() as i64);
            return Err(PinError::LockedOut {
                seconds: lockout.as_secs(),
            });
        }
        Err(PinError::Wrong {
            remaining: self.max_attempts - self.state.failures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_is_stored_as_a_salted_hash() {
        let a = hash_pin("482913").unwrap();
        let b = hash_pin("482913").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert!(!a.contains("482913"));
        assert_ne!(a, b, "a fresh salt each time");
        assert!(matches("482913", &a) && matches("482913", &b));
        assert!(!matches("482914", &a));
        assert_eq!(hash_pin("12a456"), Err(PinError::Invalid));
        assert_eq!(hash_pin("123"), Err(PinError::Invalid));
    }

    #[test]
    fn wrong_pins_lead_to_lockouts_that_grow_and_expire() {
        let stored = hash_pin("246810").unwrap();
        let mut guard = PinGuard {
            max_attempts: 3,
            ..PinGuard::default()
        };
        let t0 = 1_800_000_000;
        assert_eq!(
            guard.check("000000", Some(&stored), t0),
            Err(PinError::Wrong { remaining: 2 })
        );
        assert_eq!(
            guard.check("000001", Some(&stored), t0),
            Err(PinError::Wrong { remaining: 1 })
        );
        assert_eq!(
            guard.check("000002", Some(&stored), t0),
            Err(PinError::LockedOut { seconds: 300 })
        );
        // Even the right PIN is refused during the lockout.
        assert!(matches!(
            guard.check("246810", Some(&stored), t0 + 30),
            Err(PinError::LockedOut { .. })
        ));
        // The guard as a restarted kiosk reads it back: still locked.
        let mut restarted = PinGuard {
            max_attempts: 3,
            ..PinGuard::with_state(guard.state())
        };
        assert_eq!(
            restarted.check("246810", Some(&stored), t0 + 60),
            Err(PinError::LockedOut { seconds: 240 })
        );
        // After it, three more wrong PINs: the next lockout is longer.
        let t1 = t0 + 301;
        for _ in 0..2 {
            assert!(matches!(
                restarted.check("111111", Some(&stored), t1),
                Err(PinError::Wrong { .. })
            ));
        }
        assert_eq!(
            restarted.check("111111", Some(&stored), t1),
            Err(PinError::LockedOut { seconds: 900 })
        );
        assert_eq!(restarted.state().lockouts, 2);
        // The right PIN after the lockout opens and forgets the history.
        assert_eq!(restarted.check("246810", Some(&stored), t1 + 901), Ok(()));
        assert_eq!(restarted.state(), GuardState::default());
        assert_eq!(restarted.check("246810", None, t1), Err(PinError::NotSet));
    }

    #[test]
    fn lockouts_grow_to_a_day_and_forgetting_a_copy_never_loosens_them() {
        let steps: Vec<u64> = (1..=7).map(|n| lockout_after(n).as_secs()).collect();
        assert_eq!(steps, [300, 900, 3_600, 14_400, 86_400, 86_400, 86_400]);
        let file = GuardState {
            failures: 0,
            lockouts: 1,
            locked_until: None,
        };
        let keychain = GuardState {
            failures: 2,
            lockouts: 3,
            locked_until: Some(5),
        };
        assert_eq!(file.stricter(keychain), keychain.stricter(file));
        assert_eq!(file.stricter(GuardState::default()), file);
        assert_eq!(file.stricter(keychain).lockouts, 3);
    }
}
