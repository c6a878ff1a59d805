//! `Sensitive<T>`: a secret that cannot leak by accident.

use zeroize::Zeroize;

/// Holds a secret: `Debug` prints `[redacted]`, there is no `Serialize` or
/// `Display`, and the memory is zeroised when the value is dropped. Reading the
/// secret takes an explicit `expose()`, which is easy to find in review.
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T: Zeroize + Clone> Clone for Sensitive<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl From<String> for Sensitive<String> {
    fn from(s: String) -> Self {
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Sensitive::new("top-secret-key-123".to_owned());
        let shown = format!("{s:?} {:?} {:#?}", Some(&s), vec![&s]);
        assert!(!shown.contains("top-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(s.expose(), "top-secret-key-123");
    }

    // `Sensitive<T>` must not implement `Serialize`: this fails to compile if it ever does.
    trait NotSerialize {
        const IMPLEMENTED: bool = false;
    }
    impl<T> NotSerialize for T {}
    struct Probe<T>(std::marker::PhantomData<T>);
    #[allow(dead_code)]
    impl<T: serde::Serialize> Probe<T> {
        const IMPLEMENTED: bool = true;
    }

    #[test]
    fn refuses_to_serialise() {
        // Checked when the tests compile: a `Serialize` impl breaks the build of the tests.
        const { assert!(!<Probe<Sensitive<String>>>::IMPLEMENTED) };
        const { assert!(<Probe<String>>::IMPLEMENTED) };
    }
}
