//! A photo file checked (an import, `kioskctl check-image`): like a still,
//! and when no document is found in it, as a scan cropped to one.

use super::problems::{framing, light, problem, sharpness_and_glare};
use super::{
    mrz, outline, unreadable_zone, Assessor, Frame, Kind, ProblemCode, QualityReport, Side,
    Thresholds,
};

/// Checks a photo file (an import, `kioskctl check-image`). A file cropped
/// to the document (a scan) has no edges around it: when no document is
/// found and the picture has the proportions of an ID-1 card or a passport
/// page, the whole picture is taken as the document. With `other_side`, the
/// side already taken, showing it again is `same_side_again`; with
/// `portrait` (a card's front, a passport page) a document without its
/// holder's portrait is `no_portrait`; with `mrz` (a card's back, a
/// passport page) its machine-readable zone is judged for glare and read.
pub fn assess_file(
    frame: Frame<'_>,
    kind: Kind,
    thresholds: &Thresholds,
    other_side: Option<&Side>,
    (portrait, mrz): (bool, bool),
) -> QualityReport {
    let mut assessor = Assessor::new(thresholds.clone())
        .at_full_resolution(true)
        .comparing_with(other_side.cloned())
        .expecting_portrait(portrait)
        .judging_mrz(mrz)
        .reading_zone(mrz);
    let mut report = assessor.assess(frame, kind);
    if kind == Kind::Document && report.document.is_none() {
        if let Some(whole) = outline::whole_picture(frame.width, frame.height) {
            // The framing of the whole picture, what was found besides, and
            // now that there is a document, its side, sharpness and glare.
            let mut problems = framing(Some(&Some(whole.clone())), frame.width, thresholds);
            // At the analysis size, as a camera frame's side is.
            if let Some((sw, sh, small)) = assessor.previous.take() {
                let (sw, sh) = (sw as usize, sh as usize);
                let scale = sw as f32 / frame.width as f32;
                let quad = whole.corners.map(|[x, y]| [x * scale, y * scale]);
                report.side = Side::of(&small, sw, sh, &quad);
                if portrait {
                    report.faces = assessor.faces.portrait(
                        &small,
                        sw,
                        sh,
                        &quad,
                        1.0 / scale,
                        whole.format.aspect(),
                    );
                }
            }
            if mrz {
                // `assessor.grey` is the full-size picture: a still.
                report.zone = mrz::read::read(
                    &assessor.grey,
                    frame.width as usize,
                    frame.height as usize,
                    &whole.corners,
                    whole.format,
                );
            }
            problems.extend(assessor.same_side(report.side.as_ref()));
            if portrait && report.faces.is_empty() {
                problems.push(problem(ProblemCode::NoPortrait));
            }
            // The light as a document's: white paper is not overexposed.
            problems.extend(report.problems.into_iter().filter(|p| {
                !matches!(
                    p.code,
                    ProblemCode::NoDocument | ProblemCode::TooDark | ProblemCode::TooBright
                )
            }));
            problems.extend(light(
                report.brightness,
                thresholds.min_brightness,
                thresholds.max_document_brightness,
            ));
            let dark = problems.iter().any(|p| p.code == ProblemCode::TooDark);
            problems.extend(sharpness_and_glare(
                report.sharpness,
                report.glare_fraction,
                kind,
                dark,
                thresholds,
            ));
            problems.extend(unreadable_zone(&problems, report.zone.as_ref()));
            report.problems = problems;
            report.document = Some(whole);
        }
    }
    report
}
