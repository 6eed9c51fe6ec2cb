//! API errors and their JSON shape: `{"error":{"code","message","field"?}}`
//! with the status codes of api.md (507 `insufficient_storage` when the
//! disk holding the store or the preferences is full).

use hyper::StatusCode;
use serde_json::json;

use super::body::{Response, json_response};
use crate::db::DbError;
use crate::service::jobs::JobError;
use crate::service::runs::RunError;
use crate::validation::Invalid;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Every invalid field of a 400/422 validation reply: `errors[]`.
    pub errors: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            errors: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// 507: a write failed for lack of space; `message` names the path.
    pub fn insufficient_storage(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "insufficient_storage",
            message,
        )
    }

    pub fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(field) = self.field {
            error["field"] = json!(field);
        }
        let mut body = json!({ "error": error });
        if !self.errors.is_empty() {
            body["errors"] = self
                .errors
                .into_iter()
                .map(|(field, message)| json!({"field": field, "message": message}))
                .collect();
        }
        json_response(self.status, &body)
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        let status = match e.all()[0] {
            Invalid::WrongType { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let code = if status == StatusCode::BAD_REQUEST {
            "bad_request"
        } else {
            "validation_failed"
        };
        ApiError {
            status,
            code,
            message: e.to_string(),
            field: Some(e.field().to_string()),
            errors: e
                .all()
                .into_iter()
                .map(|one| (one.field().to_string(), one.to_string()))
                .collect(),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        eprintln!("backbeat: {e}");
        if e.is_storage_full() {
            return ApiError::insufficient_storage(e.to_string());
        }
        ApiError::internal(format!("{e}"))
    }
}

impl From<JobError> for ApiError {
    fn from(e: JobError) -> Self {
        match e {
            JobError::Invalid(invalid) => invalid.into(),
            JobError::NotFound(_) => ApiError::not_found(e.to_string()),
            JobError::Db(db) => db.into(),
        }
    }
}

impl From<RunError> for ApiError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::NotFound(_) => ApiError::not_found(e.to_string()),
            RunError::Finished(..) => ApiError::conflict(e.to_string()),
            RunError::Db(db) => db.into(),
        }
    }
}

pub type ApiResult = Result<Response, ApiError>;
