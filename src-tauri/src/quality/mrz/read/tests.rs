use super::*;
use crate::capture::sample::zone;
use crate::capture::{labelled, Scene, Subject};
use crate::quality::{assess, grey, Frame, Kind, Thresholds};

/// The document found in `rgb` and the zone read from it.
fn read_frame(rgb: &[u8], width: u32, height: u32) -> Option<Reading> {
    let report = assess(
        Frame { width, height, rgb },
        Kind::Document,
        &Thresholds::default(),
    );
    let document = report.document?;
    let mut g = Vec::new();
    grey::grey_from_rgb(rgb, &mut g);
    read(
        &g,
        width as usize,
        height as usize,
        &document.corners,
        document.format,
    )
}

fn lines_of(reading: &Option<Reading>) -> Option<Vec<String>> {
    match reading {
        Some(Reading::Read(fields)) => Some(fields.lines.clone()),
        _ => None,
    }
}

/// A card's back drawn flat, filling a `width`-pixel picture, with `lines`
/// as its zone: ink on white, the rest of the card blank.
fn flat_back(lines: &[String; 3], width: usize) -> (Vec<u8>, usize, [[f32; 2]; 4]) {
    let height = (width as f32 * 54.0 / 85.6).round() as usize;
    let mut g = vec![235u8; width * height];
    for y in 0..height {
        for x in 0..width {
            let (u, v) = (
                (x as f32 + 0.5) / width as f32,
                (y as f32 + 0.5) / height as f32,
            );
            if let Some(ink) = zone::ink(lines, u, v) {
                g[y * width + x] = (235.0 - 225.0 * ink) as u8;
            }
        }
    }
    let (w, h) = (width as f32, height as f32);
    (g, height, [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]])
}

#[test]
fn a_sample_cards_zone_is_read_and_every_check_digit_agrees() {
    for (seed, (w, h)) in [(1, (1280, 720)), (7, (1920, 1080))] {
        let mut scene = Scene::new(Subject::DocumentBack, w, h);
        scene.seed = seed;
        let reading = read_frame(&scene.render(0), w, h);
        let truth = zone::specimen(seed).to_vec();
        assert_eq!(lines_of(&reading), Some(truth), "seed {seed}");
        let Some(Reading::Read(fields)) = reading else {
            unreachable!()
        };
        assert_eq!(fields.format, "TD1");
        assert_eq!(fields.issuing_country, "UTO");
        assert!(fields.document_number.starts_with('L'));
        let parsed = mrz::parse_td1(&fields.lines[0], &fields.lines[1], &fields.lines[2]).unwrap();
        assert_eq!(fields.surname, parsed.surname);
        assert_eq!(
            fields.date_of_birth,
            parsed
                .date_of_birth
                .calendar()
                .map(|_| parsed.date_of_birth.to_string())
        );
    }
}

#[test]
fn a_card_held_upside_down_is_read_too() {
    let mut scene = Scene::new(Subject::DocumentBack, 1280, 720);
    scene.seed = 3;
    scene.tilt = 180.0;
    let reading = read_frame(&scene.render(0), 1280, 720);
    assert_eq!(lines_of(&reading), Some(zone::specimen(3).to_vec()));
}

#[test]
fn a_zone_whose_digits_do_not_add_up_is_unreadable_and_a_front_has_none() {
    let lines = zone::specimen(5);
    let (g, h, corners) = flat_back(&lines, 900);
    let reading = read(&g, 900, h, &corners, Format::Id1);
    assert_eq!(lines_of(&reading), Some(lines.to_vec()));
    // One digit of the date of birth misprinted: its check digit fails.
    let mut wrong = lines.clone();
    let first = wrong[1].as_bytes()[0];
    let other = if first == b'9' {
        '0'
    } else {
        (first + 1) as char
    };
    wrong[1].replace_range(0..1, &other.to_string());
    let (g, h, corners) = flat_back(&wrong, 900);
    assert_eq!(
        read(&g, 900, h, &corners, Format::Id1),
        Some(Reading::Unreadable)
    );
    // A blank card, and a card's front: no zone at all.
    let blank = vec![235u8; 900 * h];
    assert_eq!(read(&blank, 900, h, &corners, Format::Id1), None);
    let front = Scene::new(Subject::DocumentFront, 1280, 720);
    assert_eq!(read_frame(&front.render(0), 1280, 720), None);
}

