//! The benchmark driver; everything is in [`bench::driver`]. Run it with `scripts/bench`.

fn main() -> std::process::ExitCode {
    bench::driver::main()
}
