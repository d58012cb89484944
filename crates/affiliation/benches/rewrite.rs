//! In-process link rewriting speed: parse, take known wrappers off, find the program,
//! clean and apply its rule. `cargo bench -p affiliation --bench rewrite` prints URLs
//! per second for plain product links, for links carrying someone else's
//! attribution (cleaned, unwrapped), and for links localized to a visitor's country
//! (the whole engine, `affiliate_with`, answer included).

use affiliation::catalog::parse_catalog;
use affiliation::country::Country;
use affiliation::link::{
    affiliate_with, apply, find_program, parse_product_url, unwrap_all, Applied, LinkOptions,
};
use affiliation::model::{Level, Parameters, Program, TokenRecord, TokenView};
use std::hint::black_box;
use std::time::{Duration, Instant};

const CATALOG: &str = include_str!("../../../catalog/programs.json");

/// Real-looking product links across networks and rule kinds.
const URLS: &[&str] = &[
    "https://www.amazon.com/dp/B08N5WRWNW?th=1&psc=1&tag=someone-20",
    "https://www.amazon.co.uk/Some-Product-Name/dp/B07XJ8C8F5/ref=sr_1_3?keywords=kettle&qid=1700000000",
    "https://www.amazon.de/gp/product/B09B8V1LZ3?language=en_GB#customerReviews",
    "https://www.ebay.com/itm/256123456789?var=0&hash=item3ba1c2d3e4",
    "https://apps.apple.com/us/app/some-app/id1234567890",
    "https://www.walmart.com/ip/Some-Item/123456789?athbdg=L1600",
    "https://www.etsy.com/listing/1234567890/handmade-mug?ref=hp_rv-1",
    "https://www.booking.com/hotel/gb/some-hotel.html?checkin=2026-12-01&checkout=2026-12-03",
    "https://unknown.example.org/product/42",
];

/// Links with someone else's attribution: strip lists, legacy paths, wrappers.
const CLEANED: &[&str] = &[
    "https://www.amazon.com/dp/B0BJMGW6V3?th=1&linkCode=sl1&tag=eiv-20&linkId=8afc&language=en_CA&ref_=as_li_ss_tl",
    "https://www.amazon.com/exec/obidos/ASIN/0596005423/other-20",
    "https://www.amazon.com/Some-Title/dp/B08N5WRWNW/ref=as_li_ss_tl?ie=UTF8&camp=1789&creative=9325&creativeASIN=B08N5WRWNW&linkCode=as2&tag=other-20",
    "https://www.ebay.com/itm/256123456789?mkevt=1&mkcid=1&mkrid=711-53200-19255-0&campid=5339999999&toolid=10001&customid=theirs",
    "https://goto.walmart.com/c/111111/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1",
    "https://www.awin1.com/cread.php?awinmid=6939&awinaffid=999999&ued=https%3A%2F%2Fwww.etsy.com%2Flisting%2F1",
    "https://click.linksynergy.com/deeplink?id=x&mid=3184&murl=https%3A%2F%2Fwww.macys.com%2Fshop%2Fproduct%2Fx%3FID%3D1",
];

/// The CPU time this thread has used, in seconds (Linux: utime + stime from
/// /proc/thread-self/stat, in clock ticks of 10 ms); `None` elsewhere. Figures per
/// CPU-second hold on a busy machine, where wall-clock ones mostly measure the wait.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// "N URLs/s" by the wall clock, and per CPU-second when the thread's CPU time is known.
fn rate(done: u64, seconds: f64, cpu: Option<f64>) -> String {
    let wall = format!("{:.0} URLs/s on one core", done as f64 / seconds);
    match cpu {
        Some(cpu) if cpu > 0.0 => format!(
            "{wall}, {:.0} URLs per CPU-second ({done} URLs in {seconds:.2} s, {cpu:.2} s on the CPU)",
            done as f64 / cpu
        ),
        _ => format!("{wall} ({done} URLs in {seconds:.2} s)"),
    }
}

