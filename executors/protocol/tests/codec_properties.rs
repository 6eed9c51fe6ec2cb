//! Property tests of the JSON-lines codec: every message survives
//! encode → decode unchanged as exactly one line, no byte sequence makes
//! decoding panic, and a line over `MAX_LINE_BYTES` is always refused.

use backbeat_protocol::{
    CancelReason, Decoded, ExecutorMessage, LogStream, MAX_LINE_BYTES, ProtocolError, ResultStatus,
    RunInfo, RunResult, Start, SupervisorMessage, Task, Usage, decode_executor_line,
    decode_supervisor_line, encode_line,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Any Unicode text (control characters, newlines, NUL and astral
/// characters included).
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..48).prop_map(String::from_iter)
}

fn executor_message() -> impl Strategy<Value = ExecutorMessage> {
    prop_oneof![
        (any::<bool>(), text()).prop_map(|(stderr, text)| ExecutorMessage::Log {
            stream: if stderr {
                LogStream::Stderr
            } else {
                LogStream::Stdout
            },
            text,
        }),
        (
            any::<u64>(),
            any::<u64>(),
            // Whole cents: exact in binary and in JSON text.
            prop::option::of(0u32..10_000_000),
            prop::option::of(text()),
            prop::option::of(any::<u64>()),
        )
            .prop_map(|(input, output, cents, model, turns)| {
                ExecutorMessage::Usage(Usage {
                    input_tokens: input,
                    output_tokens: output,
                    cost_usd: cents.map(f64::from),
                    model,
                    turns,
                })
            }),
        (text(), text(), text()).prop_map(|(title, body, notes)| ExecutorMessage::Draft {
            draft: json!({"title": title, "type": "script", "body": body}),
            notes,
        }),
        (
            any::<bool>(),
            prop::option::of(any::<i32>()),
            prop::option::of(text())
        )
            .prop_map(|(ok, exit_code, error)| ExecutorMessage::Result(RunResult {
                status: if ok {
                    ResultStatus::Success
                } else {
                    ResultStatus::Failure
                },
                exit_code,
                error,
                ..RunResult::success()
            })),
    ]
}

fn supervisor_message() -> impl Strategy<Value = SupervisorMessage> {
    prop_oneof![
        prop_oneof![
            Just(CancelReason::User),
            Just(CancelReason::Timeout),
            Just(CancelReason::Shutdown)
        ]
        .prop_map(|reason| SupervisorMessage::Cancel { reason }),
        (any::<i64>(), any::<i64>(), text(), text(), text()).prop_map(
            |(id, job_id, trigger, body, cwd)| SupervisorMessage::Start(Box::new(Start {
                protocol: 1,
                task: Task::Run,
                run: Some(RunInfo {
                    id,
                    job_id,
                    trigger,
                    scheduled_for: None,
                }),
                job: json!({"body": body, "cwd": cwd, "env": {"A": "b"}}),
                settings: json!({}),
            }))
        ),
    ]
}

/// Encodes `message` and checks the framing: one line, newline-terminated.
fn one_line<T: serde::Serialize>(message: &T) -> Vec<u8> {
    let line = encode_line(message);
    let body = line
        .strip_suffix('\n')
        .expect("an encoded message ends with a newline");
    assert!(!body.contains('\n'), "an encoded message is one line");
    body.as_bytes().to_vec()
}

proptest! {
    #[test]
    fn executor_messages_round_trip_as_one_line(message in executor_message()) {
        let line = one_line(&message);
        prop_assert_eq!(decode_executor_line(&line), Ok(Decoded::Message(message)));
    }

    #[test]
    fn supervisor_messages_round_trip_as_one_line(message in supervisor_message()) {
        let line = one_line(&message);
        prop_assert_eq!(decode_supervisor_line(&line), Ok(Decoded::Message(message)));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_executor_line(&bytes);
        let _ = decode_supervisor_line(&bytes);
    }

    #[test]
    fn damaged_messages_are_errors_or_unknown_never_panics(
        message in executor_message(),
        cut in any::<prop::sample::Index>(),
        noise in prop::collection::vec(any::<u8>(), 1..8),
    ) {
        let mut line = one_line(&message);
        let at = cut.index(line.len() + 1);
        line.splice(at..at, noise);
        // Whatever the outcome, it is a value, not a panic; a decoded
        // message is one of the known kinds.
        if let Ok(Decoded::Unknown(kind)) = decode_executor_line(&line) {
            prop_assert!(!["log", "usage", "draft", "result"].contains(&kind.as_str()));
        }
    }

    #[test]
    fn json_of_any_shape_with_a_known_type_decodes_or_is_invalid(
        kind in prop_oneof![Just("log"), Just("usage"), Just("draft"), Just("result")],
        extra in prop::collection::vec((text(), prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            text().prop_map(Value::from),
        ]), 0..4),
    ) {
        let mut object = serde_json::Map::new();
        object.insert("type".into(), Value::from(kind));
        for (key, value) in extra {
            if key != "type" {
                object.insert(key, value);
            }
        }
        let line = Value::Object(object).to_string();
        match decode_executor_line(line.as_bytes()) {
            Ok(Decoded::Message(_)) | Err(ProtocolError::Invalid { .. }) => {}
            other => prop_assert!(false, "{line}: {other:?}"),
        }
    }
}

proptest! {
    // Each case builds a line of about 1 MiB: a few cases are enough.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn lines_over_the_limit_are_refused_and_lines_at_it_accepted(slack in -64i64..64) {
        let message = ExecutorMessage::Log { stream: LogStream::Stdout, text: String::new() };
        let bare = one_line(&message);
        let wanted = (MAX_LINE_BYTES as i64 + slack) as usize;
        // Pad the text so that the whole line is `wanted` bytes long.
        let text = "x".repeat(wanted - bare.len());
        let line = one_line(&ExecutorMessage::Log { stream: LogStream::Stdout, text });
        prop_assert_eq!(line.len(), wanted);
        let decoded = decode_executor_line(&line);
        if wanted > MAX_LINE_BYTES {
            prop_assert_eq!(decoded, Err(ProtocolError::TooLong));
        } else {
            let accepted = matches!(decoded, Ok(Decoded::Message(ExecutorMessage::Log { .. })));
            prop_assert!(accepted, "a line of {} bytes was refused", wanted);
        }
    }
}
