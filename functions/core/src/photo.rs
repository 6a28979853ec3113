//! Photos sent with a report: the format is recognised from the bytes (never the file name
//! or the declared type), and metadata that could identify a person or a place (EXIF with GPS
//! position, camera, date; XMP; IPTC; comments; PNG text chunks) is removed by rewriting the
//! container without decoding the pixels, which is cheap enough for a Worker. The only
//! metadata kept is what is needed to show the picture as taken: colour profiles and, for
//! JPEG, the EXIF orientation (re-written as a minimal EXIF block with nothing else in it).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    Jpeg,
    Png,
    Webp,
}

impl PhotoFormat {
    /// Recognises JPEG, PNG and WebP by their signatures.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }
}

/// A photo in an accepted format, with its identifying metadata removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub format: PhotoFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u32 },
    #[error("only JPEG, PNG and WebP images are accepted")]
    UnsupportedType,
    #[error("the image is damaged or incomplete")]
    Corrupt,
}

impl PhotoError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty_file",
            Self::TooLarge { .. } => "file_too_large",
            Self::UnsupportedType => "unsupported_type",
            Self::Corrupt => "corrupt_image",
        }
    }
}

/// R2 key of a ticket's photo: derived from the ticket id and position only, never from
/// anything the citizen typed (file names included).
pub fn object_key(ticket: crate::ids::TicketId, position: u8, format: PhotoFormat) -> String {
    format!("tickets/{ticket}/photos/{position}.{}", format.extension())
}

/// R2 key of a photo added after filing (by an import, or by the citizen later): also
/// named by its content and `salt`, so that two uploads for one position never write the
/// same object and one can never delete the other's. An import passes no salt, so that a
/// retried upload of the same file names the same object; a citizen's upload a random one.
pub fn added_object_key(
    ticket: crate::ids::TicketId,
    position: u8,
    photo: &CleanPhoto,
    salt: &[u8],
) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(&photo.bytes)
        .chain_update(salt)
        .finalize();
    let short: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "tickets/{ticket}/photos/{position}-{short}.{}",
        photo.format.extension()
    )
}

/// R2 key of the small variant of a ticket's photo.
pub fn thumbnail_key(ticket: crate::ids::TicketId, position: u8, format: PhotoFormat) -> String {
    format!(
        "tickets/{ticket}/thumbnails/{position}.{}",
        format.extension()
    )
}

/// Largest accepted thumbnail: made in the browser, a few tens of kilobytes.
pub const THUMBNAIL_MAX_BYTES: u32 = 512 * 1024;

/// Checks size and format and returns the photo without identifying metadata.
pub fn clean(bytes: &[u8], max_bytes: u32) -> Result<CleanPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > max_bytes as usize {
        return Err(PhotoError::TooLarge { limit: max_bytes });
    }
    let format = PhotoFormat::sniff(bytes).ok_or(PhotoError::UnsupportedType)?;
    let (bytes, (width, height)) = match format {
        PhotoFormat::Jpeg => jpeg::clean(bytes),
        PhotoFormat::Png => png::clean(bytes),
        PhotoFormat::Webp => webp::clean(bytes),
    }
    .ok_or(PhotoError::Corrupt)?;
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt);
    }
    Ok(CleanPhoto {
        format,
        width,
        height,
        bytes,
    })
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 3)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

mod jpeg {
    use super::be16;

    const SOI: u8 = 0xD8;
    const EOI: u8 = 0xD9;
    const SOS: u8 = 0xDA;
    const APP0: u8 = 0xE0;
    const APP1: u8 = 0xE1;
    const APP2: u8 = 0xE2;
    const APP14: u8 = 0xEE;
    const COM: u8 = 0xFE;

    /// Segments kept besides the image data: JFIF header, ICC colour profile, Adobe colour
    /// transform. Everything else in APPn and COM is dropped.
    fn keep_segment(marker: u8, data: &[u8]) -> bool {
        match marker {
            APP0 => data.starts_with(b"JFIF\0"),
            APP2 => data.starts_with(b"ICC_PROFILE\0"),
            APP14 => data.starts_with(b"Adobe"),
            0xE1..=0xEF | COM => false,
            _ => true,
        }
    }

