//! The `flyte-dsl` binary: see [`cli`].

mod cli;
mod repl;

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
