use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier};
use async_trait::async_trait;
use roster_domain::ports::PasswordHasher;
use roster_domain::{Error, Password, Result};

use super::WorkerPool;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Config {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes computed in parallel.
    pub parallelism: u32,
}

impl Default for Argon2Config {
    /// OWASP's recommendation: 19 MiB, two passes, one lane.
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// The argon2id [`PasswordHasher`], running every hash on a [`WorkerPool`].
#[derive(Clone)]
pub struct Argon2Hasher {
    params: Params,
    pool: Arc<WorkerPool>,
}

impl Argon2Hasher {
    /// # Errors
    /// [`Error::Invalid`] when the parameters are outside what argon2 allows.
    pub fn new(config: Argon2Config, pool: Arc<WorkerPool>) -> Result<Self> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| Error::Invalid(format!("argon2 parameters: {e}")))?;
        Ok(Self { params, pool })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, argon2::Version::V0x13, params)
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    fn needs_rehash(&self, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return true;
        };
        let wanted = (
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost(),
        );
        let same_costs =
            Params::try_from(&parsed).is_ok_and(|p| (p.m_cost(), p.t_cost(), p.p_cost()) == wanted);
        parsed.algorithm != argon2::ARGON2ID_IDENT || !same_costs
    }

    async fn hash(&self, password: &Password) -> Result<String> {
        let params = self.params.clone();
        let password = password.expose().to_owned();
        self.pool
            .run(move || {
                Self::argon2(params)
                    .hash_password(password.as_bytes())
                    .map(|hash| hash.to_string())
                    .map_err(|e| Error::Internal(format!("argon2: {e}")))
            })
            .await?
    }

    async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let params = self.params.clone();
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.pool
            .run(move || {
                if is_bcrypt(&hash) {
                    return bcrypt::verify(&password, &hash).unwrap_or(false);
                }
                // The stored hash carries its own parameters; these only fill the struct.
                PasswordHash::new(&hash).is_ok_and(|parsed| {
                    Self::argon2(params)
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
            })
            .await
    }
}

/// bcrypt's `$2a$`, `$2b$`, `$2x$` and `$2y$`: what MCPHub stores.
pub(crate) fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2x$", "$2y$"]
        .iter()
        .any(|prefix| hash.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::PasswordPolicy;

    fn hasher() -> Argon2Hasher {
        let cheap = Argon2Config {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        Argon2Hasher::new(cheap, Arc::new(WorkerPool::new(1))).unwrap()
    }

    #[tokio::test]
    async fn hashes_to_argon2id_and_verifies_only_the_right_password() {
        let hasher = hasher();
        let password = PasswordPolicy::default().check("correct horse").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(!hash.contains("correct horse"));
        assert!(hasher.verify("correct horse", &hash).await.unwrap());
        assert!(!hasher.verify("wrong horse", &hash).await.unwrap());
        assert!(!hasher.verify("correct horse", "not a hash").await.unwrap());
    }

    #[tokio::test]
    async fn bcrypt_hashes_verify_and_anything_but_current_argon2id_needs_rehash() {
        let hasher = hasher();
        let legacy = bcrypt::hash("from-mcphub", 4).unwrap();
        assert!(hasher.verify("from-mcphub", &legacy).await.unwrap());
        assert!(!hasher.verify("wrong", &legacy).await.unwrap());
        assert!(hasher.needs_rehash(&legacy));
        let password = PasswordPolicy::default().check("correct horse").unwrap();
        let current = hasher.hash(&password).await.unwrap();
        assert!(!hasher.needs_rehash(&current));
        let stronger =
            Argon2Hasher::new(Argon2Config::default(), Arc::new(WorkerPool::new(1))).unwrap();
        assert!(
            stronger.needs_rehash(&current),
            "weaker parameters are upgraded too"
        );
        assert!(hasher.needs_rehash("garbage"));
    }

    #[test]
    fn default_parameters_are_owasps_and_bad_ones_are_refused() {
        let pool = Arc::new(WorkerPool::new(1));
        let owasp = Argon2Hasher::new(Argon2Config::default(), pool.clone()).unwrap();
        assert_eq!(
            (
                owasp.params.m_cost(),
                owasp.params.t_cost(),
                owasp.params.p_cost()
            ),
            (19456, 2, 1)
        );
        let zero = Argon2Config {
            iterations: 0,
            ..Argon2Config::default()
        };
        assert!(matches!(
            Argon2Hasher::new(zero, pool),
            Err(Error::Invalid(_))
        ));
    }
}
