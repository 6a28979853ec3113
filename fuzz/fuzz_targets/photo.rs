//! Photos sent with a report: `PhotoFormat::sniff` and `photo::clean`, which rewrites the
//! container without EXIF, XMP, IPTC, comments or text chunks. A cleaned photo is
//! recognised as the same format; it is no larger than the upload, but for the bytes the
//! cleaner writes itself (a WebP pad byte, a JPEG orientation block); it cleans again to
//! the same photo (the same bytes but where an orientation block moves); and a walk over
//! both finds none of the metadata the cleaner claims to drop: for JPEG only the JFIF
//! header, ICC profile, Adobe marker and at most a bare orientation block; for PNG only
//! the chunks needed to show the image; for WebP no EXIF/XMP chunk or flag.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::photo::{self, CleanPhoto, PhotoError, PhotoFormat};

const LIMIT: u32 = 25 * 1024 * 1024;

fn be16(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn le32(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// Walks a cleaned JPEG: every segment before and between scans is one the cleaner keeps.
/// Returns the number of orientation blocks (0 or 1).
fn assert_clean_jpeg(jpeg: &[u8]) -> usize {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    let mut at = 2;
    let mut exif_blocks = 0;
    loop {
        assert_eq!(jpeg[at], 0xFF, "a marker at {at}");
        while jpeg[at] == 0xFF {
            at += 1; // fill bytes may precede a marker
        }
        let marker = jpeg[at];
        at += 1;
        match marker {
            0xD9 => {
                assert_eq!(at, jpeg.len(), "nothing after the end of the image");
                assert!(exif_blocks <= 1, "one orientation block at most");
                return exif_blocks;
            }
            0xD0..=0xD7 | 0x01 => continue,
            _ => {}
        }
        let length = be16(jpeg, at);
        let data = &jpeg[at + 2..at + length];
        match marker {
            0xE0 => assert!(data.starts_with(b"JFIF\0"), "APP0 that is not JFIF"),
            0xE1 => {
                // The only EXIF left: big-endian TIFF, one entry, the orientation (2-8).
                exif_blocks += 1;
                assert_eq!(length, 34, "a bare orientation block");
                assert!(data.starts_with(b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03"));
                assert!((2..=8).contains(&be16(data, 24)), "orientation");
            }
            0xE2 => assert!(data.starts_with(b"ICC_PROFILE\0"), "APP2 that is not ICC"),
            0xEE => assert!(data.starts_with(b"Adobe"), "APP14 that is not Adobe"),
            0xE3..=0xEF | 0xFE => panic!("metadata segment {marker:#x} kept"),
            _ => {}
        }
        at += length;
        if marker == 0xDA {
            // Entropy-coded data: up to the next marker that is not stuffing or a restart.
            loop {
                if jpeg[at] == 0xFF {
                    let next = jpeg[at + 1];
                    if next != 0x00 && !(0xD0..=0xD7).contains(&next) && next != 0xFF {
                        break;
                    }
                    at += 2;
                } else {
                    at += 1;
                }
            }
        }
    }
}

/// Walks a cleaned PNG: only the chunks needed to show it, IEND last.
fn assert_clean_png(png: &[u8], width: u32, height: u32) {
    const KEPT: [&[u8; 4]; 14] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"acTL", b"fcTL", b"fdAT",
    ];
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let mut at = 8;
    let mut headers = Vec::new();
    loop {
        let length = be32(png, at);
        let kind: &[u8; 4] = png[at + 4..at + 8].try_into().unwrap();
        assert!(
            KEPT.contains(&kind),
            "chunk {:?} kept",
            String::from_utf8_lossy(kind)
        );
        if kind == b"IHDR" {
            // The size reported is a header's (the last, should a broken file have two).
            headers.push((be32(png, at + 8) as u32, be32(png, at + 12) as u32));
        }
        at += 12 + length;
        if kind == b"IEND" {
            assert_eq!(at, png.len(), "nothing after IEND");
            assert_eq!(
                headers.last(),
                Some(&(width, height)),
                "the size of a header"
            );
            return;
        }
    }
}

/// Walks a cleaned WebP: a RIFF whose size is exact, no EXIF or XMP chunk, flags cleared.
fn assert_clean_webp(webp: &[u8]) {
    assert_eq!(&webp[..4], b"RIFF");
    assert_eq!(&webp[8..12], b"WEBP");
    assert_eq!(le32(webp, 4) + 8, webp.len(), "the RIFF size is the file's");
    let mut at = 12;
    while at < webp.len() {
        let kind = &webp[at..at + 4];
        let length = le32(webp, at + 4);
        assert!(
            matches!(
                kind,
                b"VP8X" | b"VP8 " | b"VP8L" | b"ALPH" | b"ANIM" | b"ANMF" | b"ICCP"
            ),
            "chunk {:?} kept",
            String::from_utf8_lossy(kind)
        );
        if kind == b"VP8X" {
            assert_eq!(webp[at + 8] & 0x0C, 0, "EXIF/XMP flags left set");
        }
        at += 8 + length + (length & 1);
    }
    assert_eq!(at, webp.len());
}

fuzz_target!(|data: &[u8]| {
    let sniffed = PhotoFormat::sniff(data);
    let cleaned = match photo::clean(data, LIMIT) {
        Ok(cleaned) => cleaned,
        Err(PhotoError::Empty) => return assert!(data.is_empty()),
        Err(PhotoError::TooLarge { .. }) => return assert!(data.len() > LIMIT as usize),
        Err(PhotoError::UnsupportedType) => return assert_eq!(sniffed, None),
        Err(PhotoError::Corrupt) => return assert!(sniffed.is_some()),
    };
    assert_eq!(Some(cleaned.format), sniffed);
    assert_eq!(
        PhotoFormat::sniff(&cleaned.bytes),
        sniffed,
        "still the same format"
    );
    assert!(cleaned.width > 0 && cleaned.height > 0);
    // Cleaning again keeps the photo: same format and size, no larger, and (below) no
    // metadata either time; the very same bytes unless a JPEG orientation block was
    // written, which may move past a standalone marker (TEM, RSTn) the second time.
    let again = photo::clean(&cleaned.bytes, LIMIT).expect("a cleaned photo cleans again");
    assert_eq!(
        (again.format, again.width, again.height),
        (cleaned.format, cleaned.width, cleaned.height),
        "cleaning again changes the photo"
    );
    assert!(
        again.bytes.len() <= cleaned.bytes.len(),
        "cleaning again grows it"
    );

    // What is kept, and nothing the cleaner claims to drop.
    let walk = |photo: &CleanPhoto| match photo.format {
        PhotoFormat::Jpeg => assert_clean_jpeg(&photo.bytes),
        PhotoFormat::Png => {
            assert_clean_png(&photo.bytes, photo.width, photo.height);
            0
        }
        PhotoFormat::Webp => {
            assert_clean_webp(&photo.bytes);
            0
        }
    };
    let orientation_blocks = walk(&cleaned);
    walk(&again);
    if orientation_blocks == 0 {
        assert_eq!(again, cleaned, "cleaning is idempotent");
    }

    // Cleaning only drops bytes, except what it writes anew: the pad byte RIFF requires
    // after a WebP's odd-sized last chunk, when the upload left it out; a JPEG's
    // orientation, rewritten as a 36-byte block that may be longer than a bare original.
    let allowance = match cleaned.format {
        PhotoFormat::Jpeg => 36 * orientation_blocks,
        PhotoFormat::Png => 0,
        PhotoFormat::Webp => 1,
    };
    assert!(
        cleaned.bytes.len() <= data.len() + allowance,
        "cleaning grew the photo from {} to {} bytes",
        data.len(),
        cleaned.bytes.len()
    );
});
