//! SFTP folders against a real OpenSSH server each test starts ([`Sshd`]): key and password
//! logins, the pinned host key, every folder operation checked on the server's own disk, a
//! server killed and started again, and a file of several megabytes.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use messagefoundry::file::folder::Folder;
use messagefoundry::sftp::{Auth, HostKeyPin, Secret, SftpError, SftpFolder, SftpSettings};
use messagefoundry_tests::sshd::Sshd;

/// The user `.ci/run` makes for the password test (no home, no shell), and its password.
const PASSWORD_USER: &str = "messagefoundry-sftp";
const PASSWORD: &str = "messagefoundry-sftp-test";

fn settings(sshd: &Sshd, dir: &Path, user: &str, auth: Auth) -> SftpSettings {
    let pin = HostKeyPin::parse(&sshd.host_key).expect("ssh-keygen's fingerprint is a pin");
    let dir = dir.to_str().expect("a UTF-8 temporary folder");
    let mut settings = SftpSettings::new("127.0.0.1", user, dir, auth, pin);
    settings.port = sshd.port;
    settings
}

fn key_folder(sshd: &Sshd) -> SftpFolder {
    let auth = Auth::Key {
        file: sshd.client_key.clone(),
        passphrase: None,
    };
    SftpFolder::new(settings(sshd, &sshd.root, "root", auth))
}

/// The `SftpError` inside an I/O error.
fn sftp_error(e: &io::Error) -> &SftpError {
    e.get_ref()
        .and_then(|e| e.downcast_ref::<SftpError>())
        .unwrap_or_else(|| panic!("not an SftpError: {e}"))
}

