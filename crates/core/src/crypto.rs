//! End-to-end encryption for live sync through a relay (see docs/RELAY.md).
//!
//! A room is named by a random 128-bit [`RoomId`] and protected by a random
//! 256-bit [`RoomKey`] that only ever travels in a share link's `#fragment`
//! (which browsers never send to a server). From the key two independent
//! secrets are derived with HKDF-SHA-256:
//! - the **blob key** (AES-256-GCM) that seals every message, with a fresh
//!   random 96-bit nonce per message and the room id as associated data, so
//!   a blob cannot be replayed into another room;
//! - the **room token**, which the relay asks for before it lets a client
//!   read or write the room; the relay stores only its SHA-256 hash, so the
//!   relay learns nothing that opens a blob.
//!
//! Randomness (keys, ids, nonces) comes in from the caller, as everywhere
//! in this crate.

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Nonce,
};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};

use crate::ids::hex;

/// Format byte in front of every sealed blob.
const SEALED_V1: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const SALT: &[u8] = b"sms-workbook relay v1";

/// A room's id: 16 random bytes, written as 32 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub [u8; 16]);

impl RoomId {
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    pub fn parse(s: &str) -> Option<Self> {
        let bytes = unhex(s)?;
        Some(RoomId(bytes.try_into().ok()?))
    }
}

/// A room's secret key: 32 random bytes, written in base64url.
#[derive(Clone, PartialEq, Eq)]
pub struct RoomKey([u8; 32]);

impl std::fmt::Debug for RoomKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RoomKey(…)")
    }
}

/// Why a sealed blob could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the message is too short or of an unknown kind")]
    Malformed,
    #[error("the message was not sealed with this room's key, or was altered")]
    Forged,
}

impl RoomKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        RoomKey(bytes)
    }

    pub fn to_base64url(&self) -> String {
        b64::encode(&self.0)
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(RoomKey(b64::decode(s)?.try_into().ok()?))
    }

    fn derive(&self, info: &[u8]) -> [u8; 32] {
        let hk = Hkdf::<Sha256>::new(Some(SALT), &self.0);
        let mut out = [0u8; 32];
        hk.expand(info, &mut out)
            .expect("32 bytes is a valid HKDF-SHA-256 length");
        out
    }

    /// What a client shows the relay to read or write the room.
    pub fn token(&self) -> [u8; 32] {
        self.derive(b"room token")
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.derive(b"blob key").into())
    }

    /// Seals `plain` for room `room` with `nonce` (12 fresh random bytes;
    /// never reuse one with the same key).
    pub fn seal(&self, room: &RoomId, nonce: [u8; NONCE_LEN], plain: &[u8]) -> Vec<u8> {
        seal_with(&self.cipher(), &room.0, nonce, plain)
    }

    /// Opens a blob sealed by [`Self::seal`] for `room`; anything altered,
    /// truncated, sealed with another key or for another room is refused.
    pub fn open(&self, room: &RoomId, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.cipher(), &room.0, sealed)
    }
}

/// Bytes of a file in each sealed part sent through the relay (1 MiB): in
/// base64url a sealed part stays well below the relay's 2 MiB frame.
pub const FILE_PART_BYTES: usize = 1024 * 1024;
/// Most parts a file may have (a 50 MiB attachment has 50).
pub const MAX_FILE_PARTS: u32 = 64;

