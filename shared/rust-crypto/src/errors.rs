use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::PyErr;

use crate::primitives::Failure;

pyo3::create_exception!(
    k_services_crypto,
    DecryptionError,
    PyValueError,
    "Raised when a value cannot be authenticated or decoded (wrong key, wrong context, altered or malformed value)."
);

pub fn toPyErr(failure: Failure) -> PyErr {
    match failure {
        Failure::Invalid(message) => PyValueError::new_err(message),
        Failure::Decrypt(message) => DecryptionError::new_err(message),
        Failure::Random => PyRuntimeError::new_err("the system random source failed"),
    }
}
