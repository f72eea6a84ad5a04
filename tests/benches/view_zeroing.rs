//! The view bench (`benches/view.rs`) with the allocator the mobile library installs: every
//! block cleared before it is freed (`tingshuo_core::zeroing::ZeroOnFree`). Run with `cargo
//! bench -p tingshuo-tests --bench view_zeroing`, beside `--bench view`.

#[global_allocator]
static ALLOCATOR: tingshuo_core::zeroing::ZeroOnFree<std::alloc::System> =
    tingshuo_core::zeroing::ZeroOnFree(std::alloc::System);

fn main() {
    tingshuo_tests::bench::view_from_cache("ZeroOnFree over the system's allocator");
}
