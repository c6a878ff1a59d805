//! How the sample camera paints: the card in perspective, its print and
//! portrait, the wall behind it, and the blur of a lens out of focus.

use imageproc::geometric_transformations::Projection;

use super::Subject;

/// A card drawn in perspective: what each pixel of the frame shows of it.
pub(in crate::capture) struct DrawnCard {
    to_card: Projection,
    width: f32,
    height: f32,
    subject: Subject,
    seed: u32,
    /// The machine-readable zone on a card's back.
    zone: Option<[String; 3]>,
}

impl DrawnCard {
    /// The card with `corners` in the frame (clockwise from its top-left),
    /// `width` pixels wide (the size of its print); none when the corners
    /// make no quadrilateral.
    pub(in crate::capture) fn at(
        corners: [[f32; 2]; 4],
        width: f32,
        subject: Subject,
        seed: u32,
    ) -> Option<Self> {
        let to_card = Projection::from_control_points(
            corners.map(|[x, y]| (x, y)),
            [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
        )?;
        Some(Self {
            to_card,
            width,
            height: width * 54.0 / 85.6,
            subject,
            seed,
            zone: (subject == Subject::DocumentBack).then(|| super::zone::specimen(seed)),
        })
    }

    /// The card's colour at the frame's pixel (`x`, `y`), if it lies on the card.
    pub(in crate::capture) fn pixel(&self, x: usize, y: usize) -> Option<[u8; 3]> {
        let (u, v) = self.to_card * (x as f32 + 0.5, y as f32 + 0.5);
        ((0.0..1.0).contains(&u)
            && (0.0..1.0).contains(&v)
            && inside_rounded(u, v, self.width, self.height))
        .then(|| {
            card_pixel(
                self.subject,
                u,
                v,
                self.width,
                self.seed,
                self.zone.as_ref(),
            )
        })
    }
}

pub(in crate::capture) fn inside_rounded(u: f32, v: f32, w: f32, h: f32) -> bool {
    let r = 0.04 * w;
    let (x, y) = (u * w, v * h);
    let dx = if x < r {
        r - x
    } else if x > w - r {
        x - (w - r)
    } else {
        0.0
    };
    let dy = if y < r {
        r - y
    } else if y > h - r {
        y - (h - r)
    } else {
        0.0
    };
    dx * dx + dy * dy <= r * r
}

pub(in crate::capture) fn hash(a: u32, b: u32) -> u32 {
    let mut x = a.wrapping_mul(0x9E37_79B1) ^ b.wrapping_mul(0x85EB_CA77);
    x ^= x >> 15;
    x = x.wrapping_mul(0x2C1B_3C6D);
    x ^ (x >> 12)
}

/// A face drawn well enough for a face detector to find it: skin shaded
/// towards the edge, brows, eyes with their whites, a nose and lips, hair,
/// a neck and shoulders. (`u`, `v`): from the centre of the face's oval in
/// its half-width and half-height. `None` where the picture shows no person.
pub(in crate::capture) fn face_pixel(u: f32, v: f32, grain: f32) -> Option<[u8; 3]> {
    let d = u * u + v * v;
    if d < 1.0 {
        let shade = 1.0 - 0.25 * d.powf(1.5);
        let mut c = [
            214.0 * shade + grain,
            170.0 * shade + grain,
            140.0 * shade + grain,
        ];
        let darken = |c: &mut [f32; 3], k: f32| c.iter_mut().for_each(|v| *v *= k);
        for side in [-1.0f32, 1.0] {
            let eu = u - side * 0.38;
            if (eu / 0.22).powi(2) + ((v + 0.38) / 0.05).powi(2) < 1.0 {
                darken(&mut c, 0.35);
            }
            let ev = v + 0.2;
            if (eu / 0.2).powi(2) + (ev / 0.09).powi(2) < 1.0 {
                c = if (eu / 0.08).powi(2) + (ev / 0.08).powi(2) < 1.0 {
                    [50.0, 35.0, 30.0]
                } else {
                    [235.0, 232.0, 228.0]
                };
            } else if (eu / 0.3).powi(2) + (ev / 0.16).powi(2) < 1.0 {
                darken(&mut c, 0.8);
            }
        }
        if (u - 0.06).abs() < 0.03 && v.abs() < 0.15 {
            darken(&mut c, 0.8);
        }
        if (0.15..0.22).contains(&v) && (u.abs() - 0.08).abs() < 0.04 {
            darken(&mut c, 0.5);
        }
        if (u / 0.3).powi(2) + ((v - 0.45) / 0.07).powi(2) < 1.0 {
            c = if (v - 0.45).abs() < 0.012 {
                [80.0, 30.0, 30.0]
            } else {
                [160.0, 70.0, 70.0]
            };
        }
        return Some(c.map(|v| v.clamp(0.0, 255.0) as u8));
    }
    if v < -0.25 && u * u + (0.889 * v + 0.222).powi(2) < 1.25 {
        return Some([70, 50, 40]);
    }
    if u.abs() < 0.385 && (0.75..1.25).contains(&v) {
        return Some([190, 150, 125]);
    }
    // Round shoulders (a rectangle there would look like a card to the outline).
    if (u / 1.9).powi(2) + ((v - 2.0) / 0.95).powi(2) < 1.0 {
        return Some([
            (40.0 + grain) as u8,
            (70.0 + grain) as u8,
            (120.0 + grain) as u8,
        ]);
    }
    None
}

/// The wall behind the person of a selfie.
pub(in crate::capture) fn wall(fy: f32, grain: f32) -> [u8; 3] {
    let v = 196.0 - fy * 30.0 + grain;
    [v as u8, (v - 6.0) as u8, (v - 14.0) as u8]
}

/// A little noise in every surface, the same in every frame.
pub(in crate::capture) fn grain(x: usize, y: usize) -> f32 {
    (hash(x as u32, y as u32) % 9) as f32 - 4.0
}

/// A person in front of a wall, `size` times as large as at the counter.
pub(in crate::capture) fn person(fx: f32, fy: f32, x: usize, y: usize, size: f32) -> [u8; 3] {
    let grain = grain(x, y);
    face_pixel(
        (fx - 0.38) / (0.13 * size),
        (fy - 0.42) / (0.24 * size),
        grain,
    )
    .unwrap_or_else(|| wall(fy, grain))
}

pub(in crate::capture) fn background(
    subject: Subject,
    fx: f32,
    fy: f32,
    x: usize,
    y: usize,
) -> [u8; 3] {
    let grain = grain(x, y);
    match subject {
        Subject::Selfie => person(fx, fy, x, y, 1.0),
        _ => {
            // A wooden desk.
            let wood = ((fy * 40.0 + (fx * 6.0).sin() * 0.8).sin() * 10.0) + grain;
            [
                (128.0 + wood) as u8,
                (96.0 + wood) as u8,
                (70.0 + wood) as u8,
            ]
        }
    }
}

pub(in crate::capture) fn card_pixel(
    subject: Subject,
    u: f32,
    v: f32,
    card_w: f32,
    seed: u32,
    zone: Option<&[String; 3]>,
) -> [u8; 3] {
    let base = [(236.0 - v * 14.0) as u8, (240.0 - v * 10.0) as u8, 246];
    let ink = [28, 40, 70];
    let front = subject != Subject::DocumentBack;
    if front && v < 0.16 {
        return [47, 111, 208];
    }
    if front && (0.05..0.33).contains(&u) && (0.24..0.86).contains(&v) {
        // The holder's portrait.
        return face_pixel((u - 0.19) / 0.105, (v - 0.5) / 0.2, 0.0).unwrap_or([201, 214, 234]);
    }
    // Text: rows of character cells, each cell a few strokes, like printed letters.
    let (rows, x0): (&[(f32, f32)], f32) = if front {
        (
            &[
                (0.26, 0.72),
                (0.36, 0.62),
                (0.46, 0.68),
                (0.56, 0.55),
                (0.66, 0.6),
                (0.76, 0.5),
            ],
            0.38,
        )
    } else {
        (&[(0.12, 0.8), (0.22, 0.7), (0.32, 0.75), (0.42, 0.6)], 0.06)
    };
    let cell = (card_w * 0.018).max(3.0);
    let line_h = cell * 1.4;
    for (i, &(row_v, len)) in rows.iter().enumerate() {
        if let Some(c) = glyph(
            u,
            v,
            row_v,
            x0,
            x0 + len * (0.96 - x0),
            card_w,
            cell,
            line_h,
            seed + i as u32,
        ) {
            return if c { ink } else { base };
        }
    }
    if let Some(ink) = zone.and_then(|lines| super::zone::ink(lines, u, v)) {
        // The machine-readable lines, in OCR-B.
        return base.map(|c| (c as f32 + (10.0 - c as f32) * ink) as u8);
    }
    base
}

/// Whether (u, v) is ink of a character cell in the text row at `row_v`;
/// None when (u, v) is outside the row.
#[allow(clippy::too_many_arguments)]
fn glyph(
    u: f32,
    v: f32,
    row_v: f32,
    u0: f32,
    u1: f32,
    card_w: f32,
    cell: f32,
    line_h: f32,
    seed: u32,
) -> Option<bool> {
    let card_h = card_w * 54.0 / 85.6;
    let y = (v - row_v) * card_h;
    if !(0.0..line_h).contains(&y) || u < u0 || u > u1 {
        return None;
    }
    let x = (u - u0) * card_w;
    let index = (x / cell) as u32;
    let fx = (x % cell) / cell;
    let fy = y / line_h;
    let h = hash(index, seed);
    if h % 7 == 0 {
        return Some(false); // a space
    }
    let stroke = 0.16;
    let left = fx < stroke + 0.1 && fx > 0.1 && (h & 1 == 1);
    let right = fx > 0.74 && fx < 0.74 + stroke && (h & 2 == 2);
    let top = fy < stroke && fx > 0.1 && fx < 0.9 && (h & 4 == 4);
    let mid = (fy - 0.45).abs() < stroke / 2.0 && fx > 0.1 && fx < 0.9 && (h & 8 == 8);
    let bottom = fy > 0.84 && fy < 1.0 && fx > 0.1 && fx < 0.9 && (h & 16 == 16);
    let vertical = fy < 0.98;
    Some(((left || right) && vertical) || top || mid || bottom)
}

/// In-place separable box blur of an RGB image.
pub(in crate::capture) fn box_blur(rgb: &mut [u8], w: usize, h: usize, r: usize) {
    let mut tmp = vec![0u8; rgb.len()];
    let n = (2 * r + 1) as u32;
    for y in 0..h {
        for c in 0..3 {
            let at = |x: isize| rgb[(y * w + x.clamp(0, w as isize - 1) as usize) * 3 + c] as u32;
            let mut acc: u32 = (-(r as isize)..=r as isize).map(at).sum();
            for x in 0..w {
                tmp[(y * w + x) * 3 + c] = (acc / n) as u8;
                acc = acc + at(x as isize + r as isize + 1) - at(x as isize - r as isize);
            }
        }
    }
    for x in 0..w {
        for c in 0..3 {
            let at = |y: isize| tmp[(y.clamp(0, h as isize - 1) as usize * w + x) * 3 + c] as u32;
            let mut acc: u32 = (-(r as isize)..=r as isize).map(at).sum();
            for y in 0..h {
                rgb[(y * w + x) * 3 + c] = (acc / n) as u8;
                acc = acc + at(y as isize + r as isize + 1) - at(y as isize - r as isize);
            }
        }
    }
}
