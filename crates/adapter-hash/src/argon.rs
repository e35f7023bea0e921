use std::cell::RefCell;
use std::sync::Arc;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use async_trait::async_trait;
use roster_domain::ports::PasswordHasher;
use roster_domain::{Error, Password, Result};

use crate::WorkerPool;
use crate::memory::BlockMemory;

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
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

thread_local! {
    /// Each hashing thread's argon2 memory, kept from one hash to the next while logins
    /// keep coming rather than faulted in anew for each (and, when it came from glibc's
    /// malloc, left in its arenas: hundreds of MiB).
    static MEMORY: RefCell<BlockMemory> = const { RefCell::new(BlockMemory::empty()) };
}

/// Gives this thread's argon2 memory back to the system; the pool calls it when idle.
pub(crate) fn release_memory() {
    MEMORY.take();
}

/// Argon2 of `password` and `salt` into `out`, in this thread's kept memory.
fn hash_into(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    MEMORY.with_borrow_mut(|memory| {
        let blocks = memory.blocks(params.block_count());
        argon2.hash_password_into_with_memory(password, salt, out, blocks)
    })
}

fn internal(cause: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::internal("argon2").caused_by(cause)
}

/// A new PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`.
fn new_hash(params: &Params, password: &[u8]) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(internal)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2Hasher::argon2(params.clone());
    hash_into(&argon2, params, password, &salt, &mut out).map_err(internal)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(internal)?,
        salt: Some(Salt::new(&salt).map_err(internal)?),
        hash: Some(Output::new(&out).map_err(internal)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches a PHC string of argon2 (any variant, with its own costs).
fn matches(password: &[u8], hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    hash_into(&argon2, &params, password, salt, &mut out).is_ok()
        // Output's equality takes the same time wherever the bytes differ.
        && Output::new(&out).is_ok_and(|computed| computed == *expected)
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    fn can_verify(&self, hash: &str) -> bool {
        is_bcrypt(hash)
            || PasswordHash::new(hash)
                .is_ok_and(|parsed| parsed.algorithm.as_str().starts_with("argon2"))
    }

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
            .run(move || new_hash(&params, password.as_bytes()))
            .await?
    }

    async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.pool
            .run(move || {
                if is_bcrypt(&hash) {
                    return bcrypt::verify(&password, &hash).unwrap_or(false);
                }
                matches(password.as_bytes(), &hash)
            })
            .await
    }
}

/// bcrypt's `$2a$`, `$2b$`, `$2x$` and `$2y$`: what MCPHub stores.
fn is_bcrypt(hash: &str) -> bool {
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

    #[test]
    fn can_verify_argon2_and_bcrypt_only() {
        let hasher = hasher();
        assert!(
            hasher.can_verify("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
        );
        assert!(
            hasher.can_verify("$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
        );
        assert!(hasher.can_verify("$2b$10$abc"));
        assert!(!hasher.can_verify("$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA"));
        assert!(!hasher.can_verify("md5:abc"));
        assert!(!hasher.can_verify(""));
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

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crates_own_and_reuse_memory_of_any_size() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = hasher();
        // Made elsewhere (the crate's own API, other costs): stored hashes stay valid.
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(2048, 2, 1, None).unwrap(),
        )
        .hash_password(b"pw-1")
        .unwrap()
        .to_string();
        assert!(hasher.verify("pw-1", &theirs).await.unwrap());
        assert!(!hasher.verify("pw-2", &theirs).await.unwrap());
        // Made here, after the larger hash above: checked by the crate itself.
        let ours = hasher
            .hash(&PasswordPolicy::default().check("pw-3456").unwrap())
            .await
            .unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"pw-3456", &parsed)
                .is_ok()
        );
        assert!(hasher.verify("pw-3456", &ours).await.unwrap());
    }

    #[tokio::test]
    async fn a_hashing_thread_keeps_its_memory_between_hashes_and_frees_it_when_idle() {
        let hasher = hasher();
        let kept = || MEMORY.with_borrow(BlockMemory::capacity);
        let password = PasswordPolicy::default().check("pw-3456").unwrap();
        hasher.hash(&password).await.unwrap();
        assert!(
            hasher.pool.run(kept).await.unwrap() >= 1024,
            "the hasher's 1 MiB"
        );
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert_eq!(hasher.pool.run(kept).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn every_idle_worker_frees_its_memory() {
        let pool = WorkerPool::new(2);
        // Each job waits for the other, so that both workers run one.
        let on_both = async |work: fn() -> usize| {
            let barrier = Arc::new(std::sync::Barrier::new(2));
            let job = |barrier: Arc<std::sync::Barrier>| {
                pool.run(move || {
                    let kept = work();
                    barrier.wait();
                    kept
                })
            };
            let (a, b) = tokio::join!(job(barrier.clone()), job(barrier));
            [a.unwrap(), b.unwrap()]
        };
        let hash_and_keep = || {
            let params = Params::default();
            let mut out = [0u8; 32];
            let argon2 = Argon2Hasher::argon2(params.clone());
            hash_into(&argon2, &params, b"pw", b"saltsalt", &mut out).unwrap();
            MEMORY.with_borrow(BlockMemory::capacity)
        };
        let kept = on_both(hash_and_keep).await;
        assert!(
            kept.iter()
                .all(|&blocks| blocks >= Params::default().block_count()),
            "{kept:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert_eq!(
            on_both(|| MEMORY.with_borrow(BlockMemory::capacity)).await,
            [0, 0]
        );
    }
}
