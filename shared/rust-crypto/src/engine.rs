// The record construction: KEK = Argon2id(master key), record key = HKDF(KEK, salt, context),
// AES-256-GCM with the context as associated data, and the versioned string form.
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use zeroize::Zeroizing;

use crate::buffers::filledBytes;
use crate::errors::toPyErr;
use crate::primitives::{self, Argon2Params, Failure, KEY_LEN, NONCE_LEN, SALT_LEN, TAG_LEN};

pub const FORMAT_VERSION: u8 = 1;
pub const KEK_SALT: &[u8] = b"kservices/kek/v1";
pub const MIN_MASTER_KEY_LEN: usize = 32;
const HEADER_LEN: usize = 2;
const FIXED_LEN: usize = HEADER_LEN + SALT_LEN + NONCE_LEN;

// Registered Argon2id parameter sets (id, memory KiB, iterations, parallelism). Id 0 means
// "parameters configured by the deployment", not described by the value itself.
pub const PARAMS_CUSTOM: u8 = 0;
pub const PARAM_SETS: [(u8, u32, u32, u32); 2] = [(1, 19456, 2, 1), (2, 65536, 3, 4)];

pub fn paramsIdFor(memoryKib: u32, iterations: u32, parallelism: u32) -> u8 {
    PARAM_SETS
        .iter()
        .find(|set| set.1 == memoryKib && set.2 == iterations && set.3 == parallelism)
        .map_or(PARAMS_CUSTOM, |set| set.0)
}

// A stored value that is not even encodable as UTF-8 (lone surrogates) is garbage, not a caller error.
fn storedText(value: &PyString) -> PyResult<&str> {
    value
        .to_str()
        .map_err(|_| toPyErr(Failure::Decrypt("value is not canonical base64url")))
}

#[pyclass(module = "k_services_crypto")]
pub struct CryptoOutput {
    #[pyo3(get)]
    pub ciphertext: Py<PyBytes>,
    #[pyo3(get)]
    pub salt: Py<PyBytes>,
    #[pyo3(get)]
    pub nonce: Py<PyBytes>,
}

#[pymethods]
impl CryptoOutput {
    #[new]
    fn new(ciphertext: Py<PyBytes>, salt: Py<PyBytes>, nonce: Py<PyBytes>) -> Self {
        CryptoOutput {
            ciphertext,
            salt,
            nonce,
        }
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "CryptoOutput(ciphertext=<{} bytes>, salt=<{} bytes>, nonce=<{} bytes>)",
            self.ciphertext.as_ref(py).as_bytes().len(),
            self.salt.as_ref(py).as_bytes().len(),
            self.nonce.as_ref(py).as_bytes().len()
        )
    }
}

struct Sealed {
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

#[pyclass(module = "k_services_crypto")]
pub struct RecordCipher {
    kek: Zeroizing<[u8; KEY_LEN]>,
    paramsId: u8,
}

fn freshSaltAndNonce() -> Result<([u8; SALT_LEN], [u8; NONCE_LEN]), Failure> {
    let mut fresh = [0u8; SALT_LEN + NONCE_LEN];
    primitives::randomBytes(&mut fresh)?;
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    salt.copy_from_slice(&fresh[..SALT_LEN]);
    nonce.copy_from_slice(&fresh[SALT_LEN..]);
    Ok((salt, nonce))
}

impl RecordCipher {
    fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Sealed, Failure> {
        let (salt, nonce) = freshSaltAndNonce()?;
        let key = primitives::recordKey(&self.kek[..], &salt, context)?;
        let ciphertext = primitives::aesGcmSeal(&key[..], &nonce, plaintext, context)?;
        Ok(Sealed {
            salt,
            nonce,
            ciphertext,
        })
    }

    // Seals straight into `buffer` (plaintext.len() + TAG_LEN bytes), saving one copy.
    fn sealInto(
        &self,
        salt: &[u8],
        nonce: &[u8],
        plaintext: &[u8],
        context: &[u8],
        buffer: &mut [u8],
    ) -> Result<(), Failure> {
        let plainLen = plaintext.len();
        buffer
            .get_mut(..plainLen)
            .ok_or_else(|| Failure::Invalid("output buffer too small".into()))?
            .copy_from_slice(plaintext);
        let key = primitives::recordKey(&self.kek[..], salt, context)?;
        primitives::aesGcmSealInto(&key[..], nonce, context, buffer)
    }

    fn open(
        &self,
        salt: &[u8],
        nonce: &[u8],
        ciphertext: &[u8],
        context: &[u8],
    ) -> Result<Vec<u8>, Failure> {
        if salt.len() != SALT_LEN || nonce.len() != NONCE_LEN || ciphertext.len() < TAG_LEN {
            return Err(Failure::Decrypt("malformed salt, nonce or ciphertext"));
        }
        let key = primitives::recordKey(&self.kek[..], salt, context)?;
        primitives::aesGcmOpen(&key[..], nonce, ciphertext, context)
    }

    fn encodeParts(&self, salt: &[u8], nonce: &[u8], ciphertext: &[u8]) -> String {
        let mut raw = Vec::with_capacity(FIXED_LEN + ciphertext.len());
        raw.push(FORMAT_VERSION);
        raw.push(self.paramsId);
        raw.extend_from_slice(salt);
        raw.extend_from_slice(nonce);
        raw.extend_from_slice(ciphertext);
        primitives::base64UrlEncode(&raw)
    }

