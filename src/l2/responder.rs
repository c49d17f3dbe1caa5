//! ARP/ND responder (placeholder until its commit).
