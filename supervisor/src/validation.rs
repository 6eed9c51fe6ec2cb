//! Field-level input errors shared by jobs, preferences and the API: a wrong
//! JSON type is a 400, a well-typed but invalid value a 422; both name the
//! dotted path of the offending field.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Invalid {
    /// The field has the wrong JSON type (HTTP 400).
    #[error("{field}: expected {expected}")]
    WrongType {
        field: String,
        expected: &'static str,
    },
    /// The value is well-typed but not acceptable (HTTP 422).
    #[error("{field}: {message}")]
    Value { field: String, message: String },
    /// Several fields at once (at least two, none of them `Several`); the
    /// first is the one a single-error reader sees.
    #[error("{}", .0[0])]
    Several(Vec<Invalid>),
}

impl Invalid {
    pub fn value(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid::Value {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn wrong_type(field: impl Into<String>, expected: &'static str) -> Self {
        Invalid::WrongType {
            field: field.into(),
            expected,
        }
    }

    pub fn field(&self) -> &str {
        match self {
            Invalid::WrongType { field, .. } | Invalid::Value { field, .. } => field,
            Invalid::Several(all) => all[0].field(),
        }
    }

    /// Every single-field error in this one, in order.
    pub fn all(&self) -> Vec<&Invalid> {
        match self {
            Invalid::Several(all) => all.iter().collect(),
            one => vec![one],
        }
    }
}

/// Gathers the errors of independent fields so that one reply names them
/// all: `take` keeps going with a placeholder, `finish` reports.
#[derive(Debug, Default)]
pub struct Collected {
    errors: Vec<Invalid>,
}

impl Collected {
    /// The value, or `T::default()` after noting the error.
    pub fn take<T: Default>(&mut self, result: Result<T, Invalid>) -> T {
        self.take_or(result, T::default())
    }

    /// The value, or `fallback` after noting the error.
    pub fn take_or<T>(&mut self, result: Result<T, Invalid>, fallback: T) -> T {
        match result {
            Ok(value) => value,
            Err(e) => {
                self.push(e);
                fallback
            }
        }
    }

    pub fn push(&mut self, error: Invalid) {
        match error {
            Invalid::Several(all) => self.errors.extend(all),
            one => self.errors.push(one),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when nothing was noted; else the error, wrong JSON types first
    /// (they make the reply a 400).
    pub fn finish(mut self) -> Result<(), Invalid> {
        self.errors
            .sort_by_key(|e| !matches!(e, Invalid::WrongType { .. }));
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(self.errors.remove(0)),
            _ => Err(Invalid::Several(self.errors)),
        }
    }
}

/// Typed access to the fields of a JSON object, producing [`Invalid`]
/// errors with dotted paths (`prefix.key`).
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>, prefix: &str) -> Self {
        Fields {
            map,
            prefix: prefix.to_string(),
        }
    }

    /// The object at `value`, or a 400 naming `path`.
    pub fn of(value: &'a Value, path: &str) -> Result<Self, Invalid> {
        match value {
            Value::Object(map) => Ok(Fields::new(map, path)),
            _ => Err(Invalid::wrong_type(
                if path.is_empty() { "body" } else { path },
                "a JSON object",
            )),
        }
    }

    pub fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &'a String> {
        self.map.keys()
    }

    /// Rejects keys outside `allowed` (and `ignored`, which are accepted
    /// silently) with a 422 naming the first unknown one.
    pub fn reject_unknown(&self, allowed: &[&str], ignored: &[&str]) -> Result<(), Invalid> {
        match self
            .map
            .keys()
            .find(|k| !allowed.contains(&k.as_str()) && !ignored.contains(&k.as_str()))
        {
            Some(key) => Err(Invalid::value(
                self.path(key),
                format!("unknown field; expected one of: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn required<T>(&self, key: &str, value: Option<T>) -> Result<T, Invalid> {
        value.ok_or_else(|| Invalid::value(self.path(key), "is required"))
    }

    /// `Some(string)`, `None` when absent or null, 400 for other types.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, Invalid> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Invalid::wrong_type(self.path(key), "a string")),
        }
    }

    pub fn req_str(&self, key: &str) -> Result<&'a str, Invalid> {
        self.required(key, self.opt_str(key)?)
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, Invalid> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Invalid::wrong_type(self.path(key), "true or false")),
        }
    }

    /// An integer (`5` or `5.0`, as JSON Schema counts them); a
    /// fractional number or another type is a 400, an integer beyond 64
    /// bits a 422.
    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, Invalid> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => integer(n).map(Some).map_err(|e| e.at(self.path(key))),
            Some(_) => Err(Invalid::wrong_type(self.path(key), "an integer")),
        }
    }

    /// An amount of US dollars above zero (at most a million), or `None`
    /// when absent or null: 400 for another type, 422 out of range.
    pub fn opt_usd(&self, key: &str) -> Result<Option<f64>, Invalid> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(usd) if usd > 0.0 && usd <= 1_000_000.0 => Ok(Some(usd)),
                _ => Err(Invalid::value(
                    self.path(key),
                    format!("must be an amount in US dollars above 0 (at most 1000000), got {n}"),
                )),
            },
            Some(_) => Err(Invalid::wrong_type(
                self.path(key),
                "a number of US dollars",
            )),
        }
    }

    pub fn opt_array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, Invalid> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(Invalid::wrong_type(self.path(key), "a JSON array")),
        }
    }

    pub fn opt_object(&self, key: &str) -> Result<Option<Fields<'a>>, Invalid> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields::new(map, &self.path(key)))),
            Some(_) => Err(Invalid::wrong_type(self.path(key), "a JSON object")),
        }
    }
}

/// Why a JSON number is not an `i64`, before the field is known.
pub enum NotAnInteger {
    Fractional,
    TooLarge,
}

impl NotAnInteger {
    pub fn at(self, field: String) -> Invalid {
        match self {
            NotAnInteger::Fractional => Invalid::wrong_type(field, "an integer"),
            NotAnInteger::TooLarge => Invalid::value(field, "is too large"),
        }
    }
}

/// A JSON number as an `i64`: integers and integral floats (`874763.0`).
pub fn integer(n: &serde_json::Number) -> Result<i64, NotAnInteger> {
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if n.as_u64().is_some() {
        return Err(NotAnInteger::TooLarge);
    }
    match n.as_f64() {
        Some(f) if f.fract() != 0.0 || !f.is_finite() => Err(NotAnInteger::Fractional),
        // 2^63 is the first float past i64::MAX.
        Some(f) if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) => {
            Ok(f as i64)
        }
        Some(_) => Err(NotAnInteger::TooLarge),
        None => Err(NotAnInteger::Fractional),
    }
}

/// Checks `value` is one of `allowed`, else a 422 listing them.
pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), Invalid> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        let shown: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
        Err(Invalid::value(
            field,
            format!("must be one of {}, got {value:?}", shown.join(", ")),
        ))
    }
}

/// Checks `value` lies in `min..=max`, else a 422 giving the range.
pub fn in_range(field: &str, value: i64, min: i64, max: i64) -> Result<(), Invalid> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Invalid::value(
            field,
            format!("must be between {min} and {max}, got {value}"),
        ))
    }
}
