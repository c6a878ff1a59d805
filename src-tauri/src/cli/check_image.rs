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
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Document,
    Selfie,
}

/// Exit 0 when the image passes, 1 when a check rejects it, 2 when it cannot be read.
pub async fn run(args: Args) -> Result<(), Failure> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| Failure::BadInput(format!("cannot read {}: {e}", args.file.display())))?;
    let (width, height, rgb) =
        tokio::task::spawn_blocking(move || quality::decode(&bytes, DecodeLimits::default()))
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?
            .map_err(|e| Failure::BadInput(format!("{}: {e}", args.file.display())))?;
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
        println!(
            "  sharpness {:.0} (Laplacian variance {:.1}), brightness {:.0}, glare {:.2} %",
            report.sharpness,
            report.laplacian_variance,
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
