use std::process::ExitCode;

use clap::Parser;
use liveplatform_exporter::Cli;

// The static (musl) build's allocator: with musl's own a poll took up to 1.6x as long as with
// the glibc build's (see src/memory.rs). The glibc build keeps glibc's.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Run before main, as a static constructor: mimalloc reserves its first arena at the first
// allocation, which the Rust runtime makes before main, and an option set in main would be
// too late for that arena.
#[cfg(target_env = "musl")]
#[used]
#[unsafe(link_section = ".init_array")]
static CONFIGURE_ALLOCATOR: extern "C" fn() = {
    extern "C" fn configure() {
        liveplatform_exporter::configure_allocator();
    }
    configure
};

fn main() -> ExitCode {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    #[cfg(target_env = "musl")]
    runtime.on_thread_park(liveplatform_exporter::collect_on_idle);
    match runtime.build() {
        Ok(runtime) => runtime.block_on(liveplatform_exporter::run(Cli::parse())),
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}
