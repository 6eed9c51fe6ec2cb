//! Run guardrails shared by both AI runners: the per-run budget and token
//! cap (checked against the usage a CLI streams), the "did nothing" rule,
//! the `NOTHING_TO_REPORT` answer (a quiet success), and the run summary
//! (the final assistant message, first 500 characters).

use backbeat_protocol::{AiSettings, RunResult};

/// How many characters of the final assistant message are kept.
pub const SUMMARY_CHARS: usize = 500;
/// The answer an instruction may ask for when there is nothing to say.
pub const NOTHING_TO_REPORT: &str = "NOTHING_TO_REPORT";
/// The failure of a run that produced no text and called no tool.
pub const RETURNED_NOTHING: &str = "the AI returned nothing";

/// `errorKind` values the runners report.
pub mod kind {
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const BUDGET: &str = "budget";
    pub const TOKEN_CAP: &str = "token_cap";
    pub const RETURNED_NOTHING: &str = "returned_nothing";
}

/// The first [`SUMMARY_CHARS`] characters of `text`, trimmed; `None`
/// when it is blank.
pub fn summary(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let cut = text
        .char_indices()
        .nth(SUMMARY_CHARS)
        .map_or(text.len(), |(at, _)| at);
    Some(text[..cut].trim_end().to_owned())
}

/// `$0.50`, `$2.00`, `$0.0001`: two decimals unless more are needed.
pub fn usd(amount: f64) -> String {
    let cents = format!("{amount:.2}");
    if (cents.parse::<f64>().unwrap_or(0.0) - amount).abs() < 1e-9 {
        return format!("${cents}");
    }
    let precise = format!("{amount:.6}");
    format!("${}", precise.trim_end_matches('0'))
}

/// The per-run limits from the start message's settings.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    pub max_budget_usd: Option<f64>,
    pub max_tokens: Option<u64>,
}

/// A limit the run crossed: the failure to report.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossed {
    pub kind: &'static str,
    pub message: String,
}

impl Crossed {
    pub fn into_result(self, exit_code: Option<i32>) -> RunResult {
        RunResult {
            error_kind: Some(self.kind.into()),
            ..RunResult::failure(exit_code, self.message)
        }
    }
}

impl Limits {
    pub fn from_settings(settings: &AiSettings) -> Limits {
        Limits {
            max_budget_usd: settings
                .max_budget_usd
                .filter(|b| b.is_finite() && *b > 0.0),
            max_tokens: settings.max_tokens.filter(|t| *t > 0),
        }
    }

    /// The budget failure message, e.g. `budget of $0.50 reached`.
    pub fn budget_reached(budget: f64) -> Crossed {
        Crossed {
            kind: kind::BUDGET,
            message: format!("budget of {} reached", usd(budget)),
        }
    }

    /// Whether `tokens` so far (input + output) or the (estimated) cost
    /// `cost_usd` crossed a limit. Reaching a cap exactly counts.
    pub fn check(&self, tokens: u64, cost_usd: Option<f64>) -> Option<Crossed> {
        if let Some(cap) = self.max_tokens
            && tokens >= cap
        {
            return Some(Crossed {
                kind: kind::TOKEN_CAP,
                message: format!("token cap of {cap} reached"),
            });
        }
        match (self.max_budget_usd, cost_usd) {
            (Some(budget), Some(cost)) if cost >= budget => Some(Limits::budget_reached(budget)),
            _ => None,
        }
    }
}

/// What a run that the CLI ended successfully becomes: a failure when it
/// produced no assistant text and called no tool; a quiet success when its
/// final message is exactly `NOTHING_TO_REPORT`; else a success with the
/// final message as summary.
pub fn successful_run(final_text: Option<&str>, tool_calls: usize) -> RunResult {
    let text = final_text.map(str::trim).filter(|t| !t.is_empty());
    match text {
        None if tool_calls == 0 => RunResult {
            error_kind: Some(kind::RETURNED_NOTHING.into()),
            ..RunResult::failure(Some(0), RETURNED_NOTHING)
        },
        Some(NOTHING_TO_REPORT) => RunResult {
            quiet: true,
            summary: Some(NOTHING_TO_REPORT.into()),
            ..RunResult::success()
        },
        text => RunResult {
            summary: text.and_then(summary).map(String::into_boxed_str),
            ..RunResult::success()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_keeps_500_characters_on_a_char_boundary() {
        let long = "é".repeat(600);
        let cut = summary(&long).unwrap();
        assert_eq!(cut.chars().count(), SUMMARY_CHARS);
        assert_eq!(summary("  hi \n").as_deref(), Some("hi"));
        assert_eq!(summary(" \n "), None);
    }

    #[test]
    fn usd_shows_cents_or_more_when_needed() {
        assert_eq!(usd(0.5), "$0.50");
        assert_eq!(usd(2.0), "$2.00");
        assert_eq!(usd(0.0001), "$0.0001");
    }

    #[test]
    fn limits_are_crossed_at_the_cap() {
        let limits = Limits {
            max_budget_usd: Some(0.5),
            max_tokens: Some(200_000),
        };
        assert_eq!(limits.check(199_999, Some(0.49)), None);
        assert_eq!(
            limits.check(200_000, None).unwrap().message,
            "token cap of 200000 reached"
        );
        let budget = limits.check(10, Some(0.51)).unwrap();
        assert_eq!(
            (budget.kind, budget.message.as_str()),
            ("budget", "budget of $0.50 reached")
        );
        assert_eq!(Limits::default().check(u64::MAX, Some(1e9)), None);
    }

    #[test]
    fn nothing_said_and_nothing_done_is_a_failure() {
        let nothing = successful_run(None, 0);
        assert_eq!(nothing.error.as_deref(), Some(RETURNED_NOTHING));
        assert_eq!(nothing.error_kind.as_deref(), Some("returned_nothing"));
        assert!(successful_run(Some("  "), 1).error.is_none());
        let quiet = successful_run(Some(" NOTHING_TO_REPORT\n"), 0);
        assert!(quiet.quiet && quiet.error.is_none());
        let said = successful_run(Some("Done."), 0);
        assert_eq!(
            (said.summary.as_deref(), said.quiet),
            (Some("Done."), false)
        );
    }
}
