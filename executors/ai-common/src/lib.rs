//! Shared code of the AI runners (placeholder).
