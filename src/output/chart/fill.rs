//! Filled polygons for the bitmap: plotters' sweep, without its allocations.
//!
//! plotters draws a line wider than one pixel by turning it into a polygon and filling that with
//! `plotters_backend::rasterizer::fill_polygon`, which rebuilds its list of active edges in a new
//! `Vec` on every column (or row) it sweeps and clones edges while pairing them: about 700
//! instructions a column before any pixel is drawn. [`FastFill`] wraps a [`BitMapBackend`] and
//! runs the same sweep over buffers it keeps (edges advanced and dropped in place, positions
//! computed once a column), making the same `draw_line` and `draw_pixel` calls with the same
//! colours in the same order, so every pixel comes out the same. Everything else is passed to the
//! bitmap unchanged.
//!
//! The sweep below is adapted from plotters-backend 0.3.7, `src/rasterizer/polygon.rs`, under
//! its licence:
//!
//! MIT License
//!
//! Copyright (c) 2019 Hao Hou <haohou302@gmail.com>
//!
//! Permission is hereby granted, free of charge, to any person obtaining a copy
//! of this software and associated documentation files (the "Software"), to deal
//! in the Software without restriction, including without limitation the rights
//! to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
//! copies of the Software, and to permit persons to whom the Software is
//! furnished to do so, subject to the following conditions:
//!
//! The above copyright notice and this permission notice shall be included in all
//! copies or substantial portions of the Software.
//!
//! THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
//! IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
//! FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
//! AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
//! LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
//! OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
//! SOFTWARE.

use plotters::prelude::BitMapBackend;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

/// A [`BitMapBackend`] whose polygons (thick lines among them) are filled by [`sweep`].
///
/// `draw_path` is left to the trait's default, which draws a one-pixel path with `draw_line` and
/// polygonizes a wider one for `fill_polygon`: the bitmap does the same, so its thick lines reach
/// this type's fill.
pub(super) struct FastFill<'a> {
    inner: BitMapBackend<'a>,
    buffers: Buffers,
}

impl<'a> FastFill<'a> {
    /// Wraps `inner`.
    pub(super) fn new(inner: BitMapBackend<'a>) -> Self {
        FastFill { inner, buffers: Buffers::default() }
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for FastFill<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.buffers.vertices.clear();
        self.buffers.vertices.extend(vert);
        sweep(&mut self.inner, &mut self.buffers, style)
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Result<(), Error<'a>> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<T: BackendTextStyle>(&self, text: &str, style: &T) -> Result<(u32, u32), Error<'a>> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }
}

/// What [`sweep`] keeps from one polygon to the next. Points are in sweep space: `.0` along the
/// sweep (x when it runs left to right, y when top to bottom), `.1` across it.
#[derive(Default)]
struct Buffers {
    /// The polygon, in image coordinates.
    vertices: Vec<BackendCoord>,
    /// Its edges, each from its lower end along the sweep, in order of that end.
    edges: Vec<(BackendCoord, BackendCoord)>,
    /// The edges the sweep line crosses, in order across it.
    active: Vec<Edge>,
}

/// An edge the sweep line crosses: plotters' `Edge`, with its position across the sweep kept.
#[derive(Clone, Copy)]
struct Edge {
    epoch: u32,
    total_epoch: u32,
    slave_begin: i32,
    slave_end: i32,
    /// [`Edge::slave_pos`] at the current epoch.
    slave: f64,
}

impl Edge {
    /// The edge from `from` to `to` (sweep space, `from.0 <= to.0`), or none when it is upright
    /// to the sweep.
    fn new(from: BackendCoord, to: BackendCoord) -> Option<Edge> {
        if from.0 == to.0 {
            return None;
        }
        let mut edge =
            Edge { epoch: 0, total_epoch: (to.0 - from.0) as u32, slave_begin: from.1, slave_end: to.1, slave: 0.0 };
        edge.slave = edge.slave_pos();
        Some(edge)
    }

    fn master_pos(&self) -> i32 {
        (self.total_epoch - self.epoch) as i32
    }

    /// One step along the sweep.
    fn advance(&mut self) {
        self.epoch += 1;
        self.slave = self.slave_pos();
    }

