//! Rebuilds the supervisor when any dashboard file changes, since the
//! dashboard is embedded into the binary.
fn main() {
    println!("cargo:rerun-if-changed=../dashboard");
}
