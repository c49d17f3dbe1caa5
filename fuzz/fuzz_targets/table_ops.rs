//! The keyed table under arbitrary operation sequences against a map, through the checker the
//! unit proptest uses (`neutrino::table::model::Checked`, feature `fuzzing`): insert,
//! insert-or-evict, remove, get, contains, update, bursts (the pipeline or the cache-resident
//! path, and the slot handles of `find_burst`) and partial sweeps. Small capacities and a key
//! space a few times larger keep the table full; a refused insert below capacity is accepted
//! only when the reference holds at least 7/8 of the capacity less one bucket, and must leave
//! the table unchanged. The final contents are compared entry by entry.
#![no_main]
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use neutrino::table::model::{Checked, Op};

/// The next operation (the checker's `Op` is not `Arbitrary`: the core does not depend on it).
fn op(u: &mut Unstructured) -> Result<Op> {
    let burst = |u: &mut Unstructured| -> Result<Vec<u16>> {
        let n = u.int_in_range(0..=64)?;
        (0..n).map(|_| u.arbitrary()).collect()
    };
    Ok(match u.choose_index(8)? {
        0 => Op::Insert(u.arbitrary()?, u.arbitrary()?),
        1 => Op::Evict(u.arbitrary()?, u.arbitrary()?),
        2 => Op::Remove(u.arbitrary()?),
        3 => Op::Get(u.arbitrary()?),
        4 => Op::Update(u.arbitrary()?),
        5 => Op::Burst(burst(u)?),
        6 => Op::FindBurst(burst(u)?),
        _ => Op::Sweep(u.arbitrary()?),
    })
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(cap), Ok(keys), Ok(seed)) = (u.arbitrary::<u8>(), u.arbitrary::<u16>(), u.arbitrary())
    else {
        return;
    };
    let cap = usize::from(cap % 64) + 1;
    let Ok(mut c) = Checked::new(cap, keys % 512 + 1, seed) else {
        return;
    };
    // (An exhausted `Unstructured` keeps answering zeros: stop at the end of the input.)
    while !u.is_empty() {
        let Ok(o) = op(&mut u) else { break };
        if let Err(e) = c.step(&o) {
            panic!("{o:?}: {e}");
        }
    }
    if let Err(e) = c.finish() {
        panic!("{e}");
    }
});
