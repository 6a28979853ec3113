//! The comune's colour (`branding::Colour::parse`, `#rrggbb`) and what is derived from it
//! for the pages. An accepted colour is written back as the same lowercase text; its
//! contrast with white is between 1 and 21; the kit's hue, saturation and brightness are
//! in range; the dark shades start with the colour itself and each keeps at least its
//! contrast with white, so white text stays readable on every one; the Sass variables are
//! one line per variable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::branding::Colour;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(colour) = Colour::parse(text) else {
        return;
    };
    assert_eq!(colour.to_hex(), text.to_ascii_lowercase());
    assert_eq!(Colour::parse(&colour.to_hex()), Some(colour));

    let contrast = colour.contrast_with_white();
    assert!(
        (1.0 - 1e-9..=21.0 + 1e-9).contains(&contrast),
        "contrast {contrast}"
    );
    let (hue, saturation, brightness) = colour.hsb();
    assert!(hue < 360 && saturation <= 100 && brightness <= 100);

    let shades = colour.dark_shades();
    assert_eq!(shades.len(), 7);
    assert_eq!(shades[0], (6, colour));
    let mut previous = contrast;
    for (number, shade) in &shades {
        let own = shade.contrast_with_white();
        assert!(
            own >= contrast - 1e-9,
            "shade a{number} {} has contrast {own}, less than {} ({contrast})",
            shade.to_hex(),
            colour.to_hex()
        );
        assert!(
            own >= previous - 1e-9,
            "shade a{number} is lighter than the one before"
        );
        previous = own;
    }

    let sass = colour.sass_variables();
    assert_eq!(sass.lines().count(), 4 + 7);
    assert!(sass
        .lines()
        .all(|line| line.starts_with('$') && line.ends_with(';')));
});
