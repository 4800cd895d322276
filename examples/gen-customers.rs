//! Writes a realistic customer list of N customers (default 10000) to stdout, as the Live
//! Platform API would send it: `cargo run --release --example gen-customers -- 100000 [SEED]`.
//! Another seed gives another list of the same shape (for polls that see changes).

#[path = "../benches/support/customers.rs"]
mod customers;

use std::io::Write;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let n = args.next().map_or(Ok(10_000), |arg| arg.parse::<usize>());
    let seed = args
        .next()
        .map_or(Ok(customers::SEED), |arg| arg.parse::<u64>());
    let (Ok(n @ 1..), Ok(seed)) = (n, seed) else {
        eprintln!("usage: gen-customers [N > 0] [SEED]");
        return std::process::ExitCode::FAILURE;
    };
    match std::io::stdout()
        .lock()
        .write_all(&customers::body(n, seed))
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-customers: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
