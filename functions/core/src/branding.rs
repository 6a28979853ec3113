//! A comune's colour: checked for contrast (WCAG 2.1, 1.4.3: links and button labels use
//! it on white and white on it) and turned into the kit's hue-saturation-brightness
//! variables, from which bootstrap-italia derives every shade.

/// An sRGB colour written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    pub red: u8,
    pub green: u8,
    pub blue: u8,
}

/// Contrast that normal text needs against its background (WCAG 2.1 AA).
pub const MINIMUM_CONTRAST: f64 = 4.5;

impl Colour {
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix('#')?;
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Self {
            red: channel(0)?,
            green: channel(2)?,
            blue: channel(4)?,
        })
    }

    /// Relative luminance as WCAG defines it.
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.red) + 0.7152 * linear(self.green) + 0.0722 * linear(self.blue)
    }

    /// Contrast ratio against white, from 1 to 21.
    pub fn contrast_with_white(self) -> f64 {
        1.05 / (self.luminance() + 0.05)
    }

    /// Hue in degrees (0-360), saturation and brightness (0-1), exact.
    fn hsb_exact(self) -> (f64, f64, f64) {
        let (r, g, b) = (
            f64::from(self.red) / 255.0,
            f64::from(self.green) / 255.0,
            f64::from(self.blue) / 255.0,
        );
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let delta = max - min;
        let hue = if delta == 0.0 {
            0.0
        } else if max == r {
            60.0 * ((g - b) / delta).rem_euclid(6.0)
        } else if max == g {
            60.0 * ((b - r) / delta + 2.0)
        } else {
            60.0 * ((r - g) / delta + 4.0)
        };
        let saturation = if max == 0.0 { 0.0 } else { delta / max };
        (hue, saturation, max)
    }

    fn from_hsb(hue: f64, saturation: f64, brightness: f64) -> Self {
        let chroma = brightness * saturation;
        let x = chroma * (1.0 - ((hue / 60.0).rem_euclid(2.0) - 1.0).abs());
        let (r, g, b) = match (hue / 60.0) as u8 {
            0 => (chroma, x, 0.0),
            1 => (x, chroma, 0.0),
            2 => (0.0, chroma, x),
            3 => (0.0, x, chroma),
            4 => (x, 0.0, chroma),
            _ => (chroma, 0.0, x),
        };
        let m = brightness - chroma;
        let channel = |c: f64| ((c + m) * 255.0).round().clamp(0.0, 255.0) as u8;
        Self {
            red: channel(r),
            green: channel(g),
            blue: channel(b),
        }
    }

    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.red, self.green, self.blue)
    }

    /// Hue in degrees, saturation and brightness in percent, rounded: the kit's
    /// `$primary-h`, `$primary-s`, `$primary-b`.
    pub fn hsb(self) -> (u16, u8, u8) {
        let (hue, saturation, brightness) = self.hsb_exact();
        (
            (hue.round() as u16) % 360,
            (saturation * 100.0).round() as u8,
            (brightness * 100.0).round() as u8,
        )
    }

    /// The kit's darker shades (`$primary-a6` to `$primary-a12`: header bar, footer, hover
    /// states, all under white text). The kit fixes their brightness for its own blue
    /// (80% down to 20%); for another colour they keep the same steps below the comune's
    /// own brightness, so each is darker than the primary and white text on it keeps at
    /// least the primary's contrast.
    pub fn dark_shades(self) -> Vec<(u8, Colour)> {
        const KIT_PRIMARY_BRIGHTNESS: f64 = 80.0;
        let (hue, saturation, brightness) = self.hsb_exact();
        [
            (6, 80.0),
            (7, 70.0),
            (8, 60.0),
            (9, 50.0),
            (10, 40.0),
            (11, 30.0),
            (12, 20.0),
        ]
        .into_iter()
        .map(|(shade, kit)| {
            let colour = if shade == 6 {
                self
            } else {
                Self::from_hsb(hue, saturation, brightness * kit / KIT_PRIMARY_BRIGHTNESS)
            };
            (shade, colour)
        })
        .collect()
    }

    /// The Sass lines that give the kit this primary colour, put before its imports: the
    /// hue, saturation and brightness its light shades are derived from, the exact colour,
    /// and the dark shades.
    pub fn sass_variables(self) -> String {
        let (h, s, b) = self.hsb();
        let mut lines = format!(
            "$primary-h: {h};\n$primary-s: {s};\n$primary-b: {b};\n$primary: {};\n",
            self.to_hex()
        );
        for (shade, colour) in self.dark_shades() {
            lines.push_str(&format!("$primary-a{shade}: {};\n", colour.to_hex()));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kits_own_blue_gets_the_kits_own_dark_shades() {
        // bootstrap-italia's a7..a12 for #0066cc: hsb(210, 100, 70 / 60 / 50 / 40 / 30 / 20).
        let shades: Vec<String> = Colour::parse("#0066cc")
            .unwrap()
            .dark_shades()
            .into_iter()
            .map(|(_, c)| c.to_hex())
            .collect();
        assert_eq!(
            shades,
            ["#0066cc", "#0059b3", "#004d99", "#004080", "#003366", "#00264d", "#001a33"]
        );
    }

    #[test]
    fn every_dark_shade_of_an_accepted_colour_keeps_white_text_readable() {
        for hex in [
            "#1b5e20", "#767676", "#8a4b00", "#6a1b9a", "#b00020", "#00695c",
        ] {
            let colour = Colour::parse(hex).unwrap();
            assert!(colour.contrast_with_white() >= MINIMUM_CONTRAST, "{hex}");
            let mut previous = colour.contrast_with_white();
            for (shade, dark) in colour.dark_shades() {
                let contrast = dark.contrast_with_white();
                assert!(contrast >= previous - 0.05, "{hex} a{shade}: {contrast}");
                assert!(contrast >= MINIMUM_CONTRAST, "{hex} a{shade}: {contrast}");
                previous = contrast;
            }
        }
    }

    #[test]
    fn reads_six_digit_hex_colours_only() {
        assert_eq!(
            Colour::parse("#0066cc"),
            Some(Colour {
                red: 0,
                green: 0x66,
                blue: 0xcc
            })
        );
        for bad in ["0066cc", "#06c", "#0066cg", "#0066cc00", "", "#"] {
            assert_eq!(Colour::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn measures_contrast_as_wcag_does() {
        // Reference values from the WCAG definition: black 21:1, white 1:1, #767676 4.54:1.
        let ratio = |hex| Colour::parse(hex).unwrap().contrast_with_white();
        assert!((ratio("#000000") - 21.0).abs() < 0.01);
        assert!((ratio("#ffffff") - 1.0).abs() < 0.01);
        assert!((ratio("#767676") - 4.54).abs() < 0.01);
        assert!(ratio("#777777") < MINIMUM_CONTRAST);
    }

    #[test]
    fn gives_the_kits_own_primary_for_its_own_blue() {
        // bootstrap-italia's default: $primary-h 210, $primary-s 100, $primary-b 80 = #0066cc.
        assert_eq!(Colour::parse("#0066cc").unwrap().hsb(), (210, 100, 80));
        assert_eq!(Colour::parse("#1b5e20").unwrap().hsb(), (124, 71, 37));
        assert_eq!(Colour::parse("#808080").unwrap().hsb(), (0, 0, 50));
        let sass = Colour::parse("#0066cc").unwrap().sass_variables();
        assert!(
            sass.starts_with(
                "$primary-h: 210;\n$primary-s: 100;\n$primary-b: 80;\n$primary: #0066cc;\n"
            ),
            "{sass}"
        );
        assert!(sass.ends_with("$primary-a12: #001a33;\n"), "{sass}");
    }
}
