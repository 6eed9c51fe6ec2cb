//! Query-string parsing; unknown or malformed values are 400s.

use std::collections::HashMap;

use hyper::Request;

use super::error::ApiError;

pub struct Query(HashMap<String, String>);

impl Query {
    pub fn of<B>(req: &Request<B>) -> Query {
        let pairs = req
            .uri()
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Query(pairs)
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
