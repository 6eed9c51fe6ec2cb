//! The fault battery (issue 7): the real binaries under crashes, escaping
//! process trees, full disks and hostile clients. Slower than `tests/api`;
//! `scripts/test` runs it as its own step. Each module owns one family of
//! experiments and says which RELIABILITY.md guarantee it proves.

#[path = "../api/fixture.rs"]
mod fixture;

mod crash_loop;
mod disks;
mod hostile_clients;
mod process_trees;
