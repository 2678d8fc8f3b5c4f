//! Email: the notification as a short plain-text mail through an SMTP server, over TLS
//! (STARTTLS required, or implicit TLS) with rustls, logging in when a user is given. One
//! attempt per call; the dispatcher retries.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::alerts::settings::{EmailSettings, EmailTls};

/// An SMTP server, ready to send.
pub struct Email {
    settings: EmailSettings,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Email {
    /// Reads its password and its CAs and prepares the transport. Blocking (files).
    pub fn open(settings: &EmailSettings) -> Result<Email, String> {
        let mut tls = TlsParameters::builder(settings.server.clone());
        if let Some(ca) = &settings.ca {
            let pem =
                std::fs::read(ca).map_err(|e| format!("cannot read {}: {e}", ca.display()))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| format!("{}: not a PEM certificate ({e})", ca.display()))?;
            tls = tls
                .certificate_store(CertificateStore::None)
                .add_root_certificate(cert);
        }
        let tls = tls.build_rustls().map_err(|e| format!("TLS: {e}"))?;
        let tls = match settings.tls {
            EmailTls::StartTls => Tls::Required(tls),
            EmailTls::Implicit => Tls::Wrapper(tls),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.server)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            let password = password.load().map_err(|e| format!("password: {e}"))?;
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        let mailbox = |a: &str| a.parse::<Mailbox>().map_err(|e| format!("{a:?}: {e}"));
        Ok(Email {
            from: mailbox(&settings.from)?,
            to: settings
                .to
                .iter()
                .map(|a| mailbox(a))
                .collect::<Result<_, _>>()?,
            transport: builder.build(),
            settings: settings.clone(),
        })
    }

    /// The server, as said in lines and logs.
    pub fn name(&self) -> String {
        let how = match self.settings.tls {
            EmailTls::StartTls => "STARTTLS",
            EmailTls::Implicit => "TLS",
        };
        format!(
            "email {}:{} ({how})",
            self.settings.server, self.settings.port
        )
    }

    /// How many attempts a notification gets.
    pub fn attempts(&self) -> u32 {
        self.settings.attempts
    }

    /// Sends one mail to every recipient.
    pub async fn send(&self, subject: &str, text: &str) -> Result<(), String> {
        let mut message = Message::builder().from(self.from.clone()).subject(subject);
        for to in &self.to {
            message = message.to(to.clone());
        }
        let message = message
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .map_err(|e| format!("the mail could not be built: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
