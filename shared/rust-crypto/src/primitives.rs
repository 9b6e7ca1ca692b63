// Raw primitives: HKDF-SHA256, Argon2id, AES-256-GCM, system randomness, base64url.
// Nothing here touches Python, so every function can run with the GIL released.
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::{Zeroize, Zeroizing};

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

fn checkHkdfLength(length: usize) -> Result<(), Failure> {
    if length == 0 || length > HKDF_MAX_LEN {
        return Err(Failure::Invalid(format!(
            "length must be between 1 and {}",
            HKDF_MAX_LEN
        )));
    }
    Ok(())
}

pub fn hkdfSha256Into(ikm: &[u8], salt: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), Failure> {
    checkHkdfLength(out.len())?;
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let infoParts = [info];
    let okm = prk
        .expand(&infoParts, OkmLen(out.len()))
        .map_err(|_| Failure::Invalid("hkdf length rejected".into()))?;
    okm.fill(out)
        .map_err(|_| Failure::Invalid("hkdf length rejected".into()))
}

pub fn hkdfSha256(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    length: usize,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    // Before the allocation: a huge length would panic ("capacity overflow") or abort, not raise ValueError.
    checkHkdfLength(length)?;
    let mut out = Zeroizing::new(vec![0u8; length]);
    hkdfSha256Into(ikm, salt, info, &mut out)?;
    Ok(out)
}

// Record key: HKDF-SHA256(ikm = KEK, salt = record salt, info = context), 32 bytes.
pub fn recordKey(
    kek: &[u8],
    salt: &[u8],
    context: &[u8],
) -> Result<Zeroizing<[u8; KEY_LEN]>, Failure> {
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

pub fn argon2id(
    password: &[u8],
    salt: &[u8],
    params: &Argon2Params,
    length: u32,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
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
    Nonce::try_assume_unique_for_key(nonce)
        .map_err(|_| Failure::Invalid(format!("nonce must be {} bytes", NONCE_LEN)))
}

// Returns ciphertext || 16-byte tag.
pub fn aesGcmSeal(
    key: &[u8],
    nonce: &[u8],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, Failure> {
    let mut buffer = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buffer.extend_from_slice(plaintext);
    buffer.extend_from_slice(&[0u8; TAG_LEN]);
    aesGcmSealInto(key, nonce, aad, &mut buffer)?;
    Ok(buffer)
}

// `buffer` holds the plaintext followed by TAG_LEN spare bytes; on return it holds ciphertext || tag.
pub fn aesGcmSealInto(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<(), Failure> {
    let sealingKey = aeadKey(key)?;
    let nonce = nonceFrom(nonce)?;
    let plainLen = buffer
        .len()
        .checked_sub(TAG_LEN)
        .ok_or_else(|| Failure::Invalid("buffer has no room for the tag".into()))?;
    let (data, tagOut) = buffer.split_at_mut(plainLen);
    let tag = sealingKey
        .seal_in_place_separate_tag(nonce, Aad::from(aad), data)
        .map_err(|_| Failure::Invalid("plaintext too long".into()))?;
    tagOut.copy_from_slice(tag.as_ref());
    Ok(())
}

// Takes ciphertext || tag. On failure the buffer is zeroised before it is freed, so no
// unauthenticated plaintext lingers; on success the plaintext goes straight to the caller.
pub fn aesGcmOpen(key: &[u8], nonce: &[u8], sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, Failure> {
    let openingKey = aeadKey(key)?;
    let nonce = nonceFrom(nonce)?;
    if sealed.len() < TAG_LEN {
        return Err(Failure::Decrypt("ciphertext shorter than the tag"));
    }
    let mut buffer = sealed.to_vec();
    let plainLen = match openingKey.open_in_place(nonce, Aad::from(aad), &mut buffer[..]) {
        Ok(plain) => plain.len(),
        Err(_) => {
            buffer.zeroize();
            return Err(Failure::Decrypt(
                "authentication failed: wrong key, wrong context or altered value",
            ));
        }
    };
    buffer.truncate(plainLen);
    Ok(buffer)
}

pub fn randomBytes(out: &mut [u8]) -> Result<(), Failure> {
    SystemRandom::new().fill(out).map_err(|_| Failure::Random)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const INVALID: u8 = 0xff;

const fn decodeTable() -> [u8; 256] {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[B64[i] as usize] = i as u8;
        i += 1;
    }
    table
}

static DECODE: [u8; 256] = decodeTable();

pub fn base64UrlEncode(data: &[u8]) -> String {
    let mut out = Vec::with_capacity((data.len() * 4 + 2) / 3);
    let mut chunks = data.chunks_exact(3);
    for chunk in &mut chunks {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        out.extend_from_slice(&[
            B64[(n >> 18) as usize & 63],
            B64[(n >> 12) as usize & 63],
            B64[(n >> 6) as usize & 63],
            B64[n as usize & 63],
        ]);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let second = rest.get(1).copied().unwrap_or(0);
        let n = (u32::from(rest[0]) << 16) | (u32::from(second) << 8);
        out.push(B64[(n >> 18) as usize & 63]);
        out.push(B64[(n >> 12) as usize & 63]);
        if rest.len() == 2 {
            out.push(B64[(n >> 6) as usize & 63]);
        }
    }
    // Every byte comes from the ASCII alphabet, so this conversion cannot fail.
    String::from_utf8(out).unwrap_or_default()
}

// Strict: unpadded alphabet only, and non-canonical trailing bits are rejected, so every
// distinct string maps to distinct bytes (no silent malleability of the stored form).
pub fn base64UrlDecode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    let mut invalid = 0u8;
    let mut chunks = bytes.chunks_exact(4);
    for chunk in &mut chunks {
        let (a, b, c, d) = (
            DECODE[chunk[0] as usize],
            DECODE[chunk[1] as usize],
            DECODE[chunk[2] as usize],
            DECODE[chunk[3] as usize],
        );
        invalid |= a | b | c | d;
        let n = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(c) << 6) | u32::from(d);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    if invalid & 0xc0 != 0 {
        return None;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut n: u32 = 0;
        for (i, c) in rest.iter().enumerate() {
            let value = DECODE[*c as usize];
            if value == INVALID {
                return None;
            }
            n |= u32::from(value) << (18 - 6 * i);
        }
        let produced = rest.len() - 1;
        let unusedMask: u32 = if produced == 2 { 0xff } else { 0xffff };
        if n & unusedMask != 0 {
            return None;
        }
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}
