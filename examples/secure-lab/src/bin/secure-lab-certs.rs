//! `secure-lab-certs [FOLDER]`: the certificates for trying the secure lab interface out, as
//! PEM files in FOLDER (default `tls`): a demo CA, and signed by it the engine's listener
//! certificate, the lab's client certificate, the engine's client certificate for the EHR, and
//! the stand-in EHR's certificate. The CA's key is not kept, so nothing else can be signed with
//! it. They are valid for a year from today. For a demo only: production certificates come
//! from the organisation's CA.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};

/// The names the server certificates carry: the demo runs on loopback.
const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// One certificate to make: its file stem, common name, and whether it serves or connects.
struct Leaf {
    stem: &'static str,
    name: &'static str,
    purpose: ExtendedKeyUsagePurpose,
    role: &'static str,
}

const LEAVES: [Leaf; 4] = [
    Leaf {
        stem: "engine",
        name: "secure-lab engine",
        purpose: ExtendedKeyUsagePurpose::ServerAuth,
        role: "the engine's listener (the lab checks it)",
    },
    Leaf {
        stem: "lab",
        name: "lab",
        purpose: ExtendedKeyUsagePurpose::ClientAuth,
        role: "the lab's client certificate (the engine checks it)",
    },
    Leaf {
        stem: "engine-client",
        name: "secure-lab engine",
        purpose: ExtendedKeyUsagePurpose::ClientAuth,
        role: "the engine's client certificate (the EHR checks it)",
    },
    Leaf {
        stem: "ehr",
        name: "ehr",
        purpose: ExtendedKeyUsagePurpose::ServerAuth,
        role: "the stand-in EHR's certificate (the engine checks it)",
    },
];

fn main() -> ExitCode {
    let folder = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("tls"), PathBuf::from);
    match generate(&folder) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn generate(folder: &Path) -> Result<(), String> {
    if folder.join("ca.pem").exists() {
        return Err(format!(
            "{} already holds certificates; delete the folder to make new ones",
            folder.display()
        ));
    }
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let failed = |e: rcgen::Error| format!("cannot make a certificate: {e}");
    let ca_key = KeyPair::generate().map_err(failed)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "secure-lab demo CA");
    valid_for_a_year(&mut ca);
    let ca_cert = ca.self_signed(&ca_key).map_err(failed)?;
    write(folder, "ca.pem", &ca_cert.pem(), false)?;
    println!("{}: the demo CA", folder.join("ca.pem").display());
    let issuer = Issuer::new(ca, ca_key);
    for leaf in &LEAVES {
        let names = match leaf.purpose {
            ExtendedKeyUsagePurpose::ServerAuth => SERVER_NAMES.map(str::to_owned).to_vec(),
            _ => Vec::new(),
        };
        let key = KeyPair::generate().map_err(failed)?;
        let mut params = CertificateParams::new(names).map_err(failed)?;
        params
            .distinguished_name
            .push(DnType::CommonName, leaf.name);
        params.extended_key_usages = vec![leaf.purpose.clone()];
        valid_for_a_year(&mut params);
        let cert = params.signed_by(&key, &issuer).map_err(failed)?;
        write(
            folder,
            &format!("{}-key.pem", leaf.stem),
            &key.serialize_pem(),
            true,
        )?;
        write(folder, &format!("{}.pem", leaf.stem), &cert.pem(), false)?;
        println!(
            "{}: {}",
            folder.join(format!("{}.pem", leaf.stem)).display(),
            leaf.role
        );
    }
    Ok(())
}

/// Valid from the start of today (UTC) for a year.
fn valid_for_a_year(params: &mut CertificateParams) {
    // "YYYYMMDD…", from the same clock and calendar the engine writes MSH-7 with.
    let today = messagefoundry::hl7::hl7_timestamp(SystemTime::now());
    let part = |range: std::ops::Range<usize>| today[range].parse().unwrap_or(1);
    params.not_before = rcgen::date_time_ymd(part(0..4), part(4..6) as u8, part(6..8) as u8);
    params.not_after = params.not_before + Duration::from_secs(365 * 86_400);
}

/// Writes a PEM file; a key readable by its owner only.
fn write(folder: &Path, name: &str, text: &str, secret: bool) -> Result<(), String> {
    let path = folder.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
