//! The `executorOptions` of `slurm` jobs: their JSON Schema (published in
//! `--describe`, checked by the supervisor on save) and their translation
//! into `sbatch` arguments, checked again here so that no option can reach
//! `sbatch` as anything but the flag it names.
//!
//! `extraArgs` is an allow-list: each item is `--<flag>` or
//! `--<flag>=<value>` with a flag from [`EXTRA_FLAGS`] and a value of
//! [`VALUE_CHARS`] only. Flags that would change where output goes, what
//! runs or how Backbeat follows the job (`--wrap`, `--output`, `--error`,
//! `--chdir`, `--export`, `--time`, `--array`, `--uid`, …) are not in it.

use serde_json::{Map, Value, json};

/// `sbatch` flags `extraArgs` may use.
pub const EXTRA_FLAGS: &[&str] = &[
    "begin",
    "comment",
    "constraint",
    "contiguous",
    "cpus-per-gpu",
    "dependency",
    "exclude",
    "exclusive",
    "gpus-per-node",
    "gpus-per-task",
    "gres",
    "hint",
    "job-name",
    "licenses",
    "mail-type",
    "mail-user",
    "mem-per-cpu",
    "mem-per-gpu",
    "nice",
    "nodelist",
    "nodes",
    "ntasks",
    "ntasks-per-node",
    "reservation",
    "tmp",
];

/// Characters allowed in an `extraArgs` value (no spaces, quotes or `$`).
pub const VALUE_CHARS: &str = "A-Za-z0-9_.,:+@%/=-";

/// A name (partition, account, qos): letters, digits, `_`, `.`, `-`; a
/// partition may be a comma-separated list.
const NAME_PATTERN: &str = "^[A-Za-z0-9_.-]+$";
const PARTITION_PATTERN: &str = "^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$";
const MEM_PATTERN: &str = "^[1-9][0-9]*[KMGT]?$";

fn extra_pattern() -> String {
    format!("^--({})(=[{VALUE_CHARS}]+)?$", EXTRA_FLAGS.join("|"))
}

/// The `optionsSchema` of `--describe`.
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "partition": {"type": "string", "pattern": PARTITION_PATTERN, "title": "Partition",
                "description": "sbatch --partition; empty = the cluster's default"},
            "cpus": {"type": "integer", "minimum": 1, "maximum": 100000, "title": "CPUs",
                "description": "sbatch --cpus-per-task"},
            "mem": {"type": "string", "pattern": MEM_PATTERN, "title": "Memory",
                "description": "sbatch --mem, e.g. 4G or 512M"},
            "gpus": {"type": "integer", "minimum": 0, "maximum": 1024, "title": "GPUs",
                "description": "sbatch --gpus"},
            "account": {"type": "string", "pattern": NAME_PATTERN, "title": "Account",
                "description": "sbatch --account"},
            "qos": {"type": "string", "pattern": NAME_PATTERN, "title": "QOS",
                "description": "sbatch --qos"},
            "extraArgs": {"type": "array", "maxItems": 32, "title": "Extra sbatch arguments",
                "description": format!("each --flag or --flag=value, flags: {}", EXTRA_FLAGS.join(", ")),
                "items": {"type": "string", "pattern": extra_pattern()}}
        },
        "additionalProperties": false
    })
}

/// The `sbatch` arguments for `options`, or what is wrong with them
/// (naming the option).
pub fn sbatch_args(options: &Map<String, Value>) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    for (key, value) in options {
        match key.as_str() {
            "partition" => args.push(format!("--partition={}", name(key, value, true)?)),
            "account" => args.push(format!("--account={}", name(key, value, false)?)),
            "qos" => args.push(format!("--qos={}", name(key, value, false)?)),
            "cpus" => args.push(format!("--cpus-per-task={}", integer(key, value, 1)?)),
            "gpus" => {
                let gpus = integer(key, value, 0)?;
                if gpus > 0 {
                    args.push(format!("--gpus={gpus}"));
                }
            }
            "mem" => args.push(format!("--mem={}", mem(value)?)),
            "extraArgs" => {
                let items = value
                    .as_array()
                    .ok_or("executorOptions.extraArgs must be a list of strings")?;
                for (i, item) in items.iter().enumerate() {
                    let item = item
                        .as_str()
                        .ok_or_else(|| format!("executorOptions.extraArgs.{i} must be a string"))?;
                    check_extra(item)
                        .map_err(|why| format!("executorOptions.extraArgs.{i}: {why}"))?;
                    args.push(item.to_string());
                }
            }
            other => return Err(format!("executorOptions.{other} is not a slurm option")),
        }
    }
    Ok(args)
}

