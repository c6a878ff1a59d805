//! `kioskctl check-image`: the kiosk's quality checks on an image file.

use std::path::PathBuf;

use serde_json::json;

use crate::quality::{self, DecodeLimits, Frame, Kind, Thresholds};

use super::Failure;

#[derive(clap::Args)]
pub struct Args {
    file: PathBuf,
    /// What the image shows: a document side or a selfie.
    #[arg(long, value_enum, default_value = "document")]
    kind: KindArg,
    /// Which side of the document the image should show.
    #[arg(long, value_enum)]
    side: Option<SideArg>,
    /// The front already taken: with `--side back`, an image showing the
    /// same side again is `same_side_again`.
    #[arg(long, requires = "side")]
    front: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Document,
    Selfie,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SideArg {
    Front,
    Back,
}

/// Reads and decodes an image file, off the async threads.
async fn read(path: &std::path::Path) -> Result<(u32, u32, Vec<u8>), Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::BadInput(format!("cannot read {}: {e}", path.display())))?;
    tokio::task::spawn_blocking(move || quality::decode(&bytes, DecodeLimits::default()))
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?
        .map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))
}

/// The side the front file shows, to compare the back with.
async fn front_side(path: &std::path::Path) -> Result<quality::Side, Failure> {
    let (width, height, rgb) = read(path).await?;
    let frame = Frame {
        width,
        height,
        rgb: &rgb,
    };
    quality::assess_file(
        frame,
        Kind::Document,
        &Thresholds::default(),
        None,
        (false, false),
    )
    .side
    .ok_or_else(|| {
        Failure::BadInput(format!(
            "{}: no whole document found to compare with",
            path.display()
        ))
    })
}

/// Exit 0 when the image passes, 1 when a check rejects it, 2 when it cannot be read.
pub async fn run(args: Args) -> Result<(), Failure> {
    let (width, height, rgb) = read(&args.file).await?;
    let front = match (&args.front, args.side) {
        (Some(path), Some(SideArg::Back)) => Some(front_side(path).await?),
        (Some(_), _) => {
            return Err(Failure::BadInput(
                "--front is compared with a back: give --side back".into(),
            ))
        }
        (None, _) => None,
    };
    let kind = match args.kind {
        KindArg::Document => Kind::Document,
        KindArg::Selfie => Kind::Selfie,
    };
    let report = quality::assess_file(
        Frame {
            width,
            height,
            rgb: &rgb,
        },
        kind,
        &Thresholds::default(),
        front.as_ref(),
        (
            kind == Kind::Document && args.side == Some(SideArg::Front),
            kind == Kind::Document && args.side == Some(SideArg::Back),
        ),
    );
    let verdict = if report.accepted() {
        "accept"
    } else {
        "reject"
    };
    if args.json {
        println!(
            "{}",
            json!({
                "width": report.width,
                "height": report.height,
                "laplacian_variance": report.laplacian_variance,
                "sharpness": report.sharpness,
                "brightness": report.brightness,
                "glare_fraction": report.glare_fraction,
                "analysis_ms": report.analysis_ms,
                "document": report.document.as_ref().map(|d| json!({
                    "corners": d.corners,
                    "fill_fraction": d.fill_fraction,
                    "effective_dpi": d.effective_dpi,
                })),
                "faces": report.faces.iter().map(|f| json!({
                    "x": f.x, "y": f.y, "width": f.width, "height": f.height, "score": f.score,
                })).collect::<Vec<_>>(),
                "verdict": verdict,
                "problems": report.problems.iter().map(|p| json!({"code": p.code.as_str(), "message": p.message})).collect::<Vec<_>>(),
            })
        );
    } else {
        println!(
            "{}: {}×{}, {verdict}",
            args.file.display(),
            report.width,
            report.height
        );
        let full_size = report
            .laplacian_variance
            .map(|v| format!(" (Laplacian variance {v:.1})"))
            .unwrap_or_default();
        println!(
            "  sharpness {:.0}{full_size}, brightness {:.0}, glare {:.2} %",
            report.sharpness,
            report.brightness,
            report.glare_fraction * 100.0
        );
        match &report.document {
            Some(d) => println!(
                "  document: {:.0} dpi, {:.0} % of the picture",
                d.effective_dpi,
                d.fill_fraction * 100.0
            ),
            None if kind == Kind::Document => println!("  document: not found"),
            None => {}
        }
        if kind == Kind::Selfie || !report.faces.is_empty() {
            println!("  faces: {}", report.faces.len());
        }
        for p in &report.problems {
            println!("  {}: {}", p.code.as_str(), p.message);
        }
    }
    if report.accepted() {
        Ok(())
    } else {
        Err(Failure::Rejected)
    }
}