/// The names in a folder on the server's disk, sorted, hidden ones too.
fn on_disk(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder is there")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_folder_operation_on_a_key_login_over_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(dir.path());
    let folder = key_folder(&sshd);
    let root = &sshd.root;

    folder.write_new("a.hl7", b"MSH|first").await.unwrap();
    folder.write_new("sub/b.hl7", b"MSH|second").await.unwrap();
    assert_eq!(on_disk(root), ["a.hl7", "sub"], "no temporary file left");
    assert_eq!(std::fs::read(root.join("a.hl7")).unwrap(), b"MSH|first");
    assert_eq!(
        std::fs::read(root.join("sub/b.hl7")).unwrap(),
        b"MSH|second"
    );
    // write_new never replaces a file of the same name, and its error does not name the file
    // (an outbound's names are made of message values).
    let taken = folder.write_new("a.hl7", b"MSH|again").await.unwrap_err();
    assert_eq!(taken.kind(), io::ErrorKind::AlreadyExists, "{taken}");
    assert!(!taken.to_string().contains("a.hl7"), "{taken}");
    std::fs::write(root.join("a.hl7"), b"MSH|again").unwrap();
    assert_eq!(on_disk(root), ["a.hl7", "sub"], "no temporary file left");

    // Only regular files are listed: not the subfolder, not a link.
    std::os::unix::fs::symlink(root.join("a.hl7"), root.join("link.hl7")).unwrap();
    let listed = folder.list().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a.hl7"]);
    assert_eq!(listed[0].size, 9);
    // SFTP gives whole seconds.
    let mtime = std::fs::metadata(root.join("a.hl7"))
        .unwrap()
        .modified()
        .unwrap();
    let seconds = mtime.duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(
        listed[0].modified,
        Some(UNIX_EPOCH + Duration::from_secs(seconds))
    );
    assert_eq!(folder.read("a.hl7").await.unwrap(), b"MSH|again");

    // Moving keeps the name, and makes it unique when it is taken.
    folder.move_to("a.hl7", "done").await.unwrap();
    std::fs::write(root.join("a.hl7"), b"MSH|third").unwrap();
    folder.move_to("a.hl7", "done").await.unwrap();
    assert_eq!(on_disk(&root.join("done")), ["a-1.hl7", "a.hl7"]);
    assert_eq!(
        std::fs::read(root.join("done/a.hl7")).unwrap(),
        b"MSH|again"
    );
    assert_eq!(
        std::fs::read(root.join("done/a-1.hl7")).unwrap(),
        b"MSH|third"
    );

    std::fs::write(root.join("c.hl7"), b"MSH|fourth").unwrap();
    folder.remove("c.hl7").await.unwrap();
    assert!(!root.join("c.hl7").exists());

    // What is not there says so, by kind and by name.
    for e in [
        folder.read("c.hl7").await.unwrap_err(),
        folder.remove("c.hl7").await.unwrap_err(),
        folder.move_to("c.hl7", "done").await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), io::ErrorKind::NotFound, "{e}");
        assert!(e.to_string().contains("c.hl7"), "{e}");
    }
    // Names that leave the folder are refused before anything is sent.
    for e in [
        folder.read("../etc/passwd").await.unwrap_err(),
        folder.write_new("a/b/c", b"x").await.unwrap_err(),
        folder.move_to("a.hl7", "..").await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    }

    // All of it over one login.
    assert_eq!(sshd.logins(), 1, "{}", sshd.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_another_host_key_is_refused_naming_both_keys() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(dir.path());
    // The client key's fingerprint: a valid pin, of the wrong key.
    let other = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&sshd.client_key)
        .output()
        .unwrap();
    let other = String::from_utf8(other.stdout).unwrap();
    let other = other.split_whitespace().nth(1).unwrap();
    let auth = Auth::Key {
        file: sshd.client_key.clone(),
        passphrase: None,
    };
    let mut settings = settings(&sshd, &sshd.root, "root", auth);
    settings.host_key = HostKeyPin::parse(other).unwrap();
    let folder = SftpFolder::new(settings);

    let e = folder.write_new("a.hl7", b"MSH|secret").await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    match sftp_error(&e) {
        SftpError::HostKeyMismatch { expected, seen, .. } => {
            assert_eq!(expected, other);
            assert_eq!(seen, &sshd.host_key);
        }
        other => panic!("{other}"),
    }
    let text = e.to_string();
    assert!(
        text.contains(other) && text.contains(&sshd.host_key),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");
    assert_eq!(sshd.logins(), 0, "{}", sshd.log());
    assert!(on_disk(&sshd.root).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_server_does_not_know_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(dir.path());
    let stranger = dir.path().join("stranger");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .unwrap();
    assert!(status.success());
    let auth = Auth::Key {
        file: stranger,
        passphrase: None,
    };
    let folder = SftpFolder::new(settings(&sshd, &sshd.root, "root", auth));
    let e = folder.probe().await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    assert!(
        matches!(
            sftp_error(&e),
            SftpError::AuthRejected { method: "key", .. }
        ),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_login_reads_its_password_from_a_file() {
    let user_exists = std::process::Command::new("id")
        .arg(PASSWORD_USER)
        .output()
        .unwrap()
        .status
        .success();
    assert!(
        user_exists,
        "the password test logs in as {PASSWORD_USER}, which .ci/run makes: \
         useradd --no-create-home --shell /usr/sbin/nologin {PASSWORD_USER} && \
         echo '{PASSWORD_USER}:{PASSWORD}' | chpasswd"
    );
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(dir.path());
    let file = dir.path().join("password");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    let folder = SftpFolder::new(settings(
        &sshd,
        &sshd.root,
        PASSWORD_USER,
        Auth::Password(Secret::File(file)),
    ));
    folder.write_new("pw.hl7", b"MSH|pw").await.unwrap();
    assert_eq!(folder.list().await.unwrap()[0].name, "pw.hl7");
    assert_eq!(std::fs::read(sshd.root.join("pw.hl7")).unwrap(), b"MSH|pw");
    assert_eq!(sshd.logins(), 1, "{}", sshd.log());

    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "not-the-password").unwrap();
    let folder = SftpFolder::new(settings(
        &sshd,
        &sshd.root,
        PASSWORD_USER,
        Auth::Password(Secret::File(wrong)),
    ));
    let e = folder.probe().await.unwrap_err();
    assert!(
        matches!(
            sftp_error(&e),
            SftpError::AuthRejected {
                method: "password",
                ..
            }
        ),
        "{e}"
    );
    assert!(!e.to_string().contains("not-the-password"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_and_started_again_is_reconnected_to() {
    let dir = tempfile::tempdir().unwrap();
    let mut sshd = Sshd::start(dir.path());
    let folder = key_folder(&sshd);
    folder.write_new("before.hl7", b"MSH|1").await.unwrap();

    sshd.kill();
    let e = folder.probe().await.unwrap_err();
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted
        ),
        "{e}"
    );

    sshd.restart();
    folder.write_new("after.hl7", b"MSH|2").await.unwrap();
    assert_eq!(on_disk(&sshd.root), ["after.hl7", "before.hl7"]);

    // Killed and started again between two operations: the next one does not notice.
    sshd.restart();
    let listed = folder.list().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(sshd.logins(), 1, "{}", sshd.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_several_megabytes_goes_and_comes_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(dir.path());
    let folder = key_folder(&sshd);
    // 8 MiB that no chunking mistake leaves equal: each 4-byte word is its own offset.
    let big: Vec<u8> = (0..2 * 1024 * 1024u32).flat_map(u32::to_le_bytes).collect();

    let started = Instant::now();
    folder.write_new("big.hl7", &big).await.unwrap();
    let wrote = started.elapsed();
    assert!(std::fs::read(sshd.root.join("big.hl7")).unwrap() == big);

    let started = Instant::now();
    let back = folder.read("big.hl7").await.unwrap();
    let read = started.elapsed();
    assert_eq!(back.len(), big.len());
    assert!(back == big);
    let mib = big.len() as f64 / (1024.0 * 1024.0);
    eprintln!(
        "8 MiB over SFTP on loopback: write {:.1} MiB/s, read {:.1} MiB/s",
        mib / wrote.as_secs_f64(),
        mib / read.as_secs_f64()
    );
}
