//! A job's `executorOptions`: the JSON object passed through to its
//! executor in `start`, its size limit, and checking it against the
//! executor's `optionsSchema` (JSON Schema, validated with `boon`), with
//! one error per offending option, each naming `executorOptions.<path>`.

use serde_json::{Map, Value};

use crate::validation::{Fields, Invalid};

pub type ExecutorOptions = Map<String, Value>;

/// At most this many bytes of compact JSON.
pub const MAX_OPTIONS_BYTES: usize = 16 * 1024;
const FIELD: &str = "executorOptions";

/// The `executorOptions` of a request body: an object (absent or null =
/// `{}`), at most [`MAX_OPTIONS_BYTES`] as JSON.
pub fn parse(fields: &Fields) -> Result<ExecutorOptions, Invalid> {
    let options = match fields.raw(FIELD) {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(Invalid::wrong_type(FIELD, "a JSON object")),
    };
    let size = serde_json::to_string(&options).map_or(0, |s| s.len());
    if size > MAX_OPTIONS_BYTES {
        return Err(Invalid::value(
            FIELD,
            format!("is {size} bytes of JSON; at most {MAX_OPTIONS_BYTES} are allowed"),
        ));
    }
    Ok(options)
}

/// Checks `options` against `schema` (an executor's `optionsSchema`,
/// draft 2020-12 unless it names another `$schema`).
pub fn check(options: &ExecutorOptions, schema: &Value, binary: &str) -> Result<(), Invalid> {
    let url = "urn:backbeat:executor-options";
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let blame = |e: boon::CompileError| {
        Invalid::value(
            FIELD,
            format!(
                "cannot be checked: {binary} describes an invalid optionsSchema ({e}); fix or replace that executor"
            ),
        )
    };
    compiler.add_resource(url, schema.clone()).map_err(blame)?;
    let index = compiler.compile(url, &mut schemas).map_err(blame)?;
    let instance = Value::Object(options.clone());
    let Err(error) = schemas.validate(&instance, index) else {
        return Ok(());
    };
    let mut leaves = Vec::new();
    collect_leaves(&error, &mut leaves);
    let mut errors: Vec<Invalid> = Vec::new();
    for leaf in leaves {
        errors.extend(describe(leaf));
    }
    errors.dedup();
    match errors.len() {
        0 => Err(Invalid::value(FIELD, error.to_string())),
        1 => Err(errors.remove(0)),
        _ => Err(Invalid::Several(errors)),
    }
}

fn collect_leaves<'e, 's, 'v>(
    error: &'e boon::ValidationError<'s, 'v>,
    out: &mut Vec<&'e boon::ValidationError<'s, 'v>>,
) {
    if error.causes.is_empty() {
        out.push(error);
    }
    for cause in &error.causes {
        collect_leaves(cause, out);
    }
}

/// The dotted path of a location inside the options (`executorOptions.a.0`).
fn path(location: &boon::InstanceLocation, last: Option<&str>) -> String {
    let mut path = FIELD.to_string();
    for token in &location.tokens {
        match token {
            boon::InstanceToken::Prop(name) => path.push_str(&format!(".{name}")),
            boon::InstanceToken::Item(index) => path.push_str(&format!(".{index}")),
        }
    }
    if let Some(last) = last {
        path.push_str(&format!(".{last}"));
    }
    path
}

/// One error per missing or unknown option; otherwise the keyword's message.
fn describe(error: &boon::ValidationError) -> Vec<Invalid> {
    let at = &error.instance_location;
    match &error.kind {
        boon::ErrorKind::Required { want } => want
            .iter()
            .map(|name| Invalid::value(path(at, Some(name)), "is required by this executor"))
            .collect(),
        boon::ErrorKind::AdditionalProperties { got } => got
            .iter()
            .map(|name| {
                Invalid::value(
                    path(at, Some(name)),
                    "is not an option of this executor (see its optionsSchema in GET /api/executors)",
                )
            })
            .collect(),
        kind => vec![Invalid::value(path(at, None), kind.to_string())],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "host": {"type": "string", "minLength": 1},
                "shell": {"type": "string"},
                "cpus": {"type": "integer", "minimum": 1},
                "args": {"type": "array", "items": {"type": "string"}}
            },
            "required": ["host"],
            "additionalProperties": false
        })
    }

    fn options(value: Value) -> ExecutorOptions {
        value.as_object().unwrap().clone()
    }

    fn fields_of(error: Invalid) -> Vec<String> {
        error.all().iter().map(|e| e.field().to_string()).collect()
    }

    #[test]
    fn valid_options_pass() {
        let ok = options(json!({"host": "box", "cpus": 2, "args": ["-x"]}));
        assert_eq!(check(&ok, &schema(), "ssh-runner"), Ok(()));
    }

    #[test]
    fn each_bad_option_is_named() {
        let bad = options(json!({"cpus": 0, "args": ["ok", 3], "colour": "red"}));
        let error = check(&bad, &schema(), "ssh-runner").unwrap_err();
        let mut fields = fields_of(error);
        fields.sort();
        assert_eq!(
            fields,
            [
                "executorOptions.args.1",
                "executorOptions.colour",
                "executorOptions.cpus",
                "executorOptions.host"
            ]
        );
    }

    #[test]
    fn an_invalid_schema_is_blamed_on_the_executor() {
        let error = check(&Map::new(), &json!({"type": 12}), "odd-runner").unwrap_err();
        assert_eq!(error.field(), "executorOptions");
        assert!(error.to_string().contains("odd-runner"), "{error}");
    }
}