    // The same expression as plotters', so the same bits.
    fn slave_pos(&self) -> f64 {
        f64::from(self.slave_begin)
            + (i64::from(self.slave_end - self.slave_begin) * i64::from(self.epoch)) as f64
                / f64::from(self.total_epoch)
    }
}

/// Fills `buffers.vertices` into `back` as plotters' `fill_polygon` does, call for call.
fn sweep<DB: DrawingBackend, S: BackendStyle>(
    back: &mut DB,
    buffers: &mut Buffers,
    style: &S,
) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
    let Some((x_span, y_span)) = spans(&buffers.vertices) else {
        return Ok(());
    };
    // All the points on one upright or level line.
    if x_span.0 == x_span.1 || y_span.0 == y_span.1 {
        return back.draw_line((x_span.0, y_span.0), (x_span.1, y_span.1), style);
    }
    let horizontal = x_span.1 - x_span.0 > y_span.1 - y_span.0;
    let (low, high) = if horizontal { x_span } else { y_span };
    let Buffers { vertices, edges, active } = buffers;
    sorted_edges(vertices, horizontal, edges);
    active.clear();
    let mut next = 0;
    for line in low..=high {
        active.retain_mut(|edge| {
            let crossing = edge.master_pos() > 0;
            if crossing {
                edge.advance();
            }
            crossing
        });
        while let Some(&(from, to)) = edges.get(next).filter(|(from, _)| from.0 <= line) {
            active.extend(Edge::new(from, to));
            next += 1;
        }
        insertion_sort(active);
        fill_line(back, active, line, horizontal, style)?;
    }
    Ok(())
}

/// The spans of x and y over `vertices`, or none when there are none.
fn spans(vertices: &[BackendCoord]) -> Option<((i32, i32), (i32, i32))> {
    let (&(x, y), rest) = vertices.split_first()?;
    Some(rest.iter().fold(((x, x), (y, y)), |((min_x, max_x), (min_y, max_y)), &(x, y)| {
        ((min_x.min(x), max_x.max(x)), (min_y.min(y), max_y.max(y)))
    }))
}

/// The polygon's edges into `edges` in sweep space, each from its lower end, ordered (stably, as
/// plotters sorts them) by that end.
fn sorted_edges(vertices: &[BackendCoord], horizontal: bool, edges: &mut Vec<(BackendCoord, BackendCoord)>) {
    let to_sweep = |(x, y): BackendCoord| if horizontal { (x, y) } else { (y, x) };
    let closing = vertices.last().zip(vertices.first()).map(|(a, b)| (*a, *b));
    edges.clear();
    edges.extend(vertices.windows(2).map(|pair| (pair[0], pair[1])).chain(closing).map(|(a, b)| {
        let (a, b) = (to_sweep(a), to_sweep(b));
        if a.0 > b.0 {
            (b, a)
        } else {
            (a, b)
        }
    }));
    edges.sort_by_key(|(from, _)| from.0);
}

