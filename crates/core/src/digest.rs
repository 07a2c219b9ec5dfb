//! SHA-256 of inputs and outputs, for the audit trail in `summary.json`.

/// SHA-256 of everything `reader` yields, as lowercase hex, read in 1 MiB pieces.
pub fn sha256_hex(mut reader: impl std::io::Read) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
