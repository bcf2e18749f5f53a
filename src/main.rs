//! The `paychan` binary: parses the command line, calls the library, prints the error chain.

fn main() {
    std::process::exit(paychan::cli::main());
}
