//! API errors and their JSON shape: `{"error":{"code","message","field"?}}`
//! with the status codes of api.md.

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
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
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

    pub fn into_response(self) -> Response {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(field) = self.field {
            error["field"] = json!(field);
        }
        json_response(self.status, &json!({ "error": error }))
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        let status = match e {
            Invalid::WrongType { .. } => StatusCode::BAD_REQUEST,
            Invalid::Value { .. } => StatusCode::UNPROCESSABLE_ENTITY,
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
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        eprintln!("backbeat: {e}");
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
