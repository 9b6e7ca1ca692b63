// Output bytes objects filled with the GIL released, so page faults and copies of large values do
// not stall other Python threads.
#![allow(unsafe_code)]
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{ffi, AsPyPointer};

use crate::errors::toPyErr;
use crate::primitives::Failure;

// `fill` must write every byte of the buffer when it returns Ok; on Err the object is freed unseen.
pub fn filledBytes<F>(py: Python<'_>, len: usize, fill: F) -> PyResult<Py<PyBytes>>
where
    F: FnOnce(&mut [u8]) -> Result<(), Failure> + Send,
{
    let size = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| toPyErr(Failure::Invalid("value too long".into())))?;
    // SAFETY: a NULL source asks CPython for an uninitialised bytes object of `size` bytes; the new
    // reference is owned by `object` and nothing else can see it until this function returns it.
    let object: Py<PyBytes> =
        unsafe { Py::from_owned_ptr_or_err(py, ffi::PyBytes_FromStringAndSize(std::ptr::null(), size))? };
    // SAFETY: the buffer is `len` bytes owned by `object`, alive for this whole call and aliased nowhere.
    let buffer: &mut [u8] =
        unsafe { std::slice::from_raw_parts_mut(ffi::PyBytes_AsString(object.as_ptr()) as *mut u8, len) };
    py.allow_threads(|| fill(buffer)).map_err(toPyErr)?;
    Ok(object)
}
