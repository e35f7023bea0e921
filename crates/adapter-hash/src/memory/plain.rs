//! Memory from the global allocator, for targets without `mmap`.

use argon2::Block;

/// Memory for argon2 blocks (1 KiB each); empty until a hash needs it.
#[derive(Debug, Default)]
pub(crate) struct BlockMemory {
    blocks: Vec<Block>,
}

impl BlockMemory {
    pub(crate) const fn empty() -> Self {
        Self { blocks: Vec::new() }
    }

    /// `count` blocks, grown when this memory holds fewer. Like the mapped memory, they
    /// hold whatever the last hash left there: argon2 writes every block before it reads it.
    pub(crate) fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
        }
        &mut self.blocks[..count]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::keeps_blocks_until_more_are_needed;

    #[test]
    fn blocks_are_kept_until_more_are_needed_and_start_zeroed() {
        keeps_blocks_until_more_are_needed!(BlockMemory::empty());
    }
}