    fn is_start_of_frame(marker: u8) -> bool {
        matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF)
    }

    pub fn clean(input: &[u8]) -> Option<(Vec<u8>, (u32, u32))> {
        if input.get(0..2)? != [0xFF, SOI] {
            return None;
        }
        let mut out = Vec::with_capacity(input.len());
        out.extend_from_slice(&[0xFF, SOI]);
        let mut orientation = None;
        let mut size = None;
        let mut orientation_written = false;
        let mut at = 2;
        loop {
            // Markers may be preceded by fill bytes 0xFF.
            if *input.get(at)? != 0xFF {
                return None;
            }
            while *input.get(at)? == 0xFF {
                at += 1;
            }
            let marker = *input.get(at)?;
            at += 1;
            if marker == EOI {
                out.extend_from_slice(&[0xFF, EOI]);
                // Whatever follows the end of the image (maker trailers, MPF images with
                // their own EXIF) is dropped.
                return Some((out, size?));
            }
            if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            if marker == 0x00 {
                // 0xFF00 is a stuffed byte of scan data, never a marker: copied as a segment,
                // it would be read back as scan data, and the output would not parse again.
                return None;
            }
            let length = usize::from(be16(input, at)?);
            if length < 2 {
                return None;
            }
            let data = input.get(at + 2..at + length)?;
            let segment = input.get(at - 2..at + length)?;
            if marker == APP1 && data.starts_with(b"Exif\0\0") {
                orientation = orientation.or_else(|| exif_orientation(&data[6..]));
            }
            if is_start_of_frame(marker) {
                let height = u32::from(be16(data, 1)?);
                let width = u32::from(be16(data, 3)?);
                size = Some((width, height));
            }
            // The kept orientation goes right after the JFIF header (or SOI).
            if !orientation_written && marker != APP0 && marker != APP1 {
                if let Some(value) = orientation.filter(|o| (2..=8).contains(o)) {
                    out.extend_from_slice(&minimal_exif(value));
                }
                orientation_written = true;
            }
            if keep_segment(marker, data) {
                out.extend_from_slice(segment);
            }
            at += length;
            if marker == SOS {
                at = copy_entropy_coded_data(input, at, &mut out)?;
            }
        }
    }

    /// Copies scan data up to the next real marker (0xFF followed by neither 0x00 nor RSTn).
    /// A marker may follow fill bytes (a run of 0xFF): the run is looked past as a whole,
    /// not two bytes at a time, which stepped over the marker after an odd run.
    fn copy_entropy_coded_data(input: &[u8], start: usize, out: &mut Vec<u8>) -> Option<usize> {
        let mut at = start;
        loop {
            let byte = *input.get(at)?;
            if byte == 0xFF {
                let mut after = at + 1;
                while *input.get(after)? == 0xFF {
                    after += 1;
                }
                let next = input[after];
                if next != 0x00 && !(0xD0..=0xD7).contains(&next) {
                    out.extend_from_slice(&input[start..at]);
                    return Some(at);
                }
                at = after + 1;
            } else {
                at += 1;
            }
        }
    }

    /// Orientation (tag 0x0112) from IFD0 of a TIFF structure, in either byte order.
    fn exif_orientation(tiff: &[u8]) -> Option<u16> {
        let little = match tiff.get(0..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let u16_at = |at: usize| -> Option<u16> {
            let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
            Some(if little {
                u16::from_le_bytes(b)
            } else {
                u16::from_be_bytes(b)
            })
        };
        let u32_at = |at: usize| -> Option<u32> {
            let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
            Some(if little {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            })
        };
        let ifd = usize::try_from(u32_at(4)?).ok()?;
        let entries = usize::from(u16_at(ifd)?);
        (0..entries.min(512)).find_map(|i| {
            let entry = ifd + 2 + i * 12;
            (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3).then(|| u16_at(entry + 8))?
        })
    }

    /// An APP1 EXIF segment holding only the orientation.
    fn minimal_exif(orientation: u16) -> Vec<u8> {
        let mut segment = vec![0xFF, 0xE1, 0x00, 34];
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD0 at 8
        segment.extend_from_slice(&[0x00, 0x01]); // one entry
        segment.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
        segment.extend_from_slice(&orientation.to_be_bytes());
        segment.extend_from_slice(&[0x00, 0x00]);
        segment.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // no next IFD
        segment
    }

    #[cfg(test)]
    pub(super) fn orientation_of(jpeg: &[u8]) -> Option<u16> {
        let mut at = 2;
        while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
            let marker = jpeg[at + 1];
            let length = usize::from(be16(jpeg, at + 2)?);
            let data = jpeg.get(at + 4..at + 2 + length)?;
            if marker == APP1 && data.starts_with(b"Exif\0\0") {
                return exif_orientation(&data[6..]);
            }
            if marker == SOS {
                return None;
            }
            at += 2 + length;
        }
        None
    }
}

