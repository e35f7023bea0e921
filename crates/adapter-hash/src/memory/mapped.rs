//! Memory mapped from the kernel rather than taken from the global allocator: dropping it
//! unmaps it, whatever the allocator would have kept, and the mapping can be advised for
//! huge pages before it is first touched.

use argon2::Block;

const HUGE_PAGE: usize = 2 << 20;

/// Memory for argon2 blocks (1 KiB each); empty until a hash needs it.
#[derive(Debug)]
pub(crate) struct BlockMemory {
    start: *mut Block,
    capacity: usize,
}

impl BlockMemory {
    pub(crate) const fn empty() -> Self {
        Self {
            start: std::ptr::null_mut(),
            capacity: 0,
        }
    }

    /// Blocks this memory holds.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// `count` blocks, mapped anew when this memory holds fewer. The blocks hold whatever
    /// the last hash left there (zeros when new): argon2 writes every block before it
    /// reads it.
    pub(crate) fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.capacity < count {
            *self = Self::map(count);
        }
        if count == 0 {
            return &mut [];
        }
        // SAFETY: `start` is a live mapping of `capacity >= count` blocks, readable and
        // writable, page-aligned (which covers Block's 64), zero-filled by the kernel when
        // mapped and since written only as blocks; any bits are a valid Block (an array
        // of u64). The borrow of `self` keeps it mapped and unaliased.
        unsafe { std::slice::from_raw_parts_mut(self.start, count) }
    }

    /// At least `count` blocks, in whole 2 MiB: Linux aligns an anonymous mapping of such
    /// a size on a huge page, so that all of it can be backed by huge pages.
    fn map(count: usize) -> Self {
        let count = count.next_multiple_of(HUGE_PAGE / size_of::<Block>());
        let layout = std::alloc::Layout::array::<Block>(count).expect("argon2 memory size");
        // SAFETY: a new private anonymous mapping; no existing memory is touched.
        let start = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                layout.size(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if start == libc::MAP_FAILED {
            std::alloc::handle_alloc_error(layout);
        }
        advise_huge_pages(start, layout.size());
        Self {
            start: start.cast(),
            capacity: count,
        }
    }
}

impl Default for BlockMemory {
    fn default() -> Self {
        Self::empty()
    }
}

impl Drop for BlockMemory {
    fn drop(&mut self) {
        if self.capacity > 0 {
            // SAFETY: exactly the mapping `map` made, which nothing borrows any more.
            unsafe {
                libc::munmap(self.start.cast(), self.capacity * size_of::<Block>());
            }
        }
    }
}

/// Asks Linux to back the mapping with 2 MiB pages where it can, before its pages are
/// first touched. A hash reads its 19 MiB at random, and over 4 KiB pages most of those
/// reads miss the TLB: hashes took 3–9 % longer, the most with one on each core.
#[cfg(target_os = "linux")]
fn advise_huge_pages(start: *mut libc::c_void, len: usize) {
    // SAFETY: the advice changes how the kernel backs this mapping of ours, never what it
    // holds. Where it is refused (huge pages off), nothing changes.
    unsafe {
        libc::madvise(start, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: *mut libc::c_void, _: usize) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::keeps_blocks_until_more_are_needed;

    #[test]
    fn blocks_are_kept_until_more_are_needed_and_start_zeroed() {
        let mut memory = BlockMemory::empty();
        keeps_blocks_until_more_are_needed!(memory);
        assert_eq!(memory.capacity(), 2048, "2 MiB");
        assert_eq!(memory.blocks(2049).len(), 2049);
        assert_eq!(memory.capacity(), 4096);
    }
}
