//! An interface binary running `serve` as a process of its own, for what only a process
//! shows: its exit status, signals, resource limits.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::PATIENCE;

/// A running `serve`.
pub struct Served {
    /// The process.
    pub child: Child,
    /// Where its inbound listens.
    pub addr: SocketAddr,
    /// Its store file.
    pub db: PathBuf,
    /// Where its admin server listens (a loopback port the engine picked).
    pub admin: SocketAddr,
}

/// Starts `binary serve` (the lab interface) in `dir`, with its inbound on a loopback port the
/// engine picks (port 0; the banner says which) and the EHR down (a port this test process
/// holds, see [`crate::ports::down_port`]). With `shell`, the binary runs under `sh -c
/// "<shell>; exec ..."`, so the shell can set limits or signal dispositions first.
pub fn serve(binary: &str, dir: &Path, shell: Option<&str>) -> Served {
    serve_to(binary, dir, shell, crate::ports::down_port())
}

/// [`serve`], with the EHR on this loopback port (one the test owns).
pub fn serve_to(binary: &str, dir: &Path, shell: Option<&str>, ehr_port: u16) -> Served {
    serve_with(
        binary,
        dir,
        Options {
            shell,
            ehr_port,
            ..Options::default()
        },
    )
}

/// Starts `binary serve` in `dir` with `environment` as its environment file: an interface
/// with one inbound, which the file must put on a loopback port 0.
pub fn serve_in(binary: &str, dir: &Path, shell: Option<&str>, environment: &str) -> Served {
    serve_with(
        binary,
        dir,
        Options {
            shell,
            environment: Some(environment),
            ..Options::default()
        },
    )
}

/// How [`serve_with`] starts `serve`.
pub struct Options<'a> {
    /// A shell script to run first (limits, signal dispositions), as for [`serve`].
    pub shell: Option<&'a str>,
    /// The EHR's loopback port.
    pub ehr_port: u16,
    /// More lines for the outbound's section of the environment file.
    pub outbound: &'a str,
    /// The whole environment file instead of the lab interface's (then `ehr_port` and
    /// `outbound` do not apply).
    pub environment: Option<&'a str>,
    /// More arguments for `serve`.
    pub args: &'a [&'a str],
    /// Where its standard error goes.
    pub stderr: Stdio,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            shell: None,
            ehr_port: crate::ports::down_port(),
            outbound: "",
            environment: None,
            args: &[],
            stderr: Stdio::null(),
        }
    }
}

/// Starts `serve` as `options` say. The admin server listens on a loopback port the engine
/// picks.
pub fn serve_with(binary: &str, dir: &Path, options: Options<'_>) -> Served {
    let Options {
        shell,
        ehr_port,
        outbound,
        environment,
        args,
        stderr,
    } = options;
    let environments = dir.join("environments");
    std::fs::create_dir_all(&environments).expect("test setup");
    let environment = environment.map_or_else(
        || {
            format!(
                "[inbound.IB_Lab_ORU]\nbind = \"127.0.0.1\"\nport = 0\n\n\
                 [outbound.OB_EHR_ORU]\nhost = \"127.0.0.1\"\nport = {ehr_port}\n{outbound}"
            )
        },
        str::to_owned,
    );
    std::fs::write(environments.join("test.toml"), environment).expect("test setup");
    let db = dir.join("serve.redb");
    let mut command = match shell {
        Some(script) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{script}; exec \"$0\" \"$@\""))
                .arg(binary);
            c
        }
        None => Command::new(binary),
    };
    let mut child = command
        .arg("serve")
        .arg("--db")
        .arg(&db)
        .arg("--env")
        .arg("test")
        .arg("--environments")
        .arg(&environments)
        .args(["--admin", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the interface binary starts");
    // The admin server's banner comes first (it starts before the engine), then the
    // listener's.
    let mut banners = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut admin = None;
    let addr = loop {
        let mut banner = String::new();
        banners.read_line(&mut banner).expect("the banner");
        assert!(!banner.is_empty(), "serve printed no MLLP banner");
        let address = banner.split_whitespace().find_map(|word| {
            word.trim_start_matches("http://")
                .parse::<SocketAddr>()
                .ok()
        });
        if banner.starts_with("admin listening on ") {
            admin = address;
        } else if banner.starts_with("MLLP listening on ")
            || banner.starts_with("HTTP listening on ")
        {
            break address.unwrap_or_else(|| panic!("no address in {banner:?}"));
        }
    };
    let admin = admin.expect("the admin server's banner");
    Served {
        child,
        addr,
        db,
        admin,
    }
}

impl Served {
    /// Runs `binary messages --db <this store> <args>` and returns its exit code and output.
    pub fn messages(&self, binary: &str, args: &[&str]) -> (Option<i32>, String) {
        let output = Command::new(binary)
            .arg("messages")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .expect("the interface binary runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    /// Sends SIGTERM (through `kill`, so no signal library is needed).
    pub fn terminate(&self) {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM could not be sent");
    }

    /// Waits for the process to end, failing the test after its patience.
    pub async fn exit_status(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return status;
            }
            assert!(Instant::now() < deadline, "the engine did not stop");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
