//! An estimate of what a codex run costs, for the per-run budget: codex
//! reports tokens but no price. List prices per million tokens of the
//! OpenAI GPT-5 family (input, cached input, output); a `mini` model is
//! cheaper, `nano` cheaper still; any other model is priced as the full
//! one, so the estimate errs on the side of stopping early.

/// USD per million tokens: (input, cached input, output).
fn rates(model: &str) -> (f64, f64, f64) {
    let model = model.to_ascii_lowercase();
    if model.contains("nano") {
        (0.05, 0.005, 0.40)
    } else if model.contains("mini") {
        (0.25, 0.025, 2.00)
    } else {
        (1.25, 0.125, 10.00)
    }
}

/// The estimated cost of `input` tokens (of which `cached` were cached)
/// and `output` tokens (reasoning included) on `model`.
pub fn estimate_usd(model: &str, input: u64, cached: u64, output: u64) -> f64 {
    let (per_input, per_cached, per_output) = rates(model);
    let cached = cached.min(input);
    ((input - cached) as f64 * per_input + cached as f64 * per_cached + output as f64 * per_output)
        / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_input_is_cheaper() {
        let full = estimate_usd("gpt-5.5", 1_000_000, 0, 0);
        let cached = estimate_usd("gpt-5.5", 1_000_000, 1_000_000, 0);
        assert!((full - 1.25).abs() < 1e-9 && (cached - 0.125).abs() < 1e-9);
        assert!(estimate_usd("gpt-5-mini", 0, 0, 1_000_000) < estimate_usd("", 0, 0, 1_000_000));
    }
}
