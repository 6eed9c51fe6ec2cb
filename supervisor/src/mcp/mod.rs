//! The MCP server (official `rmcp` SDK): `backbeat mcp` on stdio for a
//! running supervisor, and the tool set `/mcp` serves over Streamable HTTP.

mod params;
mod tools;

use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

pub use tools::BackbeatMcp;

use crate::cli::http::Client;

/// `backbeat mcp`: serves MCP on stdin/stdout until the client hangs up.
pub async fn serve_stdio(client: Client) -> anyhow::Result<()> {
    let service = BackbeatMcp::new(client)
        .serve(rmcp::transport::stdio())
        .await?;
    service.waiting().await?;
    Ok(())
}

pub type HttpService = StreamableHttpService<BackbeatMcp, NeverSessionManager>;

/// The Streamable HTTP endpoint, stateless with JSON answers. Host, token
/// and Origin are checked by the API layer before a request gets here.
pub fn http_service(client: Client, shutdown: tokio_util::sync::CancellationToken) -> HttpService {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_cancellation_token(shutdown)
        .disable_allowed_hosts();
    StreamableHttpService::new(
        move || Ok(BackbeatMcp::new(client.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}
