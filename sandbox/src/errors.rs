//! The bank's error answers: a status, a stable code and a message with no customer data.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tingshuo_base::wire::ErrorBody;

/// An API error: status, stable code, message.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub &'static str, pub String);

pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            error: code.to_owned(),
            message: message.to_owned(),
        }),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(self.0, self.1, &self.2)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> ApiError {
        tracing::error!(%error, "bank database error");
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "database error".into(),
        )
    }
}
