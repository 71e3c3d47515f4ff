//! Writes a self-signed certificate and its private key for `localhost`, `127.0.0.1` and
//! `::1` (ECDSA P-256, made with rcgen) as `cert.pem` and `key.pem` in a directory: what
//! `https_server` and its tokio twin serve in scripts/load.sh, and what a client trusts
//! (`curl --cacert DIR/cert.pem`). For trying things out on one machine, not for a real
//! site.
//!
//! ```text
//! cargo run -p eddy-interop --example gen_cert -- /tmp/eddy-tls
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The names the certificate is good for.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match &args[..] {
        [] => PathBuf::from("."),
        [dir] => PathBuf::from(dir),
        _ => {
            eprintln!("usage: gen_cert [DIR]   (writes DIR/cert.pem and DIR/key.pem; DIR: .)");
            return ExitCode::from(2);
        }
    };
    match write_pair(&dir) {
        Ok((cert, key)) => {
            println!("{}\n{}", cert.display(), key.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gen_cert: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Makes the pair and writes it into `dir` (created if missing); returns both paths.
fn write_pair(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    let names: Vec<String> = NAMES.iter().map(|name| name.to_string()).collect();
    let pair = rcgen::generate_simple_self_signed(names)
        .map_err(|err| format!("cannot make a certificate: {err}"))?;
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    for (path, pem) in [
        (&cert, pair.cert.pem()),
        (&key, pair.signing_key.serialize_pem()),
    ] {
        std::fs::write(path, pem)
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    }
    Ok((cert, key))
}
