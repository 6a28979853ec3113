//! Sample photos in tests/fixtures/photos carry the metadata a phone adds (made by
//! make_fixtures.py with Pillow); the cleaned output must lose it and still decode.

use super::*;

const LIMIT: u32 = 10 * 1024 * 1024;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../tests/fixtures/photos/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Marker strings written into the fixtures' metadata.
const PERSONAL: [&[u8]; 6] = [
    b"SegnalaTestCam",
    b"Model X-Private",
    b"Mario Rossi",
    b"2026:05:04",
    b"secret comment",
    b"casa mia",
];

fn assert_no_personal_data(bytes: &[u8]) {
    for marker in PERSONAL {
        assert!(
            !contains(bytes, marker),
            "still contains {:?}",
            String::from_utf8_lossy(marker)
        );
    }
}

#[test]
fn the_fixtures_really_carry_personal_metadata() {
    let jpeg = fixture("portrait-with-gps.jpg");
    assert!(
        contains(&jpeg, b"SegnalaTestCam")
            && contains(&jpeg, b"secret comment")
            && contains(&jpeg, b"Mario Rossi XMP")
    );
    assert!(contains(&fixture("with-text.png"), b"Mario Rossi PNG"));
    assert!(contains(&fixture("with-exif.webp"), b"SegnalaTestCam"));
}

#[test]
fn strips_exif_gps_xmp_and_comments_from_a_jpeg_and_keeps_it_decodable() {
    let cleaned = clean(&fixture("portrait-with-gps.jpg"), LIMIT).unwrap();
    assert_eq!(cleaned.format, PhotoFormat::Jpeg);
    assert_eq!((cleaned.width, cleaned.height), (64, 48));
    assert_no_personal_data(&cleaned.bytes);
    assert!(!contains(&cleaned.bytes, b"GPS"));
    let mut decoder = jpeg_decoder::Decoder::new(cleaned.bytes.as_slice());
    let pixels = decoder.decode().unwrap();
    assert_eq!(pixels.len(), 64 * 48 * 3);
}

#[test]
fn keeps_the_orientation_of_a_portrait_jpeg_and_nothing_else_of_its_exif() {
    let cleaned = clean(&fixture("portrait-with-gps.jpg"), LIMIT).unwrap();
    assert_eq!(jpeg::orientation_of(&cleaned.bytes), Some(6));
    let exif_blocks = cleaned
        .bytes
        .windows(6)
        .filter(|w| w == b"Exif\0\0")
        .count();
    assert_eq!(exif_blocks, 1);
}

#[test]
fn a_jpeg_without_metadata_stays_decodable_and_gains_no_exif() {
    let original = fixture("plain.jpg");
    let cleaned = clean(&original, LIMIT).unwrap();
    assert_eq!(jpeg::orientation_of(&cleaned.bytes), None);
    assert!(cleaned.bytes.len() <= original.len());
    jpeg_decoder::Decoder::new(cleaned.bytes.as_slice())
        .decode()
        .unwrap();
}

#[test]
fn drops_anything_after_the_end_of_a_jpeg() {
    let mut bytes = fixture("plain.jpg");
    bytes.extend_from_slice(b"\xFF\xD8\xFF\xE1trailing image with SegnalaTestCam");
    let cleaned = clean(&bytes, LIMIT).unwrap();
    assert!(cleaned.bytes.ends_with(&[0xFF, 0xD9]));
    assert_no_personal_data(&cleaned.bytes);
}

