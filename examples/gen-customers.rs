//! Writes a realistic customer list of N customers (default 10000) to stdout, as the Live
//! Platform API would send it: `cargo run --release --example gen-customers -- 100000`.

#[path = "../benches/support/customers.rs"]
mod customers;

use std::io::Write;

fn main() -> std::process::ExitCode {
    let n = match std::env::args().nth(1).map(|arg| arg.parse::<usize>()) {
        None => 10_000,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: gen-customers [N > 0]");
            return std::process::ExitCode::FAILURE;
        }
    };
    match std::io::stdout().lock().write_all(&customers::body(n)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-customers: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