impl RoomKey {
    /// The id an attached file (by its SHA-256) has in this room: keyed
    /// with the room key (HMAC-SHA-256 under a key derived for it), so the
    /// relay, which has no key, cannot tell whether a file it knows is
    /// there, and rooms do not share ids.
    pub fn file_id(&self, hash: &[u8; 32]) -> [u8; 32] {
        use hkdf::hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.derive(b"file id"))
            .expect("HMAC takes a key of any length");
        mac.update(hash);
        mac.finalize().into_bytes().into()
    }

    fn file_cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.derive(b"file key").into())
    }

    /// Seals part `part` (from 0) of `parts` of the file `file` (its
    /// [`Self::file_id`]) for room `room`, like [`Self::seal`] but under
    /// the file key, with room, file, part and parts as associated data: a
    /// part opens only in its place.
    pub fn seal_part(
        &self,
        room: &RoomId,
        file: &[u8; 32],
        (part, parts): (u32, u32),
        nonce: [u8; NONCE_LEN],
        plain: &[u8],
    ) -> Vec<u8> {
        let aad = part_aad(room, file, part, parts);
        seal_with(&self.file_cipher(), &aad, nonce, plain)
    }

    /// Opens a part sealed by [`Self::seal_part`] for the same room, file
    /// and place; anything else is refused.
    pub fn open_part(
        &self,
        room: &RoomId,
        file: &[u8; 32],
        (part, parts): (u32, u32),
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        open_with(
            &self.file_cipher(),
            &part_aad(room, file, part, parts),
            sealed,
        )
    }
}

