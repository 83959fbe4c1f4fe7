//! The `flyte-dsl` binary: see [`cli`].

mod cli;
mod repl;

/// Counts the bytes a run holds, for its memory limit (`--max-memory`).
#[global_allocator]
static ALLOC: flyte_dsl::runtime::memory::CountingAlloc = flyte_dsl::runtime::memory::CountingAlloc;

fn main() {
    // Like other command-line tools, end quietly when the reader of our output goes away
    // (`flyte-dsl run x.flyte | head -1`) instead of failing to print.
    #[cfg(unix)]
    // SAFETY: resetting a signal's disposition to its default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(cli::main());
}
