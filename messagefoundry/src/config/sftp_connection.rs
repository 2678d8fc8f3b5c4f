//! The server of an SFTP connection as the engine uses it: what `sftp(…)` declared, with an
//! environment's overrides set by option name, made into the folder's [`SftpSettings`] once
//! every override is in (a pin or a login read before then could be overridden after).

use std::path::{Path, PathBuf};
use std::time::Duration;

use messagefoundry_options::Value;

use super::connection::mismatch;
use crate::interface::SftpServer;
use crate::sftp::{Auth, HostKeyPin, Secret, SftpSettings};

/// The options of an SFTP server, as declared and overridden.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct SftpServerSettings {
    host: String,
    port: u16,
    user: String,
    host_key: String,
    key: Option<PathBuf>,
    key_passphrase_env: Option<String>,
    key_passphrase_file: Option<PathBuf>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    connect_timeout: Duration,
    io_timeout: Duration,
}

impl From<&SftpServer> for SftpServerSettings {
    fn from(s: &SftpServer) -> Self {
        SftpServerSettings {
            host: s.host.to_owned(),
            port: s.port,
            user: s.user.to_owned(),
            host_key: s.host_key.to_owned(),
            key: s.key.map(PathBuf::from),
            key_passphrase_env: s.key_passphrase_env.map(str::to_owned),
            key_passphrase_file: s.key_passphrase_file.map(PathBuf::from),
            password_env: s.password_env.map(str::to_owned),
            password_file: s.password_file.map(PathBuf::from),
            connect_timeout: s.connect_timeout,
            io_timeout: s.io_timeout,
        }
    }
}

impl SftpServerSettings {
    /// Sets the option `name` to a value the options table checked for it. A login method set
    /// here replaces the declared one (an environment that logs in with a password where the
    /// code names a key, or the other way round).
    pub(crate) fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        match (name, value) {
            ("host", Value::Text(t)) => self.host = t,
            ("port", Value::Port(p)) => self.port = p,
            ("user", Value::Text(t)) => self.user = t,
            ("host_key", Value::Text(t)) => self.host_key = t,
            ("key", Value::Text(t)) => {
                self.key = Some(t.into());
                (self.password_env, self.password_file) = (None, None);
            }
            ("key_passphrase_env", Value::Text(t)) => {
                (self.key_passphrase_env, self.key_passphrase_file) = (Some(t), None)
            }
            ("key_passphrase_file", Value::Text(t)) => {
                (self.key_passphrase_env, self.key_passphrase_file) = (None, Some(t.into()))
            }
            ("password_env", Value::Text(t)) => {
                (self.password_env, self.password_file, self.key) = (Some(t), None, None)
            }
            ("password_file", Value::Text(t)) => {
                (self.password_env, self.password_file, self.key) = (None, Some(t.into()), None)
            }
            ("connect_timeout", Value::Duration(d)) => self.connect_timeout = d,
            ("io_timeout", Value::Duration(d)) => self.io_timeout = d,
            (name, value) => return Err(mismatch(name, &value)),
        }
        Ok(())
    }

    /// The folder `dir` on this server: the pin read, the login chosen. An error says which
    /// option is wrong, never a secret (secrets are read when connecting, not here).
    pub(crate) fn folder(&self, dir: &Path) -> Result<SftpSettings, String> {
        let host_key = HostKeyPin::parse(&self.host_key).map_err(|e| format!("host_key: {e}"))?;
        let passphrase = match (&self.key_passphrase_env, &self.key_passphrase_file) {
            (Some(env), _) => Some(Secret::Env(env.clone())),
            (None, Some(file)) => Some(Secret::File(file.clone())),
            (None, None) => None,
        };
        let auth = match (&self.key, &self.password_env, &self.password_file) {
            (Some(file), None, None) => Auth::Key {
                file: file.clone(),
                passphrase,
            },
            (None, Some(env), None) => Auth::Password(Secret::Env(env.clone())),
            (None, None, Some(file)) => Auth::Password(Secret::File(file.clone())),
            _ => {
                return Err(
                    "log in with `key` or with `password_env` or `password_file`: give one"
                        .to_owned(),
                );
            }
        };
        let dir = dir
            .to_str()
            .ok_or("dir: the remote folder's name must be UTF-8")?;
        let mut settings = SftpSettings::new(&self.host, &self.user, dir, auth, host_key);
        settings.port = self.port;
        settings.connect_timeout = self.connect_timeout;
        settings.io_timeout = self.io_timeout;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIN: &str = "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0";

    fn declared() -> SftpServerSettings {
        SftpServerSettings::from(&SftpServer {
            host: "sftp.lab.example",
            user: "gh",
            host_key: PIN,
            key: Some("keys/lab"),
            ..SftpServer::DEFAULT
        })
    }

    /// The runtime's defaults are the table's: every server option with a default, set to it,
    /// reads back as the declaration's default.
    #[test]
    fn defaults_are_the_tables() {
        use messagefoundry_options::{Origin, SFTP_SERVER};
        for spec in SFTP_SERVER {
            let Some(written) = spec.default.written() else {
                continue;
            };
            let value = spec.check(&written, Origin::Environment).unwrap();
            let mut s = declared();
            s.set(spec.name, value).unwrap();
            assert_eq!(s, declared(), "{}", spec.name);
        }
    }

    #[test]
    fn an_environment_may_log_in_otherwise_than_the_code() {
        let mut s = declared();
        let folder = s.folder(Path::new("in")).unwrap();
        assert!(matches!(
            folder.auth,
            Auth::Key {
                passphrase: None,
                ..
            }
        ));
        assert_eq!((folder.port, folder.dir.as_str()), (22, "in"));
        s.set("password_file", Value::Text("/run/secrets/lab".into()))
            .unwrap();
        s.set("port", Value::Port(2222)).unwrap();
        let folder = s.folder(Path::new("/data/in")).unwrap();
        assert_eq!(
            folder.auth,
            Auth::Password(Secret::File("/run/secrets/lab".into()))
        );
        assert_eq!(folder.label(), "gh@sftp.lab.example:2222");
    }

    #[test]
    fn a_pin_that_is_no_key_names_the_option() {
        let mut s = declared();
        s.set(
            "host_key",
            Value::Text("ssh-ed25519 AAAAnotakeyatall".into()),
        )
        .unwrap();
        let err = s.folder(Path::new("in")).unwrap_err();
        assert!(err.starts_with("host_key: "), "{err}");
    }
}
