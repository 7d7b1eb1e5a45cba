use std::fmt;

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

fn is_hex_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Builds an id from 128 random bits supplied by the caller.
            pub fn from_random(bytes: [u8; 16]) -> Self {
                Self(hex(&bytes))
            }

            /// Parses the 32-hex-digit form produced by [`Self::as_str`].
            pub fn parse(s: &str) -> Option<Self> {
                is_hex_id(s).then(|| Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

random_id!(
    /// Stable identity of one record, the key of the record in the document.
    RecordId
);
random_id!(
    /// Identity of one attached file on a record or checklist item (random,
    /// so two copies never attach under the same one).
    AttachmentId
);
random_id!(
    /// Identity of a workbook, shared by every copy of it, so that copies can be
    /// recognised as the same workbook when they meet again.
    WorkbookId
);

/// The Automerge actor of one copy of a workbook (random, 16 bytes). Every
/// browser copy has its own; two copies never share one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActorBytes(pub [u8; 16]);