/// `0x01 ‖ nonce ‖ ciphertext ‖ tag`: `plain` sealed with `aad`.
fn seal_with(cipher: &Aes256Gcm, aad: &[u8], nonce: [u8; NONCE_LEN], plain: &[u8]) -> Vec<u8> {
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
        .expect("AES-GCM seals any message that fits in memory");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(SEALED_V1);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// Opens what [`seal_with`] sealed with the same key and `aad`.
fn open_with(cipher: &Aes256Gcm, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != SEALED_V1 {
        return Err(CryptoError::Malformed);
    }
    let (nonce, body) = sealed[1..].split_at(NONCE_LEN);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
        .map_err(|_| CryptoError::Forged)
}

/// How many parts a file of `len` bytes is sent in (at least one, for an
/// empty file).
pub fn file_parts(len: usize) -> u32 {
    len.div_ceil(FILE_PART_BYTES).max(1) as u32
}

fn part_aad(room: &RoomId, file: &[u8; 32], part: u32, parts: u32) -> [u8; 56] {
    let mut aad = [0u8; 56];
    aad[..16].copy_from_slice(&room.0);
    aad[16..48].copy_from_slice(file);
    aad[48..52].copy_from_slice(&part.to_be_bytes());
    aad[52..].copy_from_slice(&parts.to_be_bytes());
    aad
}

/// What the relay stores for a room: the SHA-256 of its token.
pub fn token_hash(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Base64url without padding (RFC 4648 §5), for keys, tokens and blobs in
/// JSON frames and links.
pub mod b64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    /// Each byte's value in the alphabet, or 255.
    const VALUES: [u8; 256] = {
        let mut t = [255u8; 256];
        let mut i = 0;
        while i < 64 {
            t[ALPHABET[i] as usize] = i as u8;
            i += 1;
        }
        t
    };

    pub fn decode(s: &str) -> Option<Vec<u8>> {
        let value = |c: u8| match VALUES[c as usize] {
            255 => None,
            v => Some(u32::from(v)),
        };
        let bytes = s.as_bytes();
        if bytes.len() % 4 == 1 {
            return None;
        }
        let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
        for chunk in bytes.chunks(4) {
            let mut n = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                n |= value(*c)? << (18 - 6 * i);
            }
            for i in 0..chunk.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
            // Unused low bits must be zero, so every byte string has one
            // spelling.
            let used = (chunk.len() - 1) * 8;
            if n & ((1u32 << (24 - used)) - 1) != 0 {
                return None;
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn file_parts_open_only_in_their_room_file_and_place() {
        let (k, room) = (key(1), RoomId([7; 16]));
        let hash = [3u8; 32];
        let id = k.file_id(&hash);
        assert_eq!(id, k.file_id(&hash), "the same file, the same id");
        assert_ne!(id, key(2).file_id(&hash), "another room key, another id");
        assert_ne!(id, k.file_id(&[4; 32]));
        assert_ne!(&id, &hash, "the id is not the hash");

        let sealed = k.seal_part(&room, &id, (1, 3), [9; 12], b"part two");
        assert_eq!(
            k.open_part(&room, &id, (1, 3), &sealed).unwrap(),
            b"part two"
        );
        for (r, f, place) in [
            (RoomId([8; 16]), id, (1, 3)),
            (room, k.file_id(&[4; 32]), (1, 3)),
            (room, id, (0, 3)),
            (room, id, (1, 2)),
        ] {
            assert_eq!(
                k.open_part(&r, &f, place, &sealed),
                Err(CryptoError::Forged)
            );
        }
        assert_eq!(
            key(2).open_part(&room, &id, (1, 3), &sealed),
            Err(CryptoError::Forged)
        );
        assert_eq!(
            k.open(&room, &sealed),
            Err(CryptoError::Forged),
            "not a blob"
        );
        assert_eq!(
            k.open_part(&room, &id, (1, 3), &sealed[..20]),
            Err(CryptoError::Malformed)
        );

        assert_eq!(file_parts(0), 1);
        assert_eq!(file_parts(FILE_PART_BYTES), 1);
        assert_eq!(file_parts(FILE_PART_BYTES + 1), 2);
        assert_eq!(file_parts(50 * 1024 * 1024), 50);
        assert!(file_parts(crate::container::MAX_FILE_BYTES as usize) <= MAX_FILE_PARTS);
    }

    fn key(n: u8) -> RoomKey {
        RoomKey::from_bytes([n; 32])
    }

    #[test]
    fn a_sealed_blob_opens_only_with_its_key_and_room() {
        let room = RoomId([7; 16]);
        let sealed = key(1).seal(&room, [9; 12], b"incident 42");
        assert_eq!(key(1).open(&room, &sealed).unwrap(), b"incident 42");
        assert!(
            !sealed.windows(11).any(|w| w == b"incident 42"),
            "no plaintext in the blob"
        );
        assert_eq!(key(2).open(&room, &sealed), Err(CryptoError::Forged));
        assert_eq!(
            key(1).open(&RoomId([8; 16]), &sealed),
            Err(CryptoError::Forged)
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(key(1).open(&room, &altered), Err(CryptoError::Forged));
        assert_eq!(
            key(1).open(&room, &sealed[..20]),
            Err(CryptoError::Malformed)
        );
        assert_eq!(key(1).open(&room, b""), Err(CryptoError::Malformed));
    }

    #[test]
    fn the_token_reveals_nothing_of_the_blob_key() {
        let k = key(3);
        assert_ne!(k.token(), k.derive(b"blob key"));
        assert_ne!(k.token(), key(4).token());
        assert_eq!(k.token(), key(3).token(), "derived, not random");
    }

    #[test]
    fn ids_and_keys_round_trip_through_text() {
        let room = RoomId([0xab; 16]);
        assert_eq!(RoomId::parse(&room.to_hex()), Some(room));
        assert_eq!(RoomId::parse("xyz"), None);
        let k = key(5);
        assert_eq!(k.to_base64url().len(), 43);
        assert_eq!(RoomKey::parse(&k.to_base64url()), Some(k));
        assert_eq!(RoomKey::parse("too short"), None);
    }

    proptest! {
        #[test]
        fn base64url_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let s = b64::encode(&bytes);
            prop_assert!(s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
            prop_assert_eq!(b64::decode(&s), Some(bytes));
        }

        #[test]
        fn sealing_round_trips(plain in prop::collection::vec(any::<u8>(), 0..500), nonce in any::<[u8; 12]>()) {
            let room = RoomId([1; 16]);
            let sealed = key(9).seal(&room, nonce, &plain);
            prop_assert_eq!(key(9).open(&room, &sealed).unwrap(), plain);
        }
    }
}
