//! The sample identity the training service "reads from the document".

use crate::verification::models::*;

use super::StoredApplicant;

/// The data "read from the document": the entered names where given, otherwise
/// a sample identity derived from the applicant id.
pub(super) fn extracted(a: &StoredApplicant, images: &[(String, IdDocDef)]) -> ApplicantInfo {
    const FIRST: [&str; 6] = ["ANNA", "JONAS", "MARIA", "LUCAS", "ELENA", "DAVID"];
    const LAST: [&str; 6] = [
        "MUSTERMANN",
        "GARCIA",
        "SCHMIDT",
        "LOPEZ",
        "WEBER",
        "MARTIN",
    ];
    let seed =
        a.id.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let first = a
        .fixed_info
        .first_name
        .clone()
        .unwrap_or_else(|| FIRST[(seed % 6) as usize].to_owned());
    let last = a
        .fixed_info
        .last_name
        .clone()
        .unwrap_or_else(|| LAST[((seed / 7) % 6) as usize].to_owned());
    let dob = a.fixed_info.dob.clone().unwrap_or_else(|| {
        format!(
            "19{:02}-{:02}-{:02}",
            60 + seed % 40,
            1 + (seed / 3) % 12,
            1 + (seed / 5) % 28
        )
    });
    let identity = images.iter().find(|(_, d)| {
        d.id_doc_type
            .as_ref()
            .is_some_and(|t| *t != IdDocType::Selfie)
    });
    let country = identity
        .and_then(|(_, d)| d.country.clone())
        .or_else(|| a.fixed_info.country.clone());
    let doc = ExtractedDoc {
        id_doc_type: identity.and_then(|(_, d)| d.id_doc_type.clone()),
        country: country.clone(),
        first_name: Some(first.clone()),
        last_name: Some(last.clone()),
        dob: Some(dob.clone()),
        number: Some(format!("L{:08X}", seed & 0xffff_ffff)),
        valid_until: Some(format!(
            "20{}-{:02}-{:02}",
            30 + seed % 8,
            1 + (seed / 11) % 12,
            1 + (seed / 13) % 28
        )),
        issued_date: Some(format!(
            "20{}-{:02}-01",
            18 + seed % 6,
            1 + (seed / 17) % 12
        )),
        nationality: country.clone(),
    };
    ApplicantInfo {
        first_name: Some(first),
        last_name: Some(last),
        dob: Some(dob),
        country: country.clone(),
        nationality: country,
        id_docs: vec![doc],
    }
}
