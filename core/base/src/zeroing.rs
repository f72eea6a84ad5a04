//! An allocator that clears memory before giving it back, so what the library held — the
//! store's data key on its way to the host's key store, decrypted balances, transcripts — is
//! not left readable in freed heap for whatever is allocated there next or a memory dump.
//!
//! The bindings install it as the library's global allocator. It matters most where the core
//! cannot clear a copy itself: uniffi marshals the data key the host wraps into a buffer of
//! its own, which the host frees through the library's allocator — now cleared first.
//!
//! This is the second module with `unsafe` code (the first is the listener's whisper.cpp
//! callback): a [`GlobalAlloc`] is an `unsafe` trait, and clearing a block means writing
//! through its raw pointer before handing it to the allocator underneath.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};

/// Wraps an allocator (the system's, in the library) and clears every block before it is
/// freed, and the old block of every move a `realloc` makes.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZeroOnFree<A>(pub A);

/// Clears `size` bytes at `ptr`, in a way the compiler may not drop as a store to memory
/// about to be freed: the empty `asm!` block is taken to read the memory behind the pointer.
///
/// # Safety
/// `ptr` is valid for writes of `size` bytes.
unsafe fn clear(ptr: *mut u8, size: usize) {
    // SAFETY: the caller owns `size` writable bytes at `ptr`.
    unsafe { ptr.write_bytes(0, size) };
    // SAFETY: an empty instruction sequence; it only keeps the writes above.
    unsafe { std::arch::asm!("/* {0} */", in(reg) ptr, options(nostack, preserves_flags)) };
}

// SAFETY: every block comes from, and goes back to, the wrapped allocator with the layout it
// was made with; clearing writes only inside a block this allocator still owns.
unsafe impl<A: GlobalAlloc> GlobalAlloc for ZeroOnFree<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    // One copy of the clearing, not one inlined at every place memory is freed.
    #[inline(never)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes from this allocator.
        unsafe {
            clear(ptr, layout.size());
            self.0.dealloc(ptr, layout);
        }
    }

    /// A new block, the contents copied, the old one cleared and freed: the wrapped
    /// allocator's own `realloc` could move the contents and free the old block uncleared.
    #[inline(never)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` is a valid size for `layout.align()`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a non-zero size, as `realloc`'s contract requires of `new_size`.
        let moved = unsafe { self.0.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live and distinct; the copy fits in each.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;
    use std::sync::Mutex;

    /// The system's allocator, noting whether each block it is given back is all zeros.
    #[derive(Default)]
    struct Witness {
        freed_clear: Mutex<Vec<bool>>,
    }

    // SAFETY: the system allocator's, with a look at each block before it is freed.
    unsafe impl GlobalAlloc for Witness {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            let clear = block.iter().all(|&byte| byte == 0);
            self.freed_clear.lock().unwrap().push(clear);
            unsafe { System.dealloc(ptr, layout) };
        }
    }

    #[test]
    fn a_block_is_cleared_before_it_is_freed_and_when_it_moves() {
        let allocator = ZeroOnFree(Witness::default());
        let layout = Layout::from_size_align(32, 8).unwrap();
        unsafe {
            let key = allocator.alloc(layout);
            key.write_bytes(0xA5, 32);
            // Grown: the contents move to a new block, the old one cleared and freed.
            let grown = allocator.realloc(key, layout, 4096);
            assert!(!grown.is_null());
            assert_eq!(std::slice::from_raw_parts(grown, 32), [0xA5; 32]);
            allocator.dealloc(grown, Layout::from_size_align(4096, 8).unwrap());
        }
        assert_eq!(*allocator.0.freed_clear.lock().unwrap(), [true, true]);
        // The witness sees what an unwrapped allocator leaves.
        let bare = Witness::default();
        unsafe {
            let key = bare.alloc(layout);
            key.write_bytes(0xA5, 32);
            bare.dealloc(key, layout);
        }
        assert_eq!(*bare.freed_clear.lock().unwrap(), [false]);
    }
}
