//! Daily budgets of AI runs: a job's `ai.dailyBudgetUsd` and the global
//! `aiDailyBudgetUsd`, against what runs that finished in the last 24 h
//! cost (the `spend` ledger). Checked when an AI run is about to start,
//! whatever started it: a run that would go over a budget is dropped with
//! `budget: $4.87 of $5.00 spent in the last 24 h` and raises the `budget`
//! notification (see `runner::execute`).

use crate::db::{Connection, spend};
use crate::model::Job;
use crate::preferences::Preferences;
use crate::time::Millis;

/// The budgets' window.
pub const WINDOW_MS: Millis = 24 * 3_600_000;
/// Rounding slack, so $3.00 spent of $3.00 plus nothing is not "over".
const EPSILON: f64 = 1e-9;

/// What was spent in the window, as the check needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spent {
    /// By the job's runs.
    pub job_usd: f64,
    /// How many of the job's runs reported a cost.
    pub job_runs: i64,
    /// By every run.
    pub all_usd: f64,
}

impl Spent {
    pub fn load(conn: &Connection, job_id: i64, now: Millis) -> rusqlite::Result<Spent> {
        let since = now - WINDOW_MS;
        let (job_usd, job_runs) = spend::of_job(conn, job_id, since)?;
        Ok(Spent {
            job_usd,
            job_runs,
            all_usd: spend::total(conn, since)?,
        })
    }

    /// What the next run of the job is expected to cost: the mean of its
    /// runs in the window (nothing known: 0).
    fn expected_run_usd(&self) -> f64 {
        if self.job_runs > 0 {
            self.job_usd / self.job_runs as f64
        } else {
            0.0
        }
    }
}

/// Why a run of `job` may not start now (the run's `error`), or `None`.
/// A budget stops a run when it is spent, or when the run, costing what
/// the job's runs cost on average, would go past it. Only AI jobs have
/// budgets.
pub fn refusal(job: &Job, prefs: &Preferences, spent: &Spent) -> Option<String> {
    if !job.is_ai() {
        return None;
    }
    let expected = spent.expected_run_usd();
    let job_budget = job.ai.as_ref().and_then(|ai| ai.daily_budget_usd);
    [
        (job_budget, spent.job_usd),
        (prefs.ai_daily_budget_usd, spent.all_usd),
    ]
    .into_iter()
    .find_map(|(budget, spent)| {
        let budget = budget?;
        let over = spent >= budget - EPSILON || spent + expected > budget + EPSILON;
        over.then(|| format!("budget: ${spent:.2} of ${budget:.2} spent in the last 24 h"))
    })
}

/// The error of a run dropped by [`refusal`].
pub fn is_refusal(error: Option<&str>) -> bool {
    error.is_some_and(|e| e.starts_with("budget: "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AiOverrides, JobFields, Schedule};

    fn ai_job(daily: Option<f64>) -> Job {
        let mut fields = JobFields::new("t", "ai", "say hi", Schedule::Manual);
        fields.ai = Some(AiOverrides {
            daily_budget_usd: daily,
            ..Default::default()
        });
        fields.into_job(1, 0)
    }

    fn spent(job_usd: f64, job_runs: i64, all_usd: f64) -> Spent {
        Spent {
            job_usd,
            job_runs,
            all_usd,
        }
    }

    #[test]
    fn a_run_starts_while_it_fits_in_the_job_budget() {
        let prefs = Preferences::default();
        let job = ai_job(Some(2.5));
        assert_eq!(refusal(&job, &prefs, &spent(0.0, 0, 0.0)), None);
        assert_eq!(
            refusal(&job, &prefs, &spent(1.0, 1, 1.0)),
            None,
            "1 + 1 ≤ 2.5"
        );
        assert_eq!(
            refusal(&job, &prefs, &spent(2.0, 2, 2.0)).as_deref(),
            Some("budget: $2.00 of $2.50 spent in the last 24 h"),
            "2 + 1 > 2.5"
        );
        assert_eq!(
            refusal(&ai_job(Some(3.0)), &prefs, &spent(2.0, 2, 2.0)),
            None,
            "exactly reaching the budget is allowed"
        );
        assert_eq!(
            refusal(&ai_job(Some(0.1)), &prefs, &spent(0.1, 0, 0.1)).as_deref(),
            Some("budget: $0.10 of $0.10 spent in the last 24 h"),
            "spent is spent, whatever the mean"
        );
    }

    #[test]
    fn the_global_budget_counts_every_run_and_only_ai_jobs_have_budgets() {
        let prefs = Preferences {
            ai_daily_budget_usd: Some(5.0),
            ..Preferences::default()
        };
        let job = ai_job(None);
        assert_eq!(refusal(&job, &prefs, &spent(0.0, 0, 4.87)), None);
        assert_eq!(
            refusal(&job, &prefs, &spent(0.2, 1, 4.87)).as_deref(),
            Some("budget: $4.87 of $5.00 spent in the last 24 h")
        );
        let mut script = job.clone();
        script.job_type = "script".into();
        assert_eq!(refusal(&script, &prefs, &spent(9.0, 1, 9.0)), None);
        assert!(is_refusal(Some(
            "budget: $4.87 of $5.00 spent in the last 24 h"
        )));
        assert!(!is_refusal(Some("exit code 1")));
    }
}
