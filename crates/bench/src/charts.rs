//! The run's charts, as SVG files (plotters' SVG backend; no browser, no fonts needed):
//! requests/s of every pass beside the limit's, and p50/p99 of every pass.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One pass as the charts show it (medians over the runs).
pub struct Bar {
    pub label: &'static str,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

const LIMIT_GREY: RGBColor = RGBColor(150, 150, 150);
const PASS_BLUE: RGBColor = RGBColor(45, 110, 190);
const P99_ORANGE: RGBColor = RGBColor(230, 130, 40);

/// Writes `<backend>-requests.svg` and `<backend>-latency.svg` into `dir`.
pub fn write(dir: &Path, backend: &str, title: &str, bars: &[Bar]) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let requests = dir.join(format!("{backend}-requests.svg"));
    let latency = dir.join(format!("{backend}-latency.svg"));
    requests_chart(&requests, &format!("{title}: requests/s per pass"), bars)
        .map_err(|e| format!("{}: {e}", requests.display()))?;
    latency_chart(&latency, &format!("{title}: p50 and p99 per pass"), bars)
        .map_err(|e| format!("{}: {e}", latency.display()))?;
    Ok(vec![requests, latency])
}

type Drawn = Result<(), Box<dyn std::error::Error>>;

fn label_of(bars: &[Bar]) -> impl Fn(&SegmentValue<usize>) -> String + '_ {
    |value| match value {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => bars
            .get(*i)
            .map(|b| b.label.to_string())
            .unwrap_or_default(),
        SegmentValue::Last => String::new(),
    }
}

fn requests_chart(path: &Path, title: &str, bars: &[Bar]) -> Drawn {
    let root = SVGBackend::new(path, (960, 440)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = bars.iter().map(|b| b.per_second).fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(72)
        .build_cartesian_2d((0..bars.len()).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len())
        .x_label_formatter(&label_of(bars))
        .y_desc("requests/s")
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
        let color = if i == 0 { LIMIT_GREY } else { PASS_BLUE };
        let mut rect = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), bar.per_second),
            ],
            color.filled(),
        );
        rect.set_margin(0, 0, 10, 10);
        rect
    }))?;
    let limit = bars.first().map_or(1.0, |b| b.per_second.max(1e-9));
    chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
        let text = format!(
            "{:.0}/s ({:.0}%)",
            bar.per_second,
            bar.per_second / limit * 100.0
        );
        Text::new(
            text,
            (SegmentValue::Exact(i), bar.per_second + top * 0.02),
            ("sans-serif", 12),
        )
    }))?;
    root.present()?;
    Ok(())
}

fn latency_chart(path: &Path, title: &str, bars: &[Bar]) -> Drawn {
    let root = SVGBackend::new(path, (960, 440)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = bars.iter().map(|b| b.p99_ms).fold(0.1, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d((0..bars.len()).into_segmented(), 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len())
        .x_label_formatter(&label_of(bars))
        .y_desc("ms")
        .draw()?;
    // Each pass's segment: p50 on its left half, p99 on its right half.
    let segment = 880 / bars.len().max(1) as u32;
    let half = segment / 2;
    for (quantile, color, left, right) in
        [("p50", PASS_BLUE, 6, half), ("p99", P99_ORANGE, half, 6)]
    {
        chart
            .draw_series(bars.iter().enumerate().map(|(i, bar)| {
                let value = if quantile == "p50" {
                    bar.p50_ms
                } else {
                    bar.p99_ms
                };
                let mut rect = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), value),
                    ],
                    color.filled(),
                );
                rect.set_margin(0, 0, left, right);
                rect
            }))?
            .label(quantile)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
