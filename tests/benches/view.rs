//! Open the encrypted store and build the unified view from cache: 10,000 transactions over
//! 10 accounts, with the system's allocator. Run with `cargo bench -p tingshuo-tests --bench
//! view` (beside it, `--bench view_zeroing`: the same with the library's clearing allocator);
//! results go in `docs/benchmarks.md`. Target: median ≤ 20 ms for open + view.

fn main() {
    tingshuo_tests::bench::view_from_cache("the system's allocator");
}
