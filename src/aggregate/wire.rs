//! The exact integer state of an aggregate as bytes, for partial results that merge (`run
//! --shard`, `merge`): little-endian integers, `f64` by its bits, vectors length-first. A
//! decoded aggregate equals the encoded one, so merging decoded shares is merging the shares.

/// Why bytes are not an aggregate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct WireError(pub String);

/// Bytes being written.
#[derive(Debug, Default)]
pub struct Writer {
    /// What is written so far.
    pub bytes: Vec<u8>,
}

impl Writer {
    /// A u64.
    pub fn u64(&mut self, x: u64) {
        self.bytes.extend_from_slice(&x.to_le_bytes());
    }
    /// An i32.
    pub fn i32(&mut self, x: i32) {
        self.bytes.extend_from_slice(&x.to_le_bytes());
    }
    /// An i128.
    pub fn i128(&mut self, x: i128) {
        self.bytes.extend_from_slice(&x.to_le_bytes());
    }
    /// An f64, by its bits.
    pub fn f64(&mut self, x: f64) {
        self.u64(x.to_bits());
    }
    /// A string, length first.
    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }
    /// u64s, length first.
    pub fn u64s(&mut self, xs: &[u64]) {
        self.u64(xs.len() as u64);
        for &x in xs {
            self.u64(x);
        }
    }
}

/// Bytes being read.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Reads from the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let end = self.at + N;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| WireError(format!("truncated at byte {}", self.at)))?;
        self.at = end;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    /// A u64.
    pub fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    /// An i32.
    pub fn i32(&mut self) -> Result<i32, WireError> {
        Ok(i32::from_le_bytes(self.take()?))
    }
    /// An i128.
    pub fn i128(&mut self) -> Result<i128, WireError> {
        Ok(i128::from_le_bytes(self.take()?))
    }
    /// An f64.
    pub fn f64(&mut self) -> Result<f64, WireError> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// A length, checked against what is left (a corrupt length must not allocate wildly).
    pub fn len(&mut self, item_bytes: usize) -> Result<usize, WireError> {
        let n = self.u64()? as usize;
        if n.saturating_mul(item_bytes.max(1)) > self.bytes.len() - self.at {
            return Err(WireError(format!(
                "a length of {n} at byte {} runs past the end",
                self.at
            )));
        }
        Ok(n)
    }
    /// A string.
    pub fn str(&mut self) -> Result<String, WireError> {
        let n = self.len(1)?;
        let bytes = &self.bytes[self.at..self.at + n];
        self.at += n;
        String::from_utf8(bytes.to_vec()).map_err(|e| WireError(e.to_string()))
    }
    /// u64s.
    pub fn u64s(&mut self) -> Result<Vec<u64>, WireError> {
        let n = self.len(8)?;
        (0..n).map(|_| self.u64()).collect()
    }
    /// Whether every byte was read.
    pub fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

/// A decoded share checked against the empty value of the same run (the shape its scenario
/// implies: months, variants, options) and the share's trial count, before anything is merged:
/// a damaged or forged file is refused with what is wrong, never indexed out of bounds or
/// allowed to allocate what its numbers say.
pub trait Conform {
    /// Whether `self` has `empty`'s shape and counts no more than `trials` trials.
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), WireError>;
}

/// Fails with `what` unless `ok`.
pub fn expect(ok: bool, what: impl FnOnce() -> String) -> Result<(), WireError> {
    if ok { Ok(()) } else { Err(WireError(what())) }
}

impl<T: Conform> Conform for Vec<T> {
    fn conform(&self, empty: &Self, trials: u64) -> Result<(), WireError> {
        expect(self.len() == empty.len(), || {
            format!(
                "{} entries where the scenario has {}",
                self.len(),
                empty.len()
            )
        })?;
        for (x, e) in self.iter().zip(empty) {
            x.conform(e, trials)?;
        }
        Ok(())
    }
}

/// A value with an exact byte form.
pub trait Wire: Sized {
    /// Writes it.
    fn put(&self, w: &mut Writer);
    /// Reads it back.
    fn get(r: &mut Reader) -> Result<Self, WireError>;
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer) {
        w.u64(self.len() as u64);
        for x in self {
            x.put(w);
        }
    }
    fn get(r: &mut Reader) -> Result<Self, WireError> {
        let n = r.len(8)?;
        (0..n).map(|_| T::get(r)).collect()
    }
}
