#![allow(non_snake_case)]
#![deny(unsafe_code)] // allowed only in buffers.rs
// Python module k_services_crypto: see docs/crypto.md for the construction and byte layout.
use pyo3::prelude::*;
use pyo3::types::PyBytes;

mod buffers;
mod engine;
mod errors;
mod primitives;

use engine::{CryptoOutput, RecordCipher};
use errors::{toPyErr, DecryptionError};
use primitives::{Argon2Params, KEY_LEN};

#[pyfunction]
fn hkdfSha256(
    py: Python<'_>,
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    length: usize,
) -> PyResult<Py<PyBytes>> {
    let out = primitives::hkdfSha256(ikm, salt, info, length).map_err(toPyErr)?;
    Ok(PyBytes::new(py, &out).into())
}

#[pyfunction(secret = "None", ad = "None")]
#[allow(clippy::too_many_arguments)]
fn argon2id(
    py: Python<'_>,
    password: &[u8],
    salt: &[u8],
    memoryKib: u32,
    iterations: u32,
    parallelism: u32,
    length: u32,
    secret: Option<&[u8]>,
    ad: Option<&[u8]>,
) -> PyResult<Py<PyBytes>> {
    let params = Argon2Params {
        memoryKib,
        iterations,
        parallelism,
        secret: secret.unwrap_or(&[]),
        ad: ad.unwrap_or(&[]),
    };
    let out = py
        .allow_threads(|| primitives::argon2id(password, salt, &params, length))
        .map_err(toPyErr)?;
    Ok(PyBytes::new(py, &out).into())
}

#[pyfunction]
fn aesGcmEncrypt(
    py: Python<'_>,
    key: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: &[u8],
) -> PyResult<Py<PyBytes>> {
    let sealed = py
        .allow_threads(|| primitives::aesGcmSeal(key, nonce, plaintext, aad))
        .map_err(toPyErr)?;
    Ok(PyBytes::new(py, &sealed).into())
}

#[pyfunction]
fn aesGcmDecrypt(
    py: Python<'_>,
    key: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
    aad: &[u8],
) -> PyResult<Py<PyBytes>> {
    let plain = py
        .allow_threads(|| primitives::aesGcmOpen(key, nonce, ciphertext, aad))
        .map_err(toPyErr)?;
    Ok(PyBytes::new(py, &plain).into())
}

#[pyfunction]
fn recordKey(py: Python<'_>, kek: &[u8], salt: &[u8], context: &str) -> PyResult<Py<PyBytes>> {
    if kek.len() != KEY_LEN {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "kek must be 32 bytes",
        ));
    }
    let key = primitives::recordKey(kek, salt, context.as_bytes()).map_err(toPyErr)?;
    Ok(PyBytes::new(py, &key[..]).into())
}

#[pymodule]
fn k_services_crypto(py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add("DecryptionError", py.get_type::<DecryptionError>())?;
    m.add_class::<CryptoOutput>()?;
    m.add_class::<RecordCipher>()?;
    m.add_function(wrap_pyfunction!(hkdfSha256, m)?)?;
    m.add_function(wrap_pyfunction!(argon2id, m)?)?;
    m.add_function(wrap_pyfunction!(aesGcmEncrypt, m)?)?;
    m.add_function(wrap_pyfunction!(aesGcmDecrypt, m)?)?;
    m.add_function(wrap_pyfunction!(recordKey, m)?)?;
    m.add("FORMAT_VERSION", engine::FORMAT_VERSION)?;
    m.add("KEK_SALT", PyBytes::new(py, engine::KEK_SALT))?;
    m.add("PARAMS_CUSTOM", engine::PARAMS_CUSTOM)?;
    m.add("PARAM_SETS", engine::PARAM_SETS.to_vec())?;
    Ok(())
}
