//! A job's "retries and limits": the retry policy (attempts, delay,
//! backoff), the stall and long-run thresholds, and the catch-up policy for
//! occurrences missed while Backbeat was down; their JSON form, validation
//! and the retry delay arithmetic.

use serde::{Deserialize, Serialize};

use crate::time::Millis;
use crate::validation::{Fields, Invalid, in_range};

pub const MAX_RETRY_ATTEMPTS: i64 = 10;
const MAX_DELAY_MS: i64 = 7 * 24 * 3_600_000;
const DEFAULT_DELAY_MS: i64 = 60_000;
const DEFAULT_MAX_DELAY_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backoff {
    Fixed,
    Exponential,
}

/// `attempts` is the number of retries after the first run (0 = none), so
/// a run's `attempt` goes from 1 to `attempts + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    pub attempts: i64,
    pub delay_ms: i64,
    pub backoff: Backoff,
    pub max_delay_ms: i64,
}

impl RetryPolicy {
    /// How long to wait before retry number `retry` (1 = the first retry):
    /// `delayMs`, doubled per retry when exponential, at most `maxDelayMs`.
    pub fn delay_before(&self, retry: i64) -> Millis {
        let base = self.delay_ms.max(0);
        let delay = match self.backoff {
            Backoff::Fixed => base,
            Backoff::Exponential => {
                let doublings = (retry - 1).clamp(0, 40) as u32;
                base.saturating_mul(1i64 << doublings)
            }
        };
        delay.min(self.max_delay_ms.max(base))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CatchUp {
    /// Missed occurrences are recorded (one `dropped` run), not run.
    #[default]
    None,
    /// The latest missed occurrence runs; earlier ones are recorded.
    Last,
    /// Each missed occurrence runs, in order, at most [`CATCH_UP_ALL_MAX`].
    All,
}

/// The most missed occurrences `catchUp: "all"` runs; the rest are recorded.
pub const CATCH_UP_ALL_MAX: usize = 10;

impl CatchUp {
    pub fn as_str(self) -> &'static str {
        match self {
            CatchUp::None => "none",
            CatchUp::Last => "last",
            CatchUp::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<CatchUp> {
        match text {
            "none" => Some(CatchUp::None),
            "last" => Some(CatchUp::Last),
            "all" => Some(CatchUp::All),
            _ => None,
        }
    }

    /// `catchUp` from a body: the string form, or the older boolean
    /// (`true` = `"last"`, `false` = `"none"`).
    pub fn from_field(fields: &Fields) -> Result<Option<CatchUp>, Invalid> {
        match fields.raw("catchUp") {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Bool(true)) => Ok(Some(CatchUp::Last)),
            Some(serde_json::Value::Bool(false)) => Ok(Some(CatchUp::None)),
            Some(serde_json::Value::String(text)) => {
                CatchUp::parse(text).map(Some).ok_or_else(|| {
                    Invalid::value(
                        "catchUp",
                        format!("must be \"none\", \"last\" or \"all\", got {text:?}"),
                    )
                })
            }
            Some(_) => Err(Invalid::wrong_type(
                "catchUp",
                "\"none\", \"last\" or \"all\"",
            )),
        }
    }
}

/// The per-job thresholds beside the timeout; `None` = not set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobLimits {
    pub retry: Option<RetryPolicy>,
    pub stall_timeout_ms: Option<i64>,
    pub long_run_ms: Option<i64>,
}

impl JobLimits {
    /// Replaces the limits present in `fields` (a create or PATCH body).
    pub fn merge(&mut self, fields: &Fields) -> Result<(), Invalid> {
        if fields.has("retry") {
            self.retry = parse_retry(fields)?;
        }
        if fields.has("stallTimeoutMs") {
            self.stall_timeout_ms = parse_ms(fields, "stallTimeoutMs")?;
        }
        if fields.has("longRunMs") {
            self.long_run_ms = parse_ms(fields, "longRunMs")?;
        }
        Ok(())
    }
}

fn parse_ms(fields: &Fields, key: &str) -> Result<Option<i64>, Invalid> {
    let ms = fields.opt_i64(key)?;
    if let Some(ms) = ms {
        in_range(key, ms, 1000, 604_800_000)?;
    }
    Ok(ms)
}

/// `retry`: null or `{attempts, delayMs?, backoff?, maxDelayMs?}`;
/// `attempts: 0` is stored as no policy.
fn parse_retry(fields: &Fields) -> Result<Option<RetryPolicy>, Invalid> {
    let Some(retry) = fields.opt_object("retry")? else {
        return Ok(None);
    };
    retry.reject_unknown(&["attempts", "delayMs", "backoff", "maxDelayMs"], &[])?;
    let attempts = retry.opt_i64("attempts")?.unwrap_or(0);
    in_range("retry.attempts", attempts, 0, MAX_RETRY_ATTEMPTS)?;
    let delay_ms = retry.opt_i64("delayMs")?.unwrap_or(DEFAULT_DELAY_MS);
    in_range("retry.delayMs", delay_ms, 0, MAX_DELAY_MS)?;
    let backoff = match retry.opt_str("backoff")? {
        None | Some("fixed") => Backoff::Fixed,
        Some("exponential") => Backoff::Exponential,
        Some(other) => {
            return Err(Invalid::value(
                "retry.backoff",
                format!("must be \"fixed\" or \"exponential\", got {other:?}"),
            ));
        }
    };
    let max_delay_ms = retry
        .opt_i64("maxDelayMs")?
        .unwrap_or(DEFAULT_MAX_DELAY_MS.max(delay_ms));
    in_range("retry.maxDelayMs", max_delay_ms, 0, MAX_DELAY_MS)?;
    if max_delay_ms < delay_ms {
        return Err(Invalid::value(
            "retry.maxDelayMs",
            format!("must be at least retry.delayMs ({delay_ms}), got {max_delay_ms}"),
        ));
    }
    Ok((attempts > 0).then_some(RetryPolicy {
        attempts,
        delay_ms,
        backoff,
        max_delay_ms,
    }))
}

/// "300 s", "1.5 s": a duration as the stall error shows it.
pub fn seconds_text(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits(body: serde_json::Value) -> Result<JobLimits, Invalid> {
        let mut limits = JobLimits::default();
        limits.merge(&Fields::of(&body, "")?)?;
        Ok(limits)
    }

    #[test]
    fn exponential_delays_double_up_to_the_cap() {
        let policy = RetryPolicy {
            attempts: 5,
            delay_ms: 100,
            backoff: Backoff::Exponential,
            max_delay_ms: 350,
        };
        let delays: Vec<i64> = (1..=4).map(|n| policy.delay_before(n)).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        let fixed = RetryPolicy {
            backoff: Backoff::Fixed,
            ..policy
        };
        assert_eq!(fixed.delay_before(4), 100);
    }

    #[test]
    fn retry_is_validated_field_by_field() {
        let ok = limits(json!({"retry": {"attempts": 3, "delayMs": 10, "backoff": "exponential"}}))
            .unwrap();
        assert_eq!(ok.retry.unwrap().max_delay_ms, DEFAULT_MAX_DELAY_MS);
        assert_eq!(
            limits(json!({"retry": {"attempts": 0}})).unwrap().retry,
            None
        );
        for (body, field) in [
            (json!({"retry": {"attempts": 11}}), "retry.attempts"),
            (
                json!({"retry": {"attempts": 1, "backoff": "linear"}}),
                "retry.backoff",
            ),
            (
                json!({"retry": {"attempts": 1, "delayMs": 500, "maxDelayMs": 100}}),
                "retry.maxDelayMs",
            ),
            (json!({"retry": {"tries": 1}}), "retry.tries"),
            (json!({"stallTimeoutMs": 10}), "stallTimeoutMs"),
        ] {
            assert_eq!(limits(body).unwrap_err().field(), field);
        }
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds_text(300_000), "300 s");
        assert_eq!(seconds_text(1500), "1.5 s");
    }
}
