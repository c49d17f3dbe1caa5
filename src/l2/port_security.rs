//! Port security (placeholder until its commit).
