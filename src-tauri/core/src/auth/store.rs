//! Where refresh tokens are kept between runs: the OS keyring, through the
//! Secret Service (GNOME Keyring, KWallet) with the `keyring` crate; never a
//! plain file. One entry per source name, under the service `satchel`.

use crate::{Error, Result};

/// The keyring service Satchel's entries are kept under.
pub const KEYRING_SERVICE: &str = "satchel";

/// A place for secrets, by account name. Calls block (D-Bus round trips):
/// run them off the async threads, with a time limit.
pub trait SecretStore: Send + Sync {
    fn load(&self, account: &str) -> Result<Option<String>>;
    fn save(&self, account: &str, secret: &str) -> Result<()>;
    /// Whether there was something to delete.
    fn delete(&self, account: &str) -> Result<bool>;
}

/// The account a source's tokens are kept under.
pub fn account(source: &str) -> String {
    format!("source:{source}")
}

/// The OS keyring (the Secret Service on Linux).
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringStore;

fn keyring_error(e: keyring::Error) -> Error {
    Error::Keyring {
        reason: crate::error::redact(&e.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn load(&self, account: &str) -> Result<Option<String>> {
        let entry = keyring::Entry::new(KEYRING_SERVICE, account).map_err(keyring_error)?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn save(&self, account: &str, secret: &str) -> Result<()> {
        keyring::Entry::new(KEYRING_SERVICE, account)
            .and_then(|entry| entry.set_password(secret))
            .map_err(keyring_error)
    }

    fn delete(&self, account: &str) -> Result<bool> {
        let entry = keyring::Entry::new(KEYRING_SERVICE, account).map_err(keyring_error)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// Secrets held for this process only: what a test uses to stand in for
/// a keyring it does not want to touch. Satchel itself never uses it.
#[derive(Debug, Default)]
pub struct MemoryStore(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl MemoryStore {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn load(&self, account: &str) -> Result<Option<String>> {
        Ok(self.map().get(account).cloned())
    }
    fn save(&self, account: &str, secret: &str) -> Result<()> {
        self.map().insert(account.to_owned(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool> {
        Ok(self.map().remove(account).is_some())
    }
}
