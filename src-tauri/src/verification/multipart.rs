//! multipart/form-data bodies built as bytes, so that what is signed is exactly what is sent.

/// A finished body and the `Content-Type` (with its boundary) that goes with it.
pub struct MultipartBody {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct Part<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub data: &'a [u8],
}

/// Builds the body with a boundary that occurs in none of the parts.
pub fn build(parts: &[Part<'_>], mut random: impl FnMut() -> u64) -> MultipartBody {
    let boundary = loop {
        let candidate = format!("----OnboardKiosk{:016x}{:016x}", random(), random());
        let clash = parts.iter().any(|p| {
            p.data
                .windows(candidate.len())
                .any(|w| w == candidate.as_bytes())
        });
        if !clash {
            break candidate;
        }
    };
    let mut bytes =
        Vec::with_capacity(parts.iter().map(|p| p.data.len() + 256).sum::<usize>() + 64);
    for p in parts {
        bytes.extend_from_slice(b"--");
        bytes.extend_from_slice(boundary.as_bytes());
        bytes.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        bytes.extend_from_slice(quote(p.name).as_bytes());
        bytes.push(b'"');
        if let Some(f) = p.filename {
            bytes.extend_from_slice(b"; filename=\"");
            bytes.extend_from_slice(quote(f).as_bytes());
            bytes.push(b'"');
        }
        bytes.extend_from_slice(b"\r\n");
        if let Some(ct) = p.content_type {
            bytes.extend_from_slice(b"Content-Type: ");
            bytes.extend_from_slice(ct.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(p.data);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"--");
    bytes.extend_from_slice(boundary.as_bytes());
    bytes.extend_from_slice(b"--\r\n");
    MultipartBody {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        bytes,
    }
}

fn quote(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_matching_boundary_and_parts() {
        let body = build(
            &[
                Part {
                    name: "metadata",
                    filename: None,
                    content_type: Some("application/json"),
                    data: br#"{"idDocType":"PASSPORT"}"#,
                },
                Part {
                    name: "content",
                    filename: Some("front.jpg"),
                    content_type: Some("image/jpeg"),
                    data: &[0xff, 0xd8, 0xff, 0xd9],
                },
            ],
            || 7,
        );
        let boundary = body.content_type.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8_lossy(&body.bytes);
        assert!(text.starts_with(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
        )));
        assert!(text.contains(
            "name=\"content\"; filename=\"front.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        ));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert!(body.bytes.windows(4).any(|w| w == [0xff, 0xd8, 0xff, 0xd9]));
    }

    #[test]
    fn boundary_never_occurs_in_the_data() {
        let clash = format!("----OnboardKiosk{:016x}{:016x}", 1, 1);
        let mut n = 0;
        let body = build(
            &[Part {
                name: "content",
                filename: None,
                content_type: None,
                data: clash.as_bytes(),
            }],
            || {
                n += 1;
                if n <= 2 {
                    1
                } else {
                    2
                }
            },
        );
        assert!(!body.content_type.contains(&clash));
    }
}
