//! The `flyte-dsl` binary: see [`cli`].

mod cli;
mod repl;

fn main() {
    std::process::exit(cli::main());
}
