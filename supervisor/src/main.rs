//! The `backbeat` binary: the command line is `backbeat::cli`; this file
//! only builds the runtime that `serve` runs the supervisor on.

use std::process::ExitCode;

use backbeat::cli::fail;
use backbeat::config::Config;

fn main() -> ExitCode {
    backbeat::cli::main(serve)
}

fn serve(config: Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&e.into()),
    };
    let code = runtime.block_on(async {
        let prepared = match backbeat::prepare(config).await {
            Ok(prepared) => prepared,
            Err(e) => return fail(&e),
        };
        if let Err(e) = backbeat::shutdown_on_signals(&prepared.app) {
            return fail(&e);
        }
        match backbeat::run(prepared).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        }
    });
    // Runs that did not stop in time are SIGKILLed as the runtime drops
    // their actors; what their runners had started elsewhere (setsid) is
    // now ours, as subreaper: kill and reap all of it before leaving.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    process_tree::kill_and_reap_descendants(std::time::Duration::from_secs(5));
    code
}
