//! `/mcp`: the MCP server over Streamable HTTP (stateless, JSON answers),
//! reached after the same Host, token and Origin checks as `/api`. Its
//! tools call this supervisor's own API on loopback with the token.

use std::sync::Arc;

use hyper::Request;
use hyper::body::Incoming;

use super::body::Response;
use crate::app::App;
use crate::cli::http::Client;

pub async fn handle(app: &Arc<App>, req: Request<Incoming>) -> Response {
    let service = app.mcp.get_or_init(|| {
        let base = crate::dashboard_url(&app.config, app.port(), None)
            .trim_end_matches('/')
            .to_string();
        let client = Client::with_base(base, app.token.clone(), "the server itself".into());
        crate::mcp::http_service(client, app.shutdown.child_token())
    });
    service.handle(req).await
}
