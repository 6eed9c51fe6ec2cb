//! Slurm job states: which ones are final, and the run `result` each final
//! one becomes. Every error names the Slurm job id, so a user can find the
//! job on the cluster.

use backbeat_protocol::RunResult;

use crate::slurm::JobInfo;

/// Whether `state` is a final one (the job will not run any more).
/// `COMPLETING` is not: the outcome is known once it is `COMPLETED`/`FAILED`.
pub fn is_final(state: &str) -> bool {
    matches!(
        state,
        "COMPLETED"
            | "FAILED"
            | "TIMEOUT"
            | "CANCELLED"
            | "NODE_FAIL"
            | "OUT_OF_MEMORY"
            | "PREEMPTED"
            | "BOOT_FAIL"
            | "DEADLINE"
            | "REVOKED"
            | "SPECIAL_EXIT"
    )
}

/// The `result` for a job that ended in `info.state`.
pub fn result(id: u64, info: &JobInfo) -> RunResult {
    let code = info.exit_code;
    let signal = info.exit_signal;
    match info.state.as_str() {
        "COMPLETED" if code == 0 && signal == 0 => RunResult::success(),
        "COMPLETED" | "FAILED" if signal != 0 => {
            RunResult::failure(None, format!("slurm job {id}: killed by signal {signal}"))
        }
        "COMPLETED" | "FAILED" => {
            RunResult::failure(Some(code), format!("slurm job {id}: exit code {code}"))
        }
        "TIMEOUT" => RunResult::failure(
            None,
            format!("slurm job {id}: TIMEOUT (it reached its --time limit)"),
        ),
        state => {
            let reason = match info.reason.as_str() {
                "" | "None" => String::new(),
                reason => format!(" ({reason})"),
            };
            RunResult::failure(None, format!("slurm job {id}: {state}{reason}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use backbeat_protocol::ResultStatus;

    use super::*;

    fn ended(state: &str, exit_code: i32, exit_signal: i32, reason: &str) -> RunResult {
        result(
            12,
            &JobInfo {
                state: state.into(),
                reason: reason.into(),
                exit_code,
                exit_signal,
                node_list: "vm".into(),
            },
        )
    }

    #[test]
    fn final_states_become_outcomes_naming_the_job() {
        assert_eq!(ended("COMPLETED", 0, 0, "None"), RunResult::success());
        let failed = ended("FAILED", 3, 0, "NonZeroExitCode");
        assert_eq!(failed.status, ResultStatus::Failure);
        assert_eq!(failed.exit_code, Some(3));
        assert_eq!(failed.error.as_deref(), Some("slurm job 12: exit code 3"));
        assert_eq!(
            ended("FAILED", 0, 9, "None").error.as_deref(),
            Some("slurm job 12: killed by signal 9")
        );
        assert_eq!(
            ended("OUT_OF_MEMORY", 0, 0, "OutOfMemory").error.as_deref(),
            Some("slurm job 12: OUT_OF_MEMORY (OutOfMemory)")
        );
        assert_eq!(
            ended("NODE_FAIL", 0, 0, "None").error.as_deref(),
            Some("slurm job 12: NODE_FAIL")
        );
        assert!(
            ended("TIMEOUT", 0, 15, "TimeLimit")
                .error
                .unwrap()
                .contains("TIMEOUT")
        );
        assert!(is_final("CANCELLED") && !is_final("COMPLETING") && !is_final("PENDING"));
    }
}