/// Sorts `active` across the sweep, keeping edges at the same place in the order they came (as
/// plotters' stable sort does); the list is short and nearly sorted from the last line.
fn insertion_sort(active: &mut [Edge]) {
    for i in 1..active.len() {
        let mut j = i;
        while j > 0 && active[j - 1].slave > active[j].slave {
            active.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Pairs the edges on sweep line `line` and fills between each pair, exactly as plotters does:
/// an edge ending here pairs only with another ending here, and two ending more than a pixel
/// apart are skipped.
fn fill_line<DB: DrawingBackend, S: BackendStyle>(
    back: &mut DB,
    active: &[Edge],
    line: i32,
    horizontal: bool,
    style: &S,
) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
    let at = |across: i32| if horizontal { (line, across) } else { (across, line) };
    let mut first: Option<Edge> = None;
    let mut second: Option<Edge> = None;
    for &edge in active {
        if first.is_none() {
            first = Some(edge);
        } else if second.is_none() {
            second = Some(edge);
        }
        let (Some(a), Some(b)) = (first, second) else { continue };
        let (a_ends, b_ends) = (a.master_pos() == 0, b.master_pos() == 0);
        second = None;
        if a_ends != b_ends {
            first = Some(if a_ends { b } else { a });
            continue;
        }
        first = None;
        let (from, to) = (a.slave, b.slave);
        if a_ends && to - from > 1.0 {
            continue;
        }
        let ((from_floor, from_ceil), (to_floor, to_ceil)) = (floor_ceil(from), floor_ceil(to));
        back.draw_line(at(from_ceil as i32), at(to_floor as i32), &style.color())?;
        back.draw_pixel(at(from_floor as i32), style.color().mix(from_ceil - from))?;
        // plotters' own asymmetry, kept: the far pixel of an upright sweep gets a negative share.
        let far = if horizontal { to - to_floor } else { to_floor - to };
        back.draw_pixel(at(to_ceil as i32), style.color().mix(far))?;
    }
    Ok(())
}

/// Below this every `f64` has a fraction to drop; from it on, every one is a whole number.
const WHOLE: f64 = 4_503_599_627_370_496.0; // 2^52

/// `(x.floor(), x.ceil())`, bit for bit, inline: without SSE4.1 the standard ones are calls into
/// a software routine, and the sweep takes four a line. Truncation through `i64` is exact below
/// [`WHOLE`]; `copysign` gives -0.0 its sign back (and (-1, 0) its ceiling's).
fn floor_ceil(x: f64) -> (f64, f64) {
    if x.abs() < WHOLE {
        let truncated = x as i64 as f64;
        let floor = if truncated > x { truncated - 1.0 } else { truncated };
        let ceil = if truncated < x { truncated + 1.0 } else { truncated };
        (floor.copysign(x), ceil.copysign(x))
    } else {
        (x, x) // whole already, infinite or NaN
    }
}

#[cfg(test)]
mod tests {
    use plotters::coord::Shift;
    use plotters::element::DashedPathElement;
    use plotters::prelude::*;
    use plotters::style::RGBAColor;
    use proptest::prelude::*;

    use super::{floor_ceil, FastFill, WHOLE};

    /// Small, so that many shapes run off it.
    const SIZE: (u32, u32) = (160, 100);

    /// Something to draw: a polyline (dashed when `dash` is set) or, with `width` 0, a polygon.
    #[derive(Debug, Clone)]
    struct Stroke {
        points: Vec<(i32, i32)>,
        width: u32,
        dash: Option<(u32, u32)>,
        color: RGBAColor,
    }

    fn paint<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, strokes: &[Stroke]) {
        for s in strokes {
            let style = s.color.stroke_width(s.width);
            match (s.width, s.dash) {
                (0, _) => root.draw(&Polygon::new(s.points.clone(), s.color.filled())),
                (_, None) => root.draw(&PathElement::new(s.points.clone(), style)),
                (_, Some((on, off))) => root.draw(&DashedPathElement::new(s.points.iter().copied(), on, off, style)),
            }
            .map_err(|e| e.to_string())
            .expect("drawn");
        }
    }

    /// The RGB pixels of `strokes` on white, drawn by the bitmap itself or through [`FastFill`].
    fn pixels(strokes: &[Stroke], fast: bool) -> Vec<u8> {
        let mut buffer = vec![0xffu8; SIZE.0 as usize * SIZE.1 as usize * 3];
        {
            let bitmap = BitMapBackend::with_buffer(&mut buffer, SIZE);
            if fast {
                let root = FastFill::new(bitmap).into_drawing_area();
                paint(&root, strokes);
                root.present().expect("presented");
            } else {
                let root = bitmap.into_drawing_area();
                paint(&root, strokes);
                root.present().expect("presented");
            }
        }
        buffer
    }

    fn stroke(points: &[(i32, i32)], width: u32, dash: Option<(u32, u32)>, alpha: f64) -> Stroke {
        let color = RGBAColor(200, (width * 50 % 256) as u8, 40, alpha);
        Stroke { points: points.to_vec(), width, dash, color }
    }

    /// A polyline's points and its dashes, if any.
    type Line = (Vec<(i32, i32)>, Option<(u32, u32)>);

    /// Shallow, steep, zigzag, stepped, dashed, a dot, crossing and partly or wholly off the image.
    fn lines() -> Vec<Line> {
        let zigzag: Vec<_> = (0..40).map(|i| (i * 4 - 3, if i % 2 == 0 { 10 } else { 85 })).collect();
        let steps: Vec<_> = (0..30).flat_map(|i| [(i * 6, 90 - i * 3), (i * 6 + 6, 90 - i * 3)]).collect();
        let fine: Vec<_> = (0..200).map(|i| (i - 20, 50 + (i * 7 % 13) - (i / 9))).collect();
        vec![
            (vec![(-10, 20), (170, 35)], None),
            (vec![(5, -30), (12, 130)], None),
            (vec![(20, 20), (20, 80)], None),
            (vec![(10, 60), (150, 60)], None),
            (vec![(30, 30), (30, 30)], None),
            (vec![(0, 0), (80, 95), (159, 0), (60, 99)], None),
            (zigzag.clone(), None),
            (steps.clone(), None),
            (fine, None),
            (zigzag, Some((7, 3))),
            (steps, Some((4, 4))),
            (vec![(-40, 90), (200, -5), (100, 140)], Some((9, 5))),
        ]
    }

    #[test]
    fn thick_lines_are_drawn_pixel_for_pixel_as_plotters_draws_them() {
        for width in [1, 2, 3, 4, 5, 7] {
            for alpha in [1.0, 0.45] {
                let strokes: Vec<_> = lines().iter().map(|(p, dash)| stroke(p, width, *dash, alpha)).collect();
                let plain = pixels(&strokes, false);
                assert!(plain.iter().any(|&b| b != 0xff), "width {width}: something is drawn");
                assert!(plain == pixels(&strokes, true), "width {width}, alpha {alpha}");
            }
        }
    }

    #[test]
    fn polygons_are_filled_pixel_for_pixel_as_plotters_fills_them() {
        let shapes = [
            vec![(10, 10), (150, 20), (80, 95)],
            vec![(-30, 50), (60, -20), (190, 50), (60, 130)],
            vec![(20, 20), (140, 80), (140, 20), (20, 80)],
            vec![(40, 5), (45, 95), (50, 5), (55, 95), (60, 5)],
        ];
        let strokes: Vec<_> = shapes.iter().map(|p| stroke(p, 0, None, 0.6)).collect();
        assert!(pixels(&strokes, false) == pixels(&strokes, true));
    }

    fn assert_same(x: f64) {
        let (floor, ceil) = floor_ceil(x);
        assert_eq!(floor.to_bits(), x.floor().to_bits(), "floor({x:e})");
        assert_eq!(ceil.to_bits(), x.ceil().to_bits(), "ceil({x:e})");
    }

    #[test]
    fn inline_floor_and_ceil_are_the_standard_ones_bit_for_bit() {
        let edges = [0.0, 0.5, 1.0, 1.5, 2.0, 1e-300, 0.999_999_999_999_999_9, 4.0e9, WHOLE - 0.5, WHOLE, 1e300];
        for x in edges.into_iter().chain((1..50_000).map(|i| f64::from(i) / 7.0 + f64::from(i % 13) * 0.0001)) {
            assert_same(x);
            assert_same(-x);
        }
        // Edge positions as the sweep makes them: begin + (end - begin) * epoch / total.
        for total in 1..60u32 {
            for epoch in 0..=total {
                for (begin, end) in [(-40, 130), (130, -40), (0, -1), (-1, 0), (7, 7), (-700, -699)] {
                    let x = f64::from(begin) + (i64::from(end - begin) * i64::from(epoch)) as f64 / f64::from(total);
                    assert_same(x);
                }
            }
        }
        for x in [f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, f64::MIN_POSITIVE, -0.0] {
            assert_same(x);
        }
        let (floor, ceil) = floor_ceil(f64::NAN);
        assert!(floor.is_nan() && ceil.is_nan());
    }

    fn any_stroke() -> impl Strategy<Value = Stroke> {
        let point = (-40i32..200, -40i32..140);
        let dash = prop::option::of((1u32..12, 1u32..12));
        (prop::collection::vec(point, 1..24), 0u32..8, dash, prop::bool::ANY)
            .prop_map(|(points, width, dash, opaque)| stroke(&points, width, dash, if opaque { 1.0 } else { 0.5 }))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

        #[test]
        fn inline_floor_and_ceil_agree_on_any_number(
            x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO
        ) {
            assert_same(x);
        }

        #[test]
        fn any_strokes_are_drawn_pixel_for_pixel_as_plotters_draws_them(
            strokes in prop::collection::vec(any_stroke(), 1..6)
        ) {
            prop_assert!(pixels(&strokes, false) == pixels(&strokes, true));
        }
    }
}
