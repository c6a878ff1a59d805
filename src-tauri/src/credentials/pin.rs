//! The admin PIN: stored as a salted Argon2 hash, checked with a lockout.

use std::time::{Duration, Instant};

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

/// Counts wrong PINs and locks the admin area out for a while after too many.
pub struct PinGuard {
    pub max_attempts: u32,
    pub lockout: Duration,
    failures: u32,
    locked_until: Option<Instant>,
}

impl Default for PinGuard {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            lockout: Duration::from_secs(300),
            failures: 0,
            locked_until: None,
        }
    }
}

impl PinGuard {
    /// Checks `pin` against the stored hash at time `now`.
    pub fn check(&mut self, pin: &str, stored: Option<&str>, now: Instant) -> Result<(), PinError> {
        if let Some(until) = self.locked_until {
            if now < until {
                return Err(PinError::LockedOut {
                    seconds: (until - now).as_secs().max(1),
                });
            }
            self.locked_until = None;
            self.failures = 0;
        }
        let stored = stored.ok_or(PinError::NotSet)?;
        if matches(pin, stored) {
            self.failures = 0;
            return Ok(());
        }
        self.failures += 1;
        if self.failures >= self.max_attempts {
            self.locked_until = Some(now + self.lockout);
            return Err(PinError::LockedOut {
                seconds: self.lockout.as_secs(),
            });
        }
        Err(PinError::Wrong {
            remaining: self.max_attempts - self.failures,
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
    fn wrong_pins_lead_to_a_lockout_that_expires() {
        let stored = hash_pin("246810").unwrap();
        let mut guard = PinGuard {
            max_attempts: 3,
            lockout: Duration::from_secs(60),
            ..PinGuard::default()
        };
        let t0 = Instant::now();
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
            Err(PinError::LockedOut { seconds: 60 })
        );
        // Even the right PIN is refused during the lockout.
        assert!(matches!(
            guard.check("246810", Some(&stored), t0 + Duration::from_secs(30)),
            Err(PinError::LockedOut { .. })
        ));
        assert_eq!(
            guard.check("246810", Some(&stored), t0 + Duration::from_secs(61)),
            Ok(())
        );
        assert_eq!(guard.check("246810", None, t0), Err(PinError::NotSet));
    }
}