    // Returns the raw bytes; salt, nonce and ciphertext are slices at fixed offsets.
    fn decodeRaw(&self, value: &str) -> Result<Vec<u8>, Failure> {
        let raw = primitives::base64UrlDecode(value)
            .ok_or(Failure::Decrypt("value is not canonical base64url"))?;
        if raw.len() < FIXED_LEN + TAG_LEN {
            return Err(Failure::Decrypt("value too short"));
        }
        if raw[0] != FORMAT_VERSION {
            return Err(Failure::Decrypt("unknown format version"));
        }
        if raw[1] != self.paramsId {
            return Err(Failure::Decrypt(
                "value was written under another Argon2id parameter set",
            ));
        }
        Ok(raw)
    }

    fn openString(&self, value: &str, context: &[u8]) -> Result<Vec<u8>, Failure> {
        let raw = self.decodeRaw(value)?;
        let (salt, rest) = raw[HEADER_LEN..].split_at(SALT_LEN);
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        self.open(salt, nonce, ciphertext, context)
    }
}

#[pymethods]
impl RecordCipher {
    #[new]
    #[args(memoryKib = "19456", iterations = "2", parallelism = "1")]
    fn new(
        py: Python<'_>,
        masterKey: &[u8],
        memoryKib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> PyResult<Self> {
        if masterKey.len() < MIN_MASTER_KEY_LEN {
            return Err(toPyErr(Failure::Invalid(format!(
                "master key must be at least {} bytes",
                MIN_MASTER_KEY_LEN
            ))));
        }
        let params = Argon2Params {
            memoryKib,
            iterations,
            parallelism,
            secret: &[],
            ad: &[],
        };
        let derived = py
            .allow_threads(|| primitives::argon2id(masterKey, KEK_SALT, &params, KEY_LEN as u32))
            .map_err(toPyErr)?;
        let mut kek = Zeroizing::new([0u8; KEY_LEN]);
        kek.copy_from_slice(&derived[..]);
        Ok(RecordCipher {
            kek,
            paramsId: paramsIdFor(memoryKib, iterations, parallelism),
        })
    }

    #[getter]
    fn paramsId(&self) -> u8 {
        self.paramsId
    }

    fn encrypt(&self, py: Python<'_>, plaintext: &[u8], context: &str) -> PyResult<CryptoOutput> {
        let (salt, nonce) = freshSaltAndNonce().map_err(toPyErr)?;
        let sealedLen = plaintext
            .len()
            .checked_add(TAG_LEN)
            .ok_or_else(|| toPyErr(Failure::Invalid("plaintext too long".into())))?;
        let ciphertext = filledBytes(py, sealedLen, |buffer| {
            self.sealInto(&salt, &nonce, plaintext, context.as_bytes(), buffer)
        })?;
        Ok(CryptoOutput {
            ciphertext,
            salt: PyBytes::new(py, &salt).into(),
            nonce: PyBytes::new(py, &nonce).into(),
        })
    }

    fn decrypt(
        &self,
        py: Python<'_>,
        output: PyRef<'_, CryptoOutput>,
        context: &str,
    ) -> PyResult<Py<PyBytes>> {
        let salt = output.salt.as_ref(py).as_bytes();
        let nonce = output.nonce.as_ref(py).as_bytes();
        let ciphertext = output.ciphertext.as_ref(py).as_bytes();
        let plainLen = ciphertext.len().saturating_sub(TAG_LEN);
        filledBytes(py, plainLen, |buffer| {
            buffer.copy_from_slice(&self.open(salt, nonce, ciphertext, context.as_bytes())?);
            Ok(())
        })
    }

    fn encode(&self, py: Python<'_>, output: PyRef<'_, CryptoOutput>) -> String {
        self.encodeParts(
            output.salt.as_ref(py).as_bytes(),
            output.nonce.as_ref(py).as_bytes(),
            output.ciphertext.as_ref(py).as_bytes(),
        )
    }

    fn decode(&self, py: Python<'_>, value: &PyString) -> PyResult<CryptoOutput> {
        let raw = self.decodeRaw(storedText(value)?).map_err(toPyErr)?;
        let body = &raw[HEADER_LEN..];
        Ok(CryptoOutput {
            salt: PyBytes::new(py, &body[..SALT_LEN]).into(),
            nonce: PyBytes::new(py, &body[SALT_LEN..SALT_LEN + NONCE_LEN]).into(),
            ciphertext: PyBytes::new(py, &body[SALT_LEN + NONCE_LEN..]).into(),
        })
    }

    fn encryptToString(&self, py: Python<'_>, plaintext: &[u8], context: &str) -> PyResult<String> {
        py.allow_threads(|| {
            let sealed = self.seal(plaintext, context.as_bytes())?;
            Ok(self.encodeParts(&sealed.salt, &sealed.nonce, &sealed.ciphertext))
        })
        .map_err(toPyErr)
    }

    fn decryptString(
        &self,
        py: Python<'_>,
        value: &PyString,
        context: &str,
    ) -> PyResult<Py<PyBytes>> {
        let value = storedText(value)?;
        let plain = py
            .allow_threads(|| self.openString(value, context.as_bytes()))
            .map_err(toPyErr)?;
        filledBytes(py, plain.len(), |buffer| {
            buffer.copy_from_slice(&plain);
            Ok(())
        })
    }

    fn __repr__(&self) -> String {
        format!("RecordCipher(paramsId={})", self.paramsId)
    }
}
