//! The batch script handed to `sbatch` on stdin: `#!/bin/sh`, then the
//! job's env and the run's `BACKBEAT_*` variables as quoted `export`
//! lines (the job is submitted with `--export=NONE`, so nothing of the
//! supervisor's own environment leaks to the cluster), then the body.

use std::collections::BTreeMap;

/// The script for `body` with `env` exported first. Variables whose names
/// are not shell identifiers cannot be exported by a shell and are
/// returned in the second element so that the caller can say so.
pub fn batch_script(body: &str, env: &BTreeMap<String, String>) -> (String, Vec<String>) {
    let mut script = String::from("#!/bin/sh\n");
    let mut skipped = Vec::new();
    for (key, value) in env {
        if is_identifier(key) {
            script.push_str(&format!("export {key}={}\n", quote(value)));
        } else {
            skipped.push(key.clone());
        }
    }
    script.push_str(body);
    if !body.ends_with('\n') {
        script.push('\n');
    }
    (script, skipped)
}

/// `value` in single quotes, a `'` written as `'\''`: the shell takes
/// everything in between literally (spaces, `$`, newlines).
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn the_shell_gets_every_value_back_unchanged() {
        let env: BTreeMap<String, String> = [
            ("PLAIN", "x"),
            ("SPACES", "a  b"),
            ("QUOTES", "it's \"quoted\""),
            ("DOLLAR", "$HOME `id` $(id)"),
            ("NEWLINE", "one\ntwo"),
            ("1BAD", "skipped"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let body = "printf '%s|' \"$PLAIN\" \"$SPACES\" \"$QUOTES\" \"$DOLLAR\" \"$NEWLINE\"";
        let (script, skipped) = batch_script(body, &env);
        assert_eq!(skipped, ["1BAD"]);
        assert!(script.starts_with("#!/bin/sh\n"));
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "x|a  b|it's \"quoted\"|$HOME `id` $(id)|one\ntwo|"
        );
    }
}