/// `plain.jpg` with `extra` put between its scan data and its end marker.
fn plain_jpeg_with_after_the_scan(extra: &[u8]) -> Vec<u8> {
    let mut bytes = fixture("plain.jpg");
    assert!(bytes.ends_with(&[0xFF, 0xD9]));
    bytes.truncate(bytes.len() - 2);
    bytes.extend_from_slice(extra);
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

#[test]
fn drops_an_exif_segment_behind_fill_bytes_after_the_scan() {
    // Found by the fuzzer (fuzz/fuzz_targets/photo.rs): the scan data was read two bytes at
    // a time from each 0xFF, so after `FF FF` (a fill byte, then the marker) the marker was
    // taken for scan data, and the EXIF segment behind it was copied as such.
    let exif = b"Exif\0\0MM\0\x2a\0\0\0\x08 Mario Rossi, casa mia ";
    let mut segment = vec![0xFF, 0xFF, 0xE1, 0, exif.len() as u8 + 2];
    segment.extend_from_slice(exif);
    let bytes = plain_jpeg_with_after_the_scan(&segment);
    let cleaned = clean(&bytes, LIMIT).unwrap();
    assert_no_personal_data(&cleaned.bytes);
    assert_eq!(clean(&cleaned.bytes, LIMIT).unwrap(), cleaned);
}

#[test]
fn accepts_a_fill_byte_before_the_end_marker_and_keeps_the_jpeg_decodable() {
    // The same misreading stepped over `FF FF D9` and refused the photo as corrupt.
    let bytes = plain_jpeg_with_after_the_scan(&[0xFF]);
    let cleaned = clean(&bytes, LIMIT).unwrap();
    let plain = clean(&fixture("plain.jpg"), LIMIT).unwrap();
    assert_eq!(cleaned.bytes, plain.bytes);
    jpeg_decoder::Decoder::new(cleaned.bytes.as_slice())
        .decode()
        .unwrap();
}

#[test]
fn refuses_a_stuffed_zero_byte_where_a_marker_should_be() {
    // Found by the fuzzer: `FF 00` between segments was copied as a segment; placed after a
    // scan it was read back as scan data, and the cleaned photo no longer cleaned (a later
    // import of the photo would have refused it).
    let mut bytes = fixture("plain.jpg");
    bytes.splice(2..2, [0xFF, 0x00, 0x00, 0x04, 0xAB, 0xCD]);
    assert_eq!(clean(&bytes, LIMIT), Err(PhotoError::Corrupt));
}

#[test]
fn strips_text_and_exif_chunks_from_a_png_and_keeps_it_decodable() {
    let cleaned = clean(&fixture("with-text.png"), LIMIT).unwrap();
    assert_eq!(cleaned.format, PhotoFormat::Png);
    assert_eq!((cleaned.width, cleaned.height), (64, 48));
    assert_no_personal_data(&cleaned.bytes);
    for chunk in [b"tEXt", b"iTXt", b"eXIf", b"zTXt"] {
        assert!(!contains(&cleaned.bytes, chunk));
    }
    let decoder = ::png::Decoder::new(std::io::Cursor::new(cleaned.bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut buffer).unwrap();
}

#[test]
fn refuses_a_png_header_too_short_to_hold_the_size() {
    // Found by the fuzzer: the size was read past a short IHDR, from the bytes of the
    // chunks after it; once those were dropped, the cleaned photo no longer cleaned.
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(b"\0\0\0\0IHDR\x01\x02\x03\x04");
    bytes.extend_from_slice(b"\0\0\0\x08tEXtCommentX\0\0\0\0");
    bytes.extend_from_slice(b"\0\0\0\0IEND\xae\x42\x60\x82");
    assert_eq!(clean(&bytes, LIMIT), Err(PhotoError::Corrupt));
}

#[test]
fn strips_exif_and_xmp_from_a_webp_and_keeps_it_decodable() {
    let cleaned = clean(&fixture("with-exif.webp"), LIMIT).unwrap();
    assert_eq!(cleaned.format, PhotoFormat::Webp);
    assert_eq!((cleaned.width, cleaned.height), (64, 48));
    assert_no_personal_data(&cleaned.bytes);
    assert!(!contains(&cleaned.bytes, b"EXIF") && !contains(&cleaned.bytes, b"XMP "));
    let mut decoder = image_webp::WebPDecoder::new(std::io::Cursor::new(cleaned.bytes)).unwrap();
    let mut buffer = vec![0; decoder.output_buffer_size().unwrap()];
    decoder.read_image(&mut buffer).unwrap();
}

#[test]
fn recognises_the_format_by_content_not_by_name() {
    assert_eq!(
        PhotoFormat::sniff(&fixture("with-text.png")),
        Some(PhotoFormat::Png)
    );
    assert_eq!(PhotoFormat::sniff(b"GIF89a......"), None);
    assert_eq!(
        clean(b"<svg xmlns='http://www.w3.org/2000/svg'/>", LIMIT),
        Err(PhotoError::UnsupportedType)
    );
    assert_eq!(
        clean(b"%PDF-1.7 pretending to be a photo.jpg", LIMIT),
        Err(PhotoError::UnsupportedType)
    );
}

#[test]
fn refuses_empty_oversized_and_truncated_files() {
    assert_eq!(clean(b"", LIMIT), Err(PhotoError::Empty));
    let photo = fixture("plain.jpg");
    assert_eq!(clean(&photo, 500), Err(PhotoError::TooLarge { limit: 500 }));
    for cut in [3, 20, photo.len() / 2, photo.len() - 2] {
        assert_eq!(
            clean(&photo[..cut], LIMIT),
            Err(PhotoError::Corrupt),
            "cut at {cut}"
        );
    }
    let png = fixture("with-text.png");
    assert_eq!(
        clean(&png[..png.len() - 5], LIMIT),
        Err(PhotoError::Corrupt)
    );
    let webp = fixture("with-exif.webp");
    assert_eq!(clean(&webp[..16], LIMIT), Err(PhotoError::Corrupt));
}

#[test]
fn never_panics_on_garbage_after_a_valid_signature() {
    let mut state = 0x1234_5678_u32;
    for length in 0..400 {
        for signature in [
            &b"\xFF\xD8\xFF"[..],
            b"\x89PNG\r\n\x1a\n",
            b"RIFF\x10\0\0\0WEBP",
        ] {
            let mut bytes = signature.to_vec();
            for _ in 0..length {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                bytes.push(state as u8);
            }
            let _ = clean(&bytes, LIMIT);
        }
    }
}
