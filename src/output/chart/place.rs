//! Label placement: each label tries its places and takes the cheapest, the one that covers
//! neither a line of the chart nor another label, preferring the places listed first.

use plotters::style::text_anchor::HPos;

use super::axes::Frame;
use super::style::PAD;
use super::text::{text_height, Label};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bx {
    pub(super) x0: i32,
    pub(super) y0: i32,
    pub(super) x1: i32,
    pub(super) y1: i32,
}

impl Bx {
    fn overlaps(&self, o: &Bx) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn grow(&self, d: i32) -> Bx {
        Bx { x0: self.x0 - d, y0: self.y0 - d, x1: self.x1 + d, y1: self.y1 + d }
    }
}

/// For each pixel column of the plot, the lowest and highest pixel row one series line touches.
struct Envelope {
    left: i32,
    cols: Vec<(i32, i32)>,
}

impl Envelope {
    fn new(left: i32, right: i32) -> Envelope {
        Envelope { left, cols: vec![(i32::MAX, i32::MIN); usize::try_from(right - left + 1).unwrap_or(0)] }
    }

    fn mark(&mut self, x: i32, y0: i32, y1: i32) {
        if let Some(c) = usize::try_from(x - self.left).ok().and_then(|i| self.cols.get_mut(i)) {
            c.0 = c.0.min(y0.min(y1));
            c.1 = c.1.max(y0.max(y1));
        }
    }

    fn of_path(left: i32, right: i32, path: &[(i32, i32)]) -> Envelope {
        let mut envelope = Envelope::new(left, right);
        for w in path.windows(2) {
            let ((ax, ay), (bx, by)) = (w[0], w[1]);
            if ax == bx {
                envelope.mark(ax, ay, by);
                continue;
            }
            let (from, to) = if ax < bx { (w[0], w[1]) } else { (w[1], w[0]) };
            for x in from.0..=to.0 {
                let y = from.1 + (to.1 - from.1) * (x - from.0) / (to.0 - from.0);
                envelope.mark(x, y, y);
            }
        }
        envelope
    }

    /// Whether the line passes through `b` in column `x`.
    fn hits(&self, x: i32, b: &Bx) -> bool {
        usize::try_from(x - self.left)
            .ok()
            .and_then(|i| self.cols.get(i))
            .is_some_and(|&(lo, hi)| lo <= b.y1 && hi >= b.y0)
    }
}

pub(super) struct Placer {
    bounds: Bx,
    /// One per series line.
    envelopes: Vec<Envelope>,
    taken: Vec<Bx>,
    /// Marker lines: a label may cross one, but would much rather not.
    pub(super) lines: Vec<Bx>,
}

/// A place a label may go: its anchor point (x, top of the text) and alignment, how much less it
/// is liked than the first choice, and the marker line that would run from it down to a row.
#[derive(Clone, Copy)]
pub(super) struct Spot {
    pub(super) x: i32,
    pub(super) top: i32,
    pub(super) anchor: HPos,
    pub(super) penalty: u32,
    pub(super) stem: Option<(i32, i32)>,
}

pub(super) fn spot(x: i32, top: i32, anchor: HPos, penalty: u32) -> Spot {
    Spot { x, top, anchor, penalty, stem: None }
}

pub(super) const COVERS_LABEL: u32 = 100_000;
pub(super) const COVERS_LINE: u32 = 1_000;
const CROSSES_MARKER: u32 = 50;

impl Placer {
    pub(super) fn new(f: &Frame, paths: &[&[(i32, i32)]]) -> Placer {
        Placer {
            bounds: Bx { x0: f.left + 2, y0: f.top + 1, x1: f.right, y1: f.bottom - 1 },
            envelopes: paths.iter().map(|p| Envelope::of_path(f.left, f.right, p)).collect(),
            taken: Vec::new(),
            lines: Vec::new(),
        }
    }

    fn boxed(label: &Label, width: i32, spot: &Spot) -> Bx {
        let x0 = match spot.anchor {
            HPos::Left => spot.x,
            HPos::Right => spot.x - width,
            HPos::Center => spot.x - width / 2,
        };
        Bx { x0, y0: spot.top, x1: x0 + width, y1: spot.top + text_height(label.size) }.grow(PAD)
    }

    fn cost(&self, b: &Bx, stem: Option<(i32, i32)>) -> Option<u32> {
        let inside =
            b.x0 >= self.bounds.x0 && b.x1 <= self.bounds.x1 && b.y0 >= self.bounds.y0 && b.y1 <= self.bounds.y1;
        if !inside {
            return None;
        }
        let mut cost = 0;
        let stem = stem.map(|(x, bottom)| Bx { x0: x - 1, y0: b.y1, x1: x + 1, y1: bottom });
        if self.taken.iter().any(|t| t.overlaps(&b.grow(4)) || stem.is_some_and(|s| t.overlaps(&s))) {
            cost += COVERS_LABEL;
        }
        let near = b.grow(5);
        let hits = (near.x0..=near.x1).filter(|&x| self.envelopes.iter().any(|e| e.hits(x, &near))).count() as u32;
        if hits > 0 {
            cost += COVERS_LINE + hits;
        }
        cost += CROSSES_MARKER * self.lines.iter().filter(|l| l.overlaps(b)).count() as u32;
        Some(cost)
    }

    /// Puts `label` at the cheapest of `spots` and returns it with its box; `None` when every spot
    /// is outside the plot or costs `limit` or more.
    pub(super) fn place(
        &mut self,
        mut label: Label,
        spots: &[Spot],
        limit: u32,
    ) -> Result<Option<(Label, Bx)>, String> {
        let width = label.width()?;
        let best = spots
            .iter()
            .filter_map(|s| {
                let b = Placer::boxed(&label, width, s);
                self.cost(&b, s.stem).map(|c| (c.saturating_add(s.penalty), b, s))
            })
            .min_by_key(|(c, _, _)| *c);
        let Some((cost, b, spot)) = best else { return Ok(None) };
        if cost >= limit {
            return Ok(None);
        }
        self.taken.push(b);
        label.at = (spot.x, spot.top);
        label.anchor = spot.anchor;
        Ok(Some((label, b)))
    }
}
