//! A webhook: the notification as JSON, POSTed over HTTPS (rustls; an `https` URL never falls
//! back to plaintext), with the token as a bearer token. One attempt per call; the
//! dispatcher retries.

use std::sync::Arc;

use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::alerts::secret::Secret;
use crate::alerts::settings::WebhookSettings;

/// A webhook, ready to post.
pub struct Webhook {
    settings: WebhookSettings,
    token: Option<Secret>,
    /// `None` for `http` to loopback.
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Webhook {
    /// Reads its token and its CAs. Blocking (files).
    pub fn open(settings: &WebhookSettings) -> Result<Webhook, String> {
        let token = settings
            .token
            .as_ref()
            .map(|t| t.load())
            .transpose()
            .map_err(|e| format!("token: {e}"))?;
        let tls = if settings.url.scheme_str() == Some("https") {
            let config = match &settings.ca {
                Some(ca) => crate::tls::client_config(&crate::tls::Trust::Ca(ca.clone()), None),
                None => crate::tls::system_client_config(),
            };
            Some(config.map_err(|e| e.to_string())?)
        } else {
            None
        };
        Ok(Webhook {
            settings: settings.clone(),
            token,
            tls,
        })
    }

    /// Where it posts, without path or query (which may hold a key): `https://host:port`.
    pub fn name(&self) -> String {
        let url = &self.settings.url;
        format!(
            "webhook {}://{}",
            url.scheme_str().unwrap_or("https"),
            url.authority().map_or("", |a| a.as_str())
        )
    }

    /// How many attempts a notification gets.
    pub fn attempts(&self) -> u32 {
        self.settings.attempts
    }

    /// One POST of `body`; a 2xx answer is success.
    pub async fn post(&self, body: &[u8]) -> Result<(), String> {
        tokio::time::timeout(self.settings.timeout, self.attempt(body))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {:?}", self.settings.timeout)))
    }

    async fn attempt(&self, body: &[u8]) -> Result<(), String> {
        let url = &self.settings.url;
        let host = url
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let tls = self.tls.clone();
        let port = url
            .port_u16()
            .unwrap_or(if tls.is_some() { 443 } else { 80 });
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
        let request = self.request(body)?;
        match tls {
            None => exchange(tcp, request).await,
            Some(config) => {
                let name = crate::tls::server_name(host).map_err(|e| e.to_string())?;
                let stream = tokio_rustls::TlsConnector::from(config)
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("the TLS handshake with {host}:{port} failed: {e}"))?;
                exchange(stream, request).await
            }
        }
    }

    fn request(&self, body: &[u8]) -> Result<hyper::Request<axum::body::Body>, String> {
        let url = &self.settings.url;
        let target = url.path_and_query().map_or("/", |p| p.as_str());
        let mut request = hyper::Request::post(target)
            .header(HOST, url.authority().map_or("", |a| a.as_str()))
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_LENGTH, body.len());
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        request
            .body(axum::body::Body::from(body.to_vec()))
            .map_err(|_| "the token is not valid in an HTTP header".to_owned())
    }
}

/// Sends one request on a connection and reads the answer's status.
async fn exchange<S>(stream: S, request: hyper::Request<axum::body::Body>) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP: {e}"))?;
    let driving = tokio::spawn(connection);
    let answer = sender.send_request(request).await;
    driving.abort();
    let status = answer.map_err(|e| format!("HTTP: {e}"))?.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("answered HTTP {status}"))
    }
}
