//! Query-string parsing; unknown or malformed values are 400s.

use std::collections::HashMap;

use hyper::Request;

use super::error::ApiError;

/// The last value of each key, and every pair in order (for repeatable keys).
pub struct Query(HashMap<String, String>, Vec<(String, String)>);

impl Query {
    pub fn of<B>(req: &Request<B>) -> Query {
        let pairs: Vec<(String, String)> = req
            .uri()
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Query(pairs.iter().cloned().collect(), pairs)
    }

    /// Every non-empty value of a repeatable key, in order.
    pub fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.1
            .iter()
            .filter(move |(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                ApiError::bad_request(format!("query parameter {key}={v:?} is not an integer"))
            }),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(format!(
                "query parameter {key}={v:?} must be true or false"
            ))),
        }
    }

    pub fn time(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => crate::time::parse_rfc3339(v).map(Some).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "query parameter {key}={v:?} is not an RFC 3339 timestamp"
                ))
            }),
        }
    }
}
