//! The admin PIN: its stored form (the keychain, with a copy for a locked
//! keychain), the lockout after wrong PINs, and setting or changing it.

use crate::credentials::pin::{hash_pin, GuardState, PinError, PinGuard};
use crate::credentials::{Item, KeychainError};

use super::{blocking, lock, Admin, AdminError, NO_PIN, PIN_GUARD_FILE};

impl Admin {
    /// The PIN's stored form. The keychain is the authority; while it is
    /// locked or unreachable, the copy taken when it was last read stands in,
    /// so staff can still open the admin area (to see why the kiosk is out of
    /// service, try again, or quit) with the same PIN and the same lockout.
    pub(super) fn pin_hash(&self) -> Result<Option<String>, AdminError> {
        let read = match &self.unusable_keychain {
            Some(e) => Err(KeychainError::Unavailable {
                hint: if matches!(e, KeychainError::Refused(_)) {
                    "KIOSK_ENVIRONMENT is not valid: use sandbox or production"
                } else {
                    "the keychain cannot be used"
                },
            }),
            None => self.keychain.get(Item::AdminPinHash),
        };
        match read {
            Ok(hash) => {
                let hash = hash.map(|h| h.expose().clone());
                self.keep_verifier(hash.as_deref());
                Ok(hash)
            }
            Err(e @ (KeychainError::Locked { .. } | KeychainError::Unavailable { .. })) => {
                match std::fs::read_to_string(&self.verifier_path) {
                    Ok(text) if text.trim() == NO_PIN => Ok(None),
                    Ok(text) if text.trim().starts_with("$argon2id$") => {
                        Ok(Some(text.trim().to_owned()))
                    }
                    _ => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Keeps the verifier copy in step with the keychain (owner-only file).
    fn keep_verifier(&self, hash: Option<&str>) {
        let text = hash.unwrap_or(NO_PIN);
        if std::fs::read_to_string(&self.verifier_path).is_ok_and(|t| t == text) {
            return;
        }
        if let Err(e) = crate::config::write_private(&self.verifier_path, text.as_bytes()) {
            tracing::warn!("the admin PIN's verifier copy could not be kept: {e}");
        }
    }

    /// Checks a PIN with the lockout as remembered across restarts: the
    /// stricter of this process's, the data folder's and the keychain's copy,
    /// so neither a restart nor deleting one copy ends a lockout early.
    fn check_pin(&self, pin: &str, stored: Option<&str>) -> Result<(), PinError> {
        let path = self.settings_path.with_file_name(PIN_GUARD_FILE);
        let from_file: GuardState = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let from_keychain: GuardState = match &self.unusable_keychain {
            Some(_) => GuardState::default(),
            None => self
                .keychain
                .get(Item::AdminPinGuard)
                .ok()
                .flatten()
                .and_then(|v| serde_json::from_str(v.expose()).ok())
                .unwrap_or_default(),
        };
        let (result, state) = {
            let mut guard = lock(&self.guard);
            let remembered = guard.state().stricter(from_file).stricter(from_keychain);
            *guard = PinGuard::with_state(remembered);
            let result = guard.check(pin, stored, chrono::Utc::now().timestamp());
            (result, guard.state())
        };
        let text = serde_json::to_string(&state).expect("guard state serialises");
        if let Err(e) = crate::config::write_private(&path, text.as_bytes()) {
            tracing::warn!("the PIN lockout could not be kept in the data folder: {e}");
        }
        if self.unusable_keychain.is_none() {
            if let Err(e) = self.keychain.set(Item::AdminPinGuard, &text) {
                tracing::warn!("the PIN lockout could not be kept in the keychain: {e}");
            }
        }
        result
    }

    /// For changes that need the keychain itself (not the stand-in copy):
    /// the area must be open and the keychain of a valid environment
    /// readable. Returns the PIN's hash as the keychain holds it.
    pub(super) fn require_open_keychain(&self) -> Result<Option<String>, AdminError> {
        self.require_open()?;
        self.keychain_pin_hash()
    }

    /// The PIN's hash from the keychain itself (never the data folder's copy),
    /// refused when the environment is misconfigured.
    pub(super) fn keychain_pin_hash(&self) -> Result<Option<String>, AdminError> {
        if let Some(e) = &self.unusable_keychain {
            return Err(AdminError::Keychain(e.clone()));
        }
        Ok(self
            .keychain
            .get(Item::AdminPinHash)?
            .map(|h| h.expose().clone()))
    }

    /// Opens the admin area with the PIN; wrong PINs count towards a lockout.
    pub async fn unlock(self: &std::sync::Arc<Self>, pin: String) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || {
            let stored = this.pin_hash()?;
            let result = this.check_pin(&pin, stored.as_deref());
            match result {
                Ok(()) => {
                    tracing::info!("admin area opened with the PIN");
                    this.touch();
                    Ok(())
                }
                Err(e) => {
                    tracing::warn!("admin PIN refused: {e}");
                    Err(e.into())
                }
            }
        })
        .await
    }

    /// Sets the PIN, or changes it (then `current` must be the PIN now set).
    pub async fn set_pin(
        self: &std::sync::Arc<Self>,
        current: Option<String>,
        new_pin: String,
    ) -> Result<(), AdminError> {
        let this = self.clone();
        blocking(move || {
            // Secrets go to the keychain of a valid environment only.
            let stored = this.require_open_keychain()?;
            this.replace_pin(stored, current, &new_pin)
        })
        .await
    }

    /// Sets the PIN from the computer's own account (`kioskctl admin set-pin`),
    /// where no admin area is open: the current PIN is still needed to change one.
    pub fn set_pin_on_this_computer(
        &self,
        current: Option<String>,
        new_pin: &str,
    ) -> Result<(), AdminError> {
        let stored = self.keychain_pin_hash()?;
        self.replace_pin(stored, current, new_pin)
    }

    /// Whether a PIN is stored (for `kioskctl admin set-pin`'s prompts).
    pub fn pin_is_set(&self) -> Result<bool, AdminError> {
        Ok(self.pin_hash()?.is_some())
    }

    fn replace_pin(
        &self,
        stored: Option<String>,
        current: Option<String>,
        new_pin: &str,
    ) -> Result<(), AdminError> {
        if let Some(stored) = stored {
            let current = current.unwrap_or_default();
            self.check_pin(&current, Some(&stored))?;
        }
        let hash = hash_pin(new_pin)?;
        self.keychain.set(Item::AdminPinHash, &hash)?;
        self.keep_verifier(Some(&hash));
        tracing::info!("admin PIN set");
        Ok(())
    }
}
