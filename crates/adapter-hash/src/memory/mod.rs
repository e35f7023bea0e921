//! A hashing thread's argon2 memory: an anonymous mapping on unix, a plain allocation
//! elsewhere. The plain one is built on unix too, in tests, so that it is checked here.

#[cfg(unix)]
mod mapped;
#[cfg(any(not(unix), test))]
mod plain;

#[cfg(unix)]
pub(crate) use mapped::BlockMemory;
#[cfg(not(unix))]
pub(crate) use plain::BlockMemory;

/// Blocks start zeroed, and what a hash wrote stays while no more are asked for: the check
/// both memories share, on anything with their `blocks(count)`.
#[cfg(test)]
macro_rules! keeps_blocks_until_more_are_needed {
    ($memory:expr) => {{
        let memory = &mut $memory;
        assert!(memory.blocks(0).is_empty());
        let first = memory.blocks(8);
        assert!(
            first
                .iter()
                .all(|block| block.as_ref().iter().all(|&w| w == 0))
        );
        first[7].as_mut()[0] = 42;
        assert_eq!(memory.blocks(4).len(), 4);
        assert_eq!(memory.blocks(8)[7].as_ref()[0], 42);
    }};
}

#[cfg(test)]
use keeps_blocks_until_more_are_needed;
