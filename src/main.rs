//! The `headroom` binary: parse the command line, run, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = headroom::cli::Cli::parse();
    headroom::app::main(cli)
}