/// A passport's data page (125 × 88 mm) drawn flat, `width` pixels wide,
/// with `lines` (two of 44 characters) printed in OCR-B near its foot.
fn flat_passport(lines: &[&str; 2], width: usize) -> (Vec<u8>, usize, [[f32; 2]; 4]) {
    let height = (width as f32 * 88.0 / 125.0).round() as usize;
    let glyphs = crate::quality::mrz::glyphs::Glyphs::for_drawing();
    let pitch = 2.54 / 125.0;
    let left = (125.0 - 44.0 * 2.54) / 2.0 / 125.0;
    let cap = glyphs.cap_over_pitch() * 2.54 / 88.0;
    let mut g = vec![232u8; width * height];
    for y in 0..height {
        for x in 0..width {
            let (u, v) = (
                (x as f32 + 0.5) / width as f32,
                (y as f32 + 0.5) / height as f32,
            );
            for (line, top) in lines.iter().zip([0.83f32, 0.9]) {
                let cell = (u - left) / pitch;
                if (0.0..44.0).contains(&cell) && (top - cap..top + 2.0 * cap).contains(&v) {
                    let c = line.as_bytes()[cell as usize];
                    let index = crate::quality::mrz::glyphs::index_of(c).unwrap();
                    let ink = glyphs.coverage(index, cell.fract(), (v - top) / cap);
                    g[y * width + x] = (232.0 - 220.0 * ink) as u8;
                }
            }
        }
    }
    let (w, h) = (width as f32, height as f32);
    (g, height, [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]])
}

#[test]
fn a_passports_two_lines_are_read_too() {
    // ICAO 9303's own specimen.
    let lines = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    let (g, h, corners) = flat_passport(&lines, 1100);
    let Some(Reading::Read(fields)) = read(&g, 1100, h, &corners, Format::Passport) else {
        panic!("not read");
    };
    assert_eq!(fields.format, "TD3");
    assert_eq!(fields.lines, lines.map(str::to_owned).to_vec());
    assert_eq!(
        (fields.surname.as_str(), fields.given_names.as_str()),
        ("ERIKSSON", "ANNA MARIA")
    );
    assert_eq!(fields.date_of_birth.as_deref(), Some("1974-08-12"));
    assert_eq!(fields.document_number, "L898902C3");
    // The document number's check digit misprinted.
    let wrong = [lines[0], "L898902C37UTO7408122F1204159ZE184226B<<<<<10"];
    let (g, h, corners) = flat_passport(&wrong, 1100);
    assert_eq!(
        read(&g, 1100, h, &corners, Format::Passport),
        Some(Reading::Unreadable)
    );
}

#[test]
fn the_comb_finds_the_pitch_and_the_first_cell() {
    // Ten characters of 18 pixels, each inked over its middle 10, from x = 30.
    let mut profile = vec![0.0f32; 260];
    for k in 0..10 {
        for x in 0..10 {
            profile[30 + k * 18 + 4 + x] = 100.0;
        }
    }
    let (pitch, first) = comb(&profile, 34.0, 30.0 + 9.0 * 18.0 + 14.0, 10).expect("a fit");
    assert!((pitch - 18.0).abs() < 0.2, "{pitch}");
    // The cells' borders fall in the gaps between characters.
    let border = (first - 30.0).rem_euclid(18.0);
    assert!(!(4.0..14.0).contains(&border), "{first}");
}

/// Share of the labelled set's good card backs (drawn backdrops, real
/// photographs, and photographs posed with another seed) whose zone is read
/// exactly.
#[test]
fn zones_are_read_on_the_labelled_set() {
    let mut counts = Vec::new();
    for (name, set) in [
        ("drawn", labelled::set(1280, 720, 12)),
        ("photographs", labelled::photo_set(1280, 720, 24)),
        (
            "held-out photographs",
            labelled::held_out_photo_set(1280, 720, 24),
        ),
    ] {
        let backs: Vec<_> = set
            .into_iter()
            .filter(|(c, t)| *t == labelled::Truth::Good && c.side == Subject::DocumentBack)
            .collect();
        let (mut read, mut wrong) = (0, 0);
        for (case, _) in &backs {
            let reading = read_frame(&case.render(), case.width, case.height);
            match lines_of(&reading) {
                Some(lines) if lines == zone::specimen(case.seed).to_vec() => read += 1,
                Some(_) => wrong += 1,
                None => {}
            }
        }
        println!(
            "metric: machine-readable zones read, {name}: {read}/{} good backs, {wrong} wrong",
            backs.len()
        );
        counts.push((read, wrong, backs.len()));
    }
    // A reading whose check digits agree is never a wrong one here.
    assert!(counts.iter().all(|&(_, wrong, _)| wrong == 0), "{counts:?}");
    // Every good back read, as measured: the set is made the same way each
    // time, so one zone lost is a change that fails.
    assert!(
        counts.iter().all(|&(read, _, n)| read == n)
            && counts.iter().map(|c| c.2).sum::<usize>() >= 30,
        "{counts:?}"
    );
}
