/// Declares a stable identifier: a UUID newtype whose new values are random (v4), shown as
/// the UUID.
macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new identifier: a version-4 UUID drawn from `random`.
            ///
            /// # Errors
            /// Whatever `random` fails with.
            pub fn random(random: &dyn $crate::ports::Random) -> $crate::Result<Self> {
                $crate::id::random_uuid(random).map(Self)
            }

            /// A new identifier from the operating system's random source.
            #[cfg(feature = "os-random")]
            #[must_use]
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4())
            }
        }

        #[cfg(feature = "os-random")]
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use id;

/// A version-4 UUID drawn from `random`.
///
/// # Errors
/// Whatever `random` fails with.
pub fn random_uuid(random: &dyn crate::ports::Random) -> crate::Result<uuid::Uuid> {
    let mut bytes = [0u8; 16];
    random.fill(&mut bytes)?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}
