//! A partial result: one share of a run's trials, as `run|compare|recommend --shard I/N
//! --partial FILE` writes it and `merge` reads it back. A header says what it is a share of,
//! so that shares of other inputs, seeds or trial counts are never merged; the body is the
//! exact integer state of what the command accumulates ([`super::wire`]: the comparison of
//! `run` and `compare`, the sweeps of `recommend`), so merged shares equal one run.
//!
//! Layout: the magic `HEADROOM-PARTIAL\n`, the format version (u64), then the header's fields
//! and the body in [`super::wire`]'s encoding, then the SHA-256 of everything before it (32
//! bytes): a file damaged anywhere, one bit or a truncation, is refused before it is read.
//! What a file's numbers say (trials, shares) is bounded before anything is allocated from them,
//! and the body is checked against the shape its scenario implies ([`super::wire::Conform`]).

use super::wire::{Reader, Wire, WireError, Writer};
use sha2::Digest;

/// The first bytes of every partial file.
pub const MAGIC: &[u8] = b"HEADROOM-PARTIAL\n";
/// The format this build writes and reads.
pub const FORMAT_VERSION: u64 = 2;
/// Bytes of the SHA-256 at the end.
const DIGEST: usize = 32;

/// What a share is a share of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// headroom's version that wrote it.
    pub headroom_version: String,
    /// `run`, `compare` or `recommend`: what the body holds.
    pub command: String,
    /// The scenario files, as given.
    pub scenarios: Vec<String>,
    /// SHA-256 of each scenario's inputs (the file, what it extends, its catalog).
    pub inputs_hashes: Vec<String>,
    /// Master seed.
    pub seed: u64,
    /// Trials of the whole run.
    pub trials: u64,
    /// This share's index, from 0 (Kubernetes' `JOB_COMPLETION_INDEX`).
    pub index: u64,
    /// Shares in all.
    pub shares: u64,
}

impl Header {
    /// Whether `other` is a share of the same run (everything but the index equal).
    pub fn same_run(&self, other: &Header) -> bool {
        Header {
            index: 0,
            ..self.clone()
        } == Header {
            index: 0,
            ..other.clone()
        }
    }
}

/// Encodes a share.
pub fn encode(header: &Header, body: &impl Wire) -> Vec<u8> {
    let mut w = Writer {
        bytes: MAGIC.to_vec(),
    };
    w.u64(FORMAT_VERSION);
    w.str(&header.headroom_version);
    w.str(&header.command);
    w.u64(header.scenarios.len() as u64);
    for (s, h) in header.scenarios.iter().zip(&header.inputs_hashes) {
        w.str(s);
        w.str(h);
    }
    w.u64(header.seed);
    w.u64(header.trials);
    w.u64(header.index);
    w.u64(header.shares);
    body.put(&mut w);
    let digest = sha2::Sha256::digest(&w.bytes);
    w.bytes.extend_from_slice(&digest);
    w.bytes
}

/// Why a file is not a share this build can merge.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PartialError {
    /// Not a partial file at all.
    #[error("not a headroom partial result (no HEADROOM-PARTIAL header)")]
    NotPartial,
    /// Another format version.
    #[error(
        "partial format version {0}; this headroom reads version {FORMAT_VERSION}: merge with the headroom that wrote it"
    )]
    Version(u64),
    /// Its checksum does not match its bytes.
    #[error(
        "damaged partial result: its SHA-256 does not match its contents (changed or cut short since it was written); play the share again"
    )]
    Checksum,
    /// Damaged.
    #[error("damaged partial result: {0}")]
    Damaged(#[from] WireError),
}

/// Decodes a share; `body` reads the body the header announces.
pub fn decode<B>(
    bytes: &[u8],
    body: impl FnOnce(&Header, &mut Reader) -> Result<B, WireError>,
) -> Result<(Header, B), PartialError> {
    let rest = bytes.strip_prefix(MAGIC).ok_or(PartialError::NotPartial)?;
    // The version first (another format is told as such, not as damage), then the checksum
    // over everything before the digest, then the fields.
    let mut r = Reader::new(rest);
    let version = r.u64()?;
    if version != FORMAT_VERSION {
        return Err(PartialError::Version(version));
    }
    let signed = rest
        .len()
        .checked_sub(DIGEST)
        .ok_or(PartialError::Checksum)?;
    let (content, digest) = rest.split_at(signed);
    if content.len() < 8 || sha2::Sha256::digest(&bytes[..MAGIC.len() + signed])[..] != digest[..] {
        return Err(PartialError::Checksum);
    }
    let mut r = Reader::new(&content[8..]);
    let headroom_version = r.str()?;
    let command = r.str()?;
    let n = r.len(16)?;
    let mut scenarios = Vec::with_capacity(n);
    let mut inputs_hashes = Vec::with_capacity(n);
    for _ in 0..n {
        scenarios.push(r.str()?);
        inputs_hashes.push(r.str()?);
    }
    let header = Header {
        headroom_version,
        command,
        scenarios,
        inputs_hashes,
        seed: r.u64()?,
        trials: r.u64()?,
        index: r.u64()?,
        shares: r.u64()?,
    };
    let body = body(&header, &mut r)?;
    if !r.done() {
        return Err(WireError("bytes after the end of the body".into()).into());
    }
    Ok((header, body))
}
