//! A real OpenSSH server (Debian's `openssh-server`) for the SFTP tests: `sshd` in the
//! foreground on a loopback port, its host key, client key, `authorized_keys`, configuration
//! and log all in the test's own folder, SFTP served by `internal-sftp`. `.ci/run` installs it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::PATIENCE;

/// Where Debian's package puts the server.
const SSHD: &str = "/usr/sbin/sshd";
/// The folder `sshd` insists on for privilege separation; the package makes it only when the
/// system service starts, which this test does not use.
const PRIVSEP_DIR: &str = "/run/sshd";

/// A running `sshd`, stopped when dropped.
pub struct Sshd {
    /// The test's folder, holding the keys, the configuration, the log and `root`.
    dir: PathBuf,
    /// The server process, while it runs.
    child: Option<Child>,
    /// The loopback port it listens on.
    pub port: u16,
    /// The SHA-256 fingerprint of its host key, as `ssh-keygen -lf` prints it.
    pub host_key: String,
    /// The private key whose public half is authorized.
    pub client_key: PathBuf,
    /// A folder the tests' files go in (world-writable, for the password test's user).
    pub root: PathBuf,
}

impl Sshd {
    /// Starts `sshd` with everything it needs in `dir` (a folder the test made), on a free
    /// loopback port.
    pub fn start(dir: &Path) -> Sshd {
        require();
        std::fs::create_dir_all(PRIVSEP_DIR).expect("test setup: /run/sshd");
        let host_key = dir.join("host_ed25519");
        let client_key = dir.join("client_ed25519");
        for key in [&host_key, &client_key] {
            keygen(key);
        }
        std::fs::copy(dir.join("client_ed25519.pub"), dir.join("authorized_keys"))
            .expect("test setup: authorized_keys");
        let root = dir.join("root");
        std::fs::create_dir(&root).expect("test setup: the SFTP root");
        // Another user (the password test's) reaches `root` through `dir`.
        chmod(dir, 0o755);
        chmod(&root, 0o777);
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").expect("test setup: a free port");
            probe.local_addr().expect("test setup: its address").port()
        };
        std::fs::write(
            dir.join("sshd_config"),
            format!(
                "ListenAddress 127.0.0.1:{port}\n\
                 HostKey {host}\n\
                 PidFile none\n\
                 AuthorizedKeysFile {dir}/authorized_keys\n\
                 # The test's folder belongs to root, who is not the password test's user.\n\
                 StrictModes no\n\
                 UsePAM no\n\
                 PermitRootLogin prohibit-password\n\
                 PasswordAuthentication yes\n\
                 KbdInteractiveAuthentication no\n\
                 Subsystem sftp internal-sftp\n\
                 LogLevel VERBOSE\n",
                host = host_key.display(),
                dir = dir.display(),
            ),
        )
        .expect("test setup: sshd_config");
        let fingerprint = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(dir.join("host_ed25519.pub"))
            .output()
            .expect("ssh-keygen runs");
        let fingerprint = String::from_utf8(fingerprint.stdout).expect("ssh-keygen prints text");
        let host_key = fingerprint
            .split_whitespace()
            .nth(1)
            .expect("ssh-keygen -lf prints the fingerprint second")
            .to_owned();
        let mut sshd = Sshd {
            dir: dir.to_owned(),
            child: None,
            port,
            host_key,
            client_key,
            root,
        };
        sshd.restart();
        sshd
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// How many logins the server accepted since it last started.
    pub fn logins(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| {
                l.starts_with("Accepted publickey for ") || l.starts_with("Accepted password for ")
            })
            .count()
    }

    /// Kills the server with SIGKILL: the listener and every connection's process, as a
    /// crash of the machine would end them.
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let mut pids = descendants(child.id());
        pids.push(child.id());
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(pids.iter().map(u32::to_string))
            // A connection's process may have ended meanwhile.
            .stderr(Stdio::null())
            .status();
        let _ = child.wait();
    }

    /// Starts the server (again) on the same port with the same keys, and waits until it
    /// listens.
    pub fn restart(&mut self) {
        self.kill();
        let log = self.dir.join("sshd.log");
        let stderr = std::fs::File::create(&log).expect("test setup: the sshd log");
        let mut child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(self.dir.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("sshd starts");
        let deadline = Instant::now() + PATIENCE;
        while !self.log().contains("Server listening on 127.0.0.1") {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("sshd exited ({status}):\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "sshd did not listen:\n{}",
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.child = Some(child);
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Fails with how to install the server when it is not there.
fn require() {
    assert!(
        Path::new(SSHD).exists(),
        "the SFTP tests need OpenSSH's server: apt-get install -y --no-install-recommends openssh-server"
    );
}

/// Makes an ed25519 key pair without a passphrase: `path` and `path.pub`.
fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen failed");
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .expect("test setup: chmod");
}

/// The processes below `pid`: `sshd` forks one per connection, which its own death leaves
/// running.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // /proc/PID/stat: "PID (comm) STATE PPID …"; comm may hold spaces and parentheses.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(parent) = parent {
            parents.push((child, parent));
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}