fn name(key: &str, value: &Value, list: bool) -> Result<String, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("executorOptions.{key} must be a string"))?;
    let ok = !text.is_empty()
        && text.split(',').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        })
        && (list || !text.contains(','));
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "executorOptions.{key} {text:?} may only hold letters, digits, _ . -"
        ))
    }
}

fn integer(key: &str, value: &Value, min: u64) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|n| *n >= min)
        .ok_or_else(|| format!("executorOptions.{key} must be an integer of at least {min}"))
}

fn mem(value: &Value) -> Result<String, String> {
    let text = value.as_str().unwrap_or_default();
    let digits = text.trim_end_matches(['K', 'M', 'G', 'T']);
    let ok = !digits.is_empty()
        && !digits.starts_with('0')
        && digits.chars().all(|c| c.is_ascii_digit())
        && text.len() - digits.len() <= 1;
    if ok {
        Ok(text.to_string())
    } else {
        Err("executorOptions.mem must look like 4G, 512M or 1000 (megabytes)".into())
    }
}

/// Whether `item` is an allowed `--flag[=value]`.
fn check_extra(item: &str) -> Result<(), String> {
    let (flag, value) = match item.split_once('=') {
        Some((flag, value)) => (flag, Some(value)),
        None => (item, None),
    };
    let flag_name = flag
        .strip_prefix("--")
        .ok_or_else(|| format!("{item:?} must be --flag or --flag=value"))?;
    if !EXTRA_FLAGS.contains(&flag_name) {
        return Err(format!("{flag} is not an allowed sbatch flag"));
    }
    if let Some(value) = value {
        let ok = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.,:+@%/=-".contains(c));
        if !ok {
            return Err(format!(
                "the value of {flag} may only hold letters, digits and _ . , : + @ % / = -"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(options: Value) -> Result<Vec<String>, String> {
        sbatch_args(options.as_object().unwrap())
    }

    #[test]
    fn options_become_sbatch_flags() {
        let got = args(
            json!({"partition": "gpu,debug", "cpus": 4, "mem": "8G", "gpus": 2,
            "account": "lab", "qos": "long", "extraArgs": ["--exclusive", "--constraint=avx2"]}),
        )
        .unwrap();
        assert_eq!(
            got,
            [
                "--account=lab",
                "--cpus-per-task=4",
                "--exclusive",
                "--constraint=avx2",
                "--gpus=2",
                "--mem=8G",
                "--partition=gpu,debug",
                "--qos=long"
            ]
        );
        assert_eq!(args(json!({"gpus": 0})).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn nothing_but_allowed_flags_gets_through() {
        for bad in [
            "--wrap=rm -rf /",
            "--output=/etc/passwd",
            "--chdir=/",
            "--export=ALL",
            "-o",
            "x",
            "--comment=a b",
            "--comment=$(id)",
            "--comment=",
        ] {
            assert!(args(json!({"extraArgs": [bad]})).is_err(), "{bad} accepted");
        }
        assert!(args(json!({"partition": "a;b"})).is_err());
        assert!(args(json!({"account": "a,b"})).is_err());
        assert!(args(json!({"mem": "4 G"})).is_err());
        assert!(args(json!({"cpus": 0})).is_err());
        assert!(args(json!({"host": "x"})).is_err());
    }

    #[test]
    fn the_schema_pattern_matches_the_allow_list() {
        let pattern = extra_pattern();
        assert!(pattern.starts_with("^--(begin|"));
        assert!(pattern.ends_with(")(=[A-Za-z0-9_.,:+@%/=-]+)?$"));
    }
}
