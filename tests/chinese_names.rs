//! Chinese party names are drawn from the embedded CJK font (issue 18): the book's channel with
//! 艾玛 and 法比安 (`scenarios/zh/emma-fabian-zh.toml`) against the same channel named with
//! private-use characters neither font has, which the charts can only draw as `.notdef` boxes.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// The RGB pixels of the PNG at `path`.
fn pixels(path: &Path) -> Vec<u8> {
    let file = fs::File::open(path).expect("the PNG exists");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file)).read_info().expect("a PNG header");
    let mut rgb = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut rgb).expect("a PNG frame");
    rgb
}

/// The legend's band of the balance chart (the names are set there, right of the caption).
fn legend(rgb: &[u8]) -> Vec<u8> {
    (55..85).flat_map(|y| rgb[(y * 1280 + 560) * 3..(y * 1280 + 1280) * 3].to_vec()).collect()
}

#[test]
fn chinese_names_are_drawn_with_ink_not_boxes_and_undrawable_ones_are_warned_of_once() {
    let out = tempfile::tempdir().unwrap();
    let o = run_ok("scenarios/zh/emma-fabian-zh.toml", out.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("no glyph"), "every character of 艾玛 and 法比安 is in a font: {stderr}");
    let zh = out.path().join("emma-fabian-zh");
    let svg = fs::read_to_string(zh.join("balance.svg")).unwrap();
    assert!(
        svg.contains("font-family=\"sans-serif, Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei\""),
        "the SVG names the CJK fallback for the names"
    );
    assert!(svg.contains(">\n艾玛 \n</text>"), "艾玛 is a run of its own in the SVG");

    // Same lengths (2 and 3 characters), in neither font: DejaVu's `.notdef` boxes.
    let boxes = fs::read_to_string(root().join("scenarios/zh/emma-fabian-zh.toml"))
        .unwrap()
        .replace("emma-fabian-zh", "boxes")
        .replace("payer = \"艾玛\"", "payer = \"\u{E000}\u{E001}\"")
        .replace("payee = \"法比安\"", "payee = \"\u{E002}\u{E003}\u{E004}\"");
    let file = out.path().join("boxes.toml");
    fs::write(&file, boxes).unwrap();
    let o = run_ok(file.to_str().unwrap(), out.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    let warned =
        |field: &str| stderr.lines().filter(|l| l.contains(&format!("{field} = \"")) && l.contains("no glyph")).count();
    assert_eq!((warned("payer"), warned("payee")), (1, 1), "one warning per field: {stderr}");
    for c in ["U+E000", "U+E001", "U+E002", "U+E003", "U+E004"] {
        assert_eq!(stderr.matches(c).count(), 1, "{c} named once: {stderr}");
    }

    let (names, notdef) = (pixels(&zh.join("balance.png")), pixels(&out.path().join("boxes/balance.png")));
    let (names, notdef) = (legend(&names), legend(&notdef));
    assert_ne!(names, notdef, "the legend's names are drawn as boxes");
    // Ink in the names: the band is not blank either.
    assert!(names.iter().filter(|&&b| b < 128).count() > 500, "the legend has ink");
}
