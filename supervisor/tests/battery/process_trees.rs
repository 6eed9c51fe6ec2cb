//! process_trees experiments of the fault battery (filled in by its owner).
