// Raw primitives: HKDF-SHA256, Argon2id, AES-256-GCM, system randomness, base64url.
// Nothing here touches Python, so every function can run with the GIL released.
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 12;
pub const SALT_LEN: usize = 16;
pub const TAG_LEN: usize = 16;
const HKDF_MAX_LEN: usize = 255 * 32;

#[derive(Debug)]
pub enum Failure {
    // Caller error (wrong sizes, bad parameters): ValueError.
    Invalid(String),
    // Authentication or format failure on decryption: DecryptionError.
    Decrypt(&'static str),
    // The operating system's random source failed: RuntimeError.
    Random,
}

struct OkmLen(usize);

impl hkdf::KeyType for OkmLen {
    fn len(&self) -> usize {
        self.0
    }
}

pub fn hkdfSha256Into(ikm: &[u8], salt: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), Failure> {
    if out.is_empty() || out.len() > HKDF_MAX_LEN {
        return Err(Failure::Invalid(format!("length must be between 1 and {}", HKDF_MAX_LEN)));
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let infoParts = [info];
    let okm = prk
        .expand(&infoParts, OkmLen(out.len()))
        .map_err(|_| Failure::Invalid("hkdf length rejected".into()))?;
    okm.fill(out).map_err(|_| Failure::Invalid("hkdf length rejected".into()))
}

pub fn hkdfSha256(ikm: &[u8], salt: &[u8], info: &[u8], length: usize) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let mut out = Zeroizing::new(vec![0u8; length]);
    hkdfSha256Into(ikm, salt, info, &mut out)?;
    Ok(out)
}

// Record key: HKDF-SHA256(ikm = KEK, salt = record salt, info = context), 32 bytes.
pub fn recordKey(kek: &[u8], salt: &[u8], context: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, Failure> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    hkdfSha256Into(kek, salt, context, &mut key[..])?;
    Ok(key)
}

pub struct Argon2Params<'a> {
    pub memoryKib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub secret: &'a [u8],
    pub ad: &'a [u8],
}

pub fn argon2id(password: &[u8], salt: &[u8], params: &Argon2Params, length: u32) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let config = argon2::Config {
        variant: argon2::Variant::Argon2id,
        version: argon2::Version::Version13,
        mem_cost: params.memoryKib,
        time_cost: params.iterations,
        lanes: params.parallelism,
        thread_mode: if params.parallelism > 1 {
            argon2::ThreadMode::Parallel
        } else {
            argon2::ThreadMode::Sequential
        },
        secret: params.secret,
        ad: params.ad,
        hash_length: length,
    };
    argon2::hash_raw(password, salt, &config)
        .map(Zeroizing::new)
        .map_err(|error| Failure::Invalid(format!("argon2id: {}", error)))
}

fn aeadKey(key: &[u8]) -> Result<LessSafeKey, Failure> {
    let unbound = UnboundKey::new(&aead::AES_256_GCM, key)
        .map_err(|_| Failure::Invalid(format!("key must be {} bytes", KEY_LEN)))?;
    Ok(LessSafeKey::new(unbound))
}

fn nonceFrom(nonce: &[u8]) -> Result<Nonce, Failure> {
    Nonce::try_assume_unique_for_key(nonce).map_err(|_| Failure::Invalid(format!("nonce must be {} bytes", NONCE_LEN)))
}

// Returns ciphertext || 16-byte tag.
pub fn aesGcmSeal(key: &[u8], nonce: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, Failure> {
    let sealingKey = aeadKey(key)?;
    let nonce = nonceFrom(nonce)?;
    let mut buffer = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buffer.extend_from_slice(plaintext);
    sealingKey
        .seal_in_place_append_tag(nonce, Aad::from(aad), &mut buffer)
        .map_err(|_| Failure::Invalid("plaintext too long".into()))?;
    Ok(buffer)
}

// Takes ciphertext || tag; the buffer is zeroised on every path, so no unauthenticated byte escapes.
pub fn aesGcmOpen(key: &[u8], nonce: &[u8], sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let openingKey = aeadKey(key)?;
    let nonce = nonceFrom(nonce)?;
    if sealed.len() < TAG_LEN {
        return Err(Failure::Decrypt("ciphertext shorter than the tag"));
    }
    let mut buffer = Zeroizing::new(sealed.to_vec());
    let plainLen = openingKey
        .open_in_place(nonce, Aad::from(aad), &mut buffer[..])
        .map_err(|_| Failure::Decrypt("authentication failed: wrong key, wrong context or altered value"))?
        .len();
    buffer.truncate(plainLen);
    Ok(buffer)
}

pub fn randomBytes(out: &mut [u8]) -> Result<(), Failure> {
    SystemRandom::new().fill(out).map_err(|_| Failure::Random)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn base64UrlEncode(data: &[u8]) -> String {
    let mut out = String::with_capacity((data.len() * 4 + 2) / 3);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn b64Value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

// Strict: unpadded alphabet only, and non-canonical trailing bits are rejected, so every
// distinct string maps to distinct bytes (no silent malleability of the stored form).
pub fn base64UrlDecode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n: u32 = 0;
        for (i, c) in chunk.iter().enumerate() {
            n |= b64Value(*c)? << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        let unusedMask: u32 = match produced {
            3 => 0,
            2 => 0xff,
            _ => 0xffff,
        };
        if n & unusedMask != 0 {
            return None;
        }
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}
