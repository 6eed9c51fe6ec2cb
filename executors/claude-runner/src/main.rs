//! `claude-runner`: placeholder until the AI executor lands.
fn main() {}
