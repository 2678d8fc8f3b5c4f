//! The URLs of HTTP connections: an outbound's `url` and an inbound's `path`, read the same by
//! the macros (at build) and the runtime (from an environment file).

/// An `http://` or `https://` URL as an HTTP outbound uses it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HttpUrl {
    /// `https`: TLS, never plaintext.
    pub tls: bool,
    /// The host name or address (an IPv6 address without its brackets).
    pub host: String,
    /// The port: given, or 80 for `http` and 443 for `https`.
    pub port: u16,
    /// The path and query, `/` when the URL has none.
    pub target: String,
}

impl HttpUrl {
    /// Reads a URL; the error says what is wrong in words.
    pub fn parse(text: &str) -> Result<HttpUrl, String> {
        let (tls, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(format!(
                "`{text}` is not an http:// or https:// URL, such as \"https://ehr.example.org/hl7\""
            ));
        };
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("the URL `{text}` has white space in it"));
        }
        if text.contains('#') {
            return Err(format!(
                "the URL `{text}` has a fragment (`#…`); leave it out"
            ));
        }
        let (authority, target) = match rest.find(['/', '?']) {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(format!(
                "the URL `{text}` carries credentials; give them with `auth_user` and `auth_password_env` instead"
            ));
        }
        let (host, port) = split_host_port(authority)
            .ok_or_else(|| format!("the URL `{text}` has no valid host and port"))?;
        let port = match port {
            Some(p) => p,
            None if tls => 443,
            None => 80,
        };
        let target = if target.starts_with('?') {
            format!("/{target}")
        } else {
            target.to_owned()
        };
        Ok(HttpUrl {
            tls,
            host: host.to_owned(),
            port,
            target,
        })
    }
}

/// `host[:port]`, or `[v6][:port]`; `None` when the host is empty or the port not a port.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    if !valid_host {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0)?),
    };
    Some((host, port))
}

/// Checks the path an HTTP inbound serves: it begins with `/` and holds no white space,
/// query or fragment.
pub fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "the path `{path}` must begin with `/`, as in \"/hl7\""
        ));
    }
    if path
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
    {
        return Err(format!(
            "the path `{path}` may not hold white space, `?` or `#`"
        ));
    }
    Ok(())
}

/// Checks a header line of an HTTP outbound: `Name: value`, a name of token characters and a
/// value without line breaks. Headers the sender sets itself may not be given.
pub fn check_header(line: &str) -> Result<(), String> {
    let Some((name, value)) = line.split_once(':') else {
        return Err(format!("`{line}` is not a header line `Name: value`"));
    };
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!("`{name}` is not a header name"));
    }
    if value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return Err(format!("the value of header `{name}` holds a line break"));
    }
    const OWN: [&str; 5] = [
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "authorization",
    ];
    let lower = name.to_ascii_lowercase();
    if lower == "authorization" {
        return Err(format!(
            "the sender sets `{name}` itself: give `auth_token_env` or `auth_user`"
        ));
    }
    if OWN.contains(&lower.as_str()) {
        return Err(format!("the sender sets `{name}` itself"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_with_their_defaults() {
        let u = HttpUrl::parse("https://ehr.example.org/hl7?feed=lab").unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.target.as_str()),
            (true, "ehr.example.org", 443, "/hl7?feed=lab")
        );
        let u = HttpUrl::parse("http://[::1]:8080").unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.target.as_str()),
            (false, "::1", 8080, "/")
        );
        assert_eq!(HttpUrl::parse("http://h?x=1").unwrap().target, "/?x=1");
    }

    #[test]
    fn bad_urls_say_why() {
        assert!(
            HttpUrl::parse("ftp://x/")
                .unwrap_err()
                .contains("not an http://")
        );
        assert!(
            HttpUrl::parse("http://u:p@x/")
                .unwrap_err()
                .contains("credentials")
        );
        assert!(
            HttpUrl::parse("http://x:0/")
                .unwrap_err()
                .contains("no valid host")
        );
        assert!(
            HttpUrl::parse("http://x:99999/")
                .unwrap_err()
                .contains("no valid host")
        );
        assert!(
            HttpUrl::parse("http:///hl7")
                .unwrap_err()
                .contains("no valid host")
        );
        assert!(
            HttpUrl::parse("http://x/a b")
                .unwrap_err()
                .contains("white space")
        );
        assert!(
            HttpUrl::parse("http://x/#f")
                .unwrap_err()
                .contains("fragment")
        );
    }

    #[test]
    fn paths_and_headers_are_checked() {
        assert!(check_path("/hl7").is_ok());
        assert!(check_path("hl7").is_err());
        assert!(check_path("/hl7?x").is_err());
        assert!(check_header("X-Partner: lab").is_ok());
        assert!(check_header("X Partner: lab").is_err());
        assert!(check_header("X-Partner lab").is_err());
        assert!(check_header("Authorization: Bearer x").is_err());
    }
}