mod png {
    use super::be32;

    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    /// Chunks needed to show the image as intended; text, EXIF, time and unknown ancillary
    /// chunks are dropped.
    const KEPT: [&[u8; 4]; 13] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"acTL", b"fcTL",
    ];

    pub fn clean(input: &[u8]) -> Option<(Vec<u8>, (u32, u32))> {
        let mut out = Vec::with_capacity(input.len());
        out.extend_from_slice(SIGNATURE);
        let mut at = SIGNATURE.len();
        let mut size = None;
        loop {
            let length = usize::try_from(be32(input, at)?).ok()?;
            let kind: &[u8; 4] = input.get(at + 4..at + 8)?.try_into().ok()?;
            let chunk = input.get(at..at.checked_add(12)?.checked_add(length)?)?;
            if kind == b"IHDR" {
                // From the chunk's own data: a short IHDR must not lend bytes of the next.
                let data = &chunk[8..8 + length];
                size = Some((be32(data, 0)?, be32(data, 4)?));
            }
            let critical = kind[0].is_ascii_uppercase();
            if KEPT.contains(&kind) || kind == b"fdAT" {
                out.extend_from_slice(chunk);
            } else if critical {
                return None; // an unknown critical chunk: cannot be shown safely
            }
            at += chunk.len();
            if kind == b"IEND" {
                return Some((out, size?));
            }
        }
    }
}

mod webp {
    use super::{le24, le32};

    const VP8X_EXIF: u8 = 0x08;
    const VP8X_XMP: u8 = 0x04;

    pub fn clean(input: &[u8]) -> Option<(Vec<u8>, (u32, u32))> {
        let declared = usize::try_from(le32(input, 4)?).ok()?;
        let end = declared.checked_add(8)?.min(input.len());
        let mut chunks = Vec::new();
        let mut size = None;
        let mut at = 12;
        while at + 8 <= end {
            let kind: [u8; 4] = input.get(at..at + 4)?.try_into().ok()?;
            let length = usize::try_from(le32(input, at + 4)?).ok()?;
            let padded = length + (length & 1);
            let data = input.get(at + 8..at + 8 + length)?;
            match &kind {
                b"VP8X" => {
                    let mut data = data.to_vec();
                    *data.first_mut()? &= !(VP8X_EXIF | VP8X_XMP);
                    size = Some((le24(&data, 4)? + 1, le24(&data, 7)? + 1));
                    chunks.push((kind, data));
                }
                b"VP8 " => {
                    if size.is_none() {
                        let width = u32::from(
                            u16::from_le_bytes(data.get(6..8)?.try_into().ok()?) & 0x3FFF,
                        );
                        let height = u32::from(
                            u16::from_le_bytes(data.get(8..10)?.try_into().ok()?) & 0x3FFF,
                        );
                        size = Some((width, height));
                    }
                    chunks.push((kind, data.to_vec()));
                }
                b"VP8L" => {
                    if size.is_none() {
                        if *data.first()? != 0x2F {
                            return None;
                        }
                        let bits = le32(data, 1)?;
                        size = Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1));
                    }
                    chunks.push((kind, data.to_vec()));
                }
                b"ALPH" | b"ANIM" | b"ANMF" | b"ICCP" => chunks.push((kind, data.to_vec())),
                _ => {} // EXIF, XMP and unknown chunks are dropped
            }
            at += 8 + padded;
        }
        let mut body = Vec::with_capacity(input.len());
        body.extend_from_slice(b"WEBP");
        for (kind, data) in &chunks {
            body.extend_from_slice(kind);
            body.extend_from_slice(&u32::try_from(data.len()).ok()?.to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut out = Vec::with_capacity(body.len() + 8);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&u32::try_from(body.len()).ok()?.to_le_bytes());
        out.extend_from_slice(&body);
        Some((out, size?))
    }
}

#[cfg(test)]
mod tests;
