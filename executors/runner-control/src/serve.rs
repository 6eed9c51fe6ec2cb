//! The skeleton of an executor's `main`: answers `--describe`, installs
//! the SIGTERM handler, becomes a child subreaper, reads the `start` line,
//! and always ends by killing what is left of the run and sending exactly
//! one `result` message.

use std::io::{self, BufRead};

use backbeat_protocol::{
    Decoded, Describe, ExecutorMessage, JobSpec, LineWriter, RunResult, Start, SupervisorMessage,
    Task, decode_supervisor_line, encode_line,
};

/// Runs the executor: with `--describe` prints `describe()` as one line;
/// otherwise `handle` gets the `start` message and returns the outcome,
/// which is sent as the last protocol line once no process of the run is
/// left ([`crate::end_run`]). A missing or bad `start` is a failure
/// without calling `handle`.
pub fn serve(
    describe: impl FnOnce() -> Describe,
    handle: impl FnOnce(&LineWriter, Start) -> RunResult,
) {
    if std::env::args().nth(1).as_deref() == Some("--describe") {
        print!("{}", encode_line(&describe()));
        return;
    }
    crate::install_sigterm_handler();
    // Orphans of the run (setsid, double forks) are adopted by us rather
    // than by init, so `end_run` finds and kills them.
    if let Err(e) = process_tree::become_subreaper() {
        eprintln!(
            "runner: cannot become a child subreaper ({e}): processes that leave the run's process group may survive it"
        );
    }
    let out = LineWriter::stdout();
    let result = match read_start() {
        Ok(start) => handle(&out, start),
        Err(error) => RunResult::failure(None, error),
    };
    crate::end_run();
    let _ = out.send(&ExecutorMessage::Result(result));
}

/// The job of a `start` that asks `runner` to run one; for another task
/// or a job that does not parse, the failure to report instead.
pub fn job_to_run(start: &Start, runner: &str) -> Result<JobSpec, RunResult> {
    if start.task != Task::Run {
        return Err(RunResult::failure(
            None,
            format!("{runner} does not support task {:?}", start.task),
        ));
    }
    start
        .job_spec()
        .map_err(|e| RunResult::failure(None, format!("bad job in start message: {e}")))
}

/// Reads the first line of stdin, which must be `start` (of any protocol
/// version: checking it is the caller's), or says why not.
pub fn read_start() -> Result<Start, String> {
    read_start_from(&mut io::stdin().lock())
}

fn read_start_from(input: &mut impl BufRead) -> Result<Start, String> {
    let mut first = String::new();
    if input.read_line(&mut first).unwrap_or(0) == 0 {
        return Err("no start message on stdin".into());
    }
    match decode_supervisor_line(first.trim_end().as_bytes()) {
        Ok(Decoded::Message(SupervisorMessage::Start(start))) => Ok(*start),
        Ok(_) => Err("first message was not `start`".into()),
        Err(e) => Err(format!("bad start message: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use backbeat_protocol::Task;

    use super::*;

    fn read(input: &str) -> Result<Start, String> {
        read_start_from(&mut input.as_bytes())
    }

    #[test]
    fn reads_the_start_line_and_leaves_the_rest() {
        let mut input = "{\"type\":\"start\",\"protocol\":1,\"task\":\"run\",\
                         \"run\":{\"id\":41,\"jobId\":3,\"trigger\":\"manual\"},\
                         \"job\":{\"body\":\"true\",\"cwd\":\"/\"},\"settings\":{}}\n\
                         {\"type\":\"cancel\",\"reason\":\"user\"}\n"
            .as_bytes();
        let start = read_start_from(&mut input).unwrap();
        assert_eq!((start.protocol, start.task), (1, Task::Run));
        assert_eq!(input, b"{\"type\":\"cancel\",\"reason\":\"user\"}\n");
    }

    #[test]
    fn says_what_is_wrong_with_the_first_line() {
        assert_eq!(read("").unwrap_err(), "no start message on stdin");
        assert_eq!(
            read("{\"type\":\"cancel\",\"reason\":\"user\"}\n").unwrap_err(),
            "first message was not `start`"
        );
        assert!(
            read("not json\n")
                .unwrap_err()
                .starts_with("bad start message: ")
        );
    }
}