fn measure(label: &str, urls: &[&str], programs: &[Program], tokens: &[Parameters]) {
    let mut rewritten = 0u64;
    let mut done = 0u64;
    let budget = Duration::from_secs(3);
    let cpu_start = cpu_seconds();
    let started = Instant::now();
    while started.elapsed() < budget {
        for _ in 0..1000 {
            for text in urls {
                let url = parse_product_url(black_box(text)).expect("valid URL");
                let url = unwrap_all(programs, url);
                if let Some(program) = find_program(programs, &url) {
                    let index = programs
                        .iter()
                        .position(|p| p.program_guid == program.program_guid)
                        .unwrap_or(0);
                    if let Applied::Rewritten(out) = apply(program, &url, &tokens[index]) {
                        black_box(out);
                        rewritten += 1;
                    }
                }
                done += 1;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    println!(
        "link rewrite, {label}: {}, {rewritten} rewritten, {} programs in the catalog",
        rate(done, seconds, cpu),
        programs.len()
    );
}

/// Links localized to another storefront of their family (or staying, for the
/// programs without one), with a visitor country each.
const LOCALIZED: &[(&str, &str)] = &[
    (
        "https://www.amazon.com/Some-Title/dp/B08N5WRWNW?th=1&tag=x-20",
        "DE",
    ),
    (
        "https://www.amazon.com/Some-Title/dp/B08N5WRWNW?th=1&tag=x-20",
        "NZ",
    ),
    (
        "https://www.amazon.co.uk/dp/B07XJ8C8F5?psc=1&linkCode=sl1&tag=other-21&linkId=1",
        "FR",
    ),
    (
        "https://www.amazon.de/gp/product/B09B8V1LZ3?language=en_GB#customerReviews",
        "US",
    ),
    (
        "https://www.amazon.com/exec/obidos/ASIN/0596005423/other-20",
        "JP",
    ),
    (
        "https://apps.apple.com/us/app/some-app/id1234567890?mt=8",
        "GB",
    ),
    (
        "https://geo.music.apple.com/gb/album/x/1441164426?i=1441164589",
        "AT",
    ),
    (
        "https://www.ebay.com/itm/256123456789?var=0&hash=item3ba1c2d3e4",
        "DE",
    ),
    (
        "https://www.walmart.com/ip/Some-Item/123456789?athbdg=L1600",
        "CA",
    ),
];

fn measure_localized(programs: &[Program], tokens: &[Parameters]) {
    let views: Vec<TokenView> = programs
        .iter()
        .zip(tokens)
        .map(|(p, parameters)| TokenView {
            record: TokenRecord {
                guid: p.program_guid,
                owner_id: 1,
                level: Level::User,
                program_guid: p.program_guid,
                parameters: parameters.clone(),
                created_at: time::OffsetDateTime::UNIX_EPOCH,
                updated_at: time::OffsetDateTime::UNIX_EPOCH,
            },
            program_name: p.name.clone(),
            program_disabled: p.disabled,
        })
        .collect();
    let links: Vec<(&str, LinkOptions)> = LOCALIZED
        .iter()
        .map(|(url, country)| {
            let options = LinkOptions {
                country: Country::parse(country),
                ..LinkOptions::default()
            };
            (*url, options)
        })
        .collect();
    let (mut done, mut moved) = (0u64, 0u64);
    let budget = Duration::from_secs(3);
    let cpu_start = cpu_seconds();
    let started = Instant::now();
    while started.elapsed() < budget {
        for _ in 0..1000 {
            for (text, options) in &links {
                let link = affiliate_with(black_box(text), programs, &[], &views, *options)
                    .expect("valid URL");
                moved += u64::from(link.placement.is_some_and(|p| p.localized_from.is_some()));
                black_box(link);
                done += 1;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    println!(
        "link rewrite, localized: {}, {moved} moved to another storefront",
        rate(done, seconds, cpu)
    );
}

fn main() {
    let programs = parse_catalog(CATALOG).expect("the shipped catalog parses");
    // Each program's own examples stand in for a user's tokens.
    let tokens: Vec<Parameters> = programs
        .iter()
        .map(|p| {
            p.parameters
                .iter()
                .filter(|param| !param.example.is_empty())
                .map(|param| (param.name.clone(), param.example.clone()))
                .collect()
        })
        .collect();
    measure("plain", URLS, &programs, &tokens);
    measure("cleaned", CLEANED, &programs, &tokens);
    measure_localized(&programs, &tokens);
}
