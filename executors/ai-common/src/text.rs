//! Turning CLI event payloads into short, readable log text: tool inputs on
//! one line, tool output cut to a few lines.

use serde_json::Value;

/// Longest one-line rendering of a tool input.
pub const ONE_LINE_CHARS: usize = 200;
/// Longest stdout line of a CLI that is not an event, logged as it is.
pub const RAW_LINE_CHARS: usize = 16 * 1024;
/// Tool output kept in the log: this many lines …
pub const OUTPUT_LINES: usize = 8;
/// … and at most this many characters.
pub const OUTPUT_CHARS: usize = 800;

/// `text` on one line (line breaks shown as ` ↵ `, blank lines dropped),
/// cut to `max` chars.
pub fn one_line(text: &str, max: usize) -> String {
    let joined = text
        .trim()
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ↵ ");
    cut(&joined, max)
}

/// `text` cut to `max` characters, with `…` when something was dropped.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The first [`OUTPUT_LINES`] lines of `text` (at most [`OUTPUT_CHARS`]
/// characters), each indented by `indent`, plus a `… (N more lines)` note.
pub fn shorten_output(text: &str, indent: &str) -> String {
    let text = text.trim_end();
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = String::new();
    let mut shown = 0;
    for line in &lines {
        if shown == OUTPUT_LINES || kept.chars().count() >= OUTPUT_CHARS {
            break;
        }
        let room = OUTPUT_CHARS.saturating_sub(kept.chars().count());
        kept.push_str(indent);
        kept.push_str(&cut(line, room.max(1)));
        kept.push('\n');
        shown += 1;
    }
    if shown < lines.len() {
        let more = lines.len() - shown;
        kept.push_str(&format!(
            "{indent}… ({more} more line{})\n",
            if more == 1 { "" } else { "s" }
        ));
    }
    kept
}

/// A tool's input as a short phrase: the field that says what it does
/// (`command`, `file_path`, `pattern`, `url`, `query`, …), else compact JSON.
pub fn tool_input_summary(input: &Value) -> String {
    const KEYS: &[&str] = &[
        "command",
        "cmd",
        "file_path",
        "path",
        "notebook_path",
        "pattern",
        "url",
        "query",
        "description",
        "prompt",
        "skill",
    ];
    let Some(object) = input.as_object() else {
        return one_line(&input.to_string(), ONE_LINE_CHARS);
    };
    for key in KEYS {
        match object.get(*key) {
            Some(Value::String(s)) if !s.trim().is_empty() => return one_line(s, ONE_LINE_CHARS),
            Some(Value::Array(parts)) if !parts.is_empty() => {
                let words: Vec<String> = parts
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect();
                return one_line(&words.join(" "), ONE_LINE_CHARS);
            }
            _ => {}
        }
    }
    if object.is_empty() {
        return String::new();
    }
    one_line(&input.to_string(), ONE_LINE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cuts_on_char_boundaries() {
        assert_eq!(cut("héllo", 2), "hé…");
        assert_eq!(cut("hi", 2), "hi");
        assert_eq!(one_line("a\n\nb\n", 50), "a ↵ b");
    }

    #[test]
    fn shortens_long_output_with_a_count() {
        let text = (1..=20)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\n");
        let short = shorten_output(&text, "  ");
        assert!(short.starts_with("  line 1\n"));
        assert!(short.contains("  line 8\n"));
        assert!(!short.contains("line 9\n"));
        assert!(short.ends_with("  … (12 more lines)\n"), "{short}");
        assert_eq!(shorten_output("one\n", ""), "one\n");
    }

    #[test]
    fn summarises_tool_inputs() {
        assert_eq!(
            tool_input_summary(&json!({"command": "echo hi", "description": "x"})),
            "echo hi"
        );
        assert_eq!(
            tool_input_summary(&json!({"file_path": "/a/b.rs", "old_string": "x"})),
            "/a/b.rs"
        );
        assert_eq!(
            tool_input_summary(&json!({"command": ["bash", "-lc", "ls"]})),
            "bash -lc ls"
        );
        assert_eq!(
            tool_input_summary(&json!({"todos": [1]})),
            r#"{"todos":[1]}"#
        );
    }
}
