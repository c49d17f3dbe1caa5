//! [`Segment`]: one value per Neutron network segment — flat, vlan, vxlan, gre or geneve, with
//! its physical network or local tunnel endpoint — dispatching encap and decap, so a caller
//! holds one value per network.
//!
//! Validation follows Neutron's type drivers: flat and VLAN segments need a physical network
//! (at most 64 bytes, the column size), VLAN ids are 1..=4094, VNIs 1..=2^24 − 1, GRE keys
//! 1..=2^32 − 1 (same messages as Neutron).
//!
//! Decap semantics per type: a flat segment carries untagged frames (a tagged frame belongs to
//! a VLAN segment of the same physical network and is refused with [`EncapError::WrongId`]);
//! a VLAN segment pops its own tag only; a tunnel segment runs its [`DecapCtx`] (expected id,
//! local endpoint as the outer destination).

use core::net::IpAddr;

use arrayvec::ArrayString;

use crate::buf::PacketBuf;
use crate::wire::vlan::is_tpid;
use crate::wire::{Layer, WireError};

use super::context::{EncapConfig, EncapCtx, Remote, TunnelHeader, TunnelType, Underlay};
use super::decap::{DecapConfig, DecapCtx, Decapped};
use super::error::{ConfigError, EncapError, Stats};
use super::mtu::{self, MtuConfig};
use super::vlan::{self, Tpid, VlanTagSpec};

/// Longest physical network name (Neutron's `physical_network` column is String(64)).
pub const PHYSNET_MAX_LEN: usize = 64;

/// A physical network name.
pub type Physnet = ArrayString<PHYSNET_MAX_LEN>;

/// Neutron's `network_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NetworkType {
    /// Untagged on a physical network.
    Flat = 0,
    /// 802.1Q (or 802.1ad) tagged on a physical network.
    Vlan = 4,
    /// VXLAN overlay.
    Vxlan = 1,
    /// GENEVE overlay.
    Geneve = 2,
    /// GRE overlay.
    Gre = 3,
}

impl NetworkType {
    /// Neutron's name: `flat`, `vlan`, `vxlan`, `geneve`, `gre`.
    pub const fn name(self) -> &'static str {
        match self {
            NetworkType::Flat => "flat",
            NetworkType::Vlan => "vlan",
            NetworkType::Vxlan => "vxlan",
            NetworkType::Geneve => "geneve",
            NetworkType::Gre => "gre",
        }
    }

    /// True for the overlay types.
    pub const fn is_tunnel(self) -> bool {
        matches!(
            self,
            NetworkType::Vxlan | NetworkType::Geneve | NetworkType::Gre
        )
    }
}

impl From<TunnelType> for NetworkType {
    fn from(t: TunnelType) -> Self {
        match t {
            TunnelType::Vxlan => NetworkType::Vxlan,
            TunnelType::Geneve => NetworkType::Geneve,
            TunnelType::Gre => NetworkType::Gre,
        }
    }
}

/// What [`Segment::decap`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// The segment's type.
    pub network_type: NetworkType,
    /// VLAN id, VNI or key (0 for flat).
    pub id: u32,
    /// For tunnels, the outer details (remote VTEP for FDB learning, inner offset, ...).
    pub tunnel: Option<Decapped>,
}

// Held inline (no allocation in the core); a segment is a long-lived per-network value.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Kind {
    Flat { physnet: Physnet },
    Vlan { physnet: Physnet, tag: VlanTagSpec },
    Tunnel { encap: EncapCtx, decap: DecapCtx },
}

/// One Neutron network segment with its datapath operations.
#[derive(Debug, Clone)]
pub struct Segment {
    kind: Kind,
    tx: Stats,
    rx: Stats,
}

fn physnet(name: &str, kind: &'static str) -> Result<Physnet, ConfigError> {
    if name.is_empty() {
        return Err(ConfigError::PhysnetRequired { kind });
    }
    Physnet::from(name).map_err(|_| ConfigError::PhysnetTooLong { len: name.len() })
}

impl Segment {
    fn new(kind: Kind) -> Self {
        Segment {
            kind,
            tx: Stats::default(),
            rx: Stats::default(),
        }
    }

    /// A flat segment on `physical_network`.
    pub fn flat(physical_network: &str) -> Result<Self, ConfigError> {
        Ok(Self::new(Kind::Flat {
            physnet: physnet(physical_network, "flat")?,
        }))
    }

    /// An 802.1Q VLAN segment (VID 1..=4094) on `physical_network`.
    pub fn vlan(physical_network: &str, vid: u16) -> Result<Self, ConfigError> {
        Self::vlan_tagged(physical_network, Tpid::Dot1Q, vid)
    }

    /// A VLAN segment with an explicit TPID (802.1ad for a QinQ service VLAN).
    pub fn vlan_tagged(physical_network: &str, tpid: Tpid, vid: u16) -> Result<Self, ConfigError> {
        let physnet = physnet(physical_network, "vlan")?;
        if vid == 0 || vid > crate::wire::vlan::VID_MAX {
            return Err(ConfigError::VlanOutOfRange { vid });
        }
        Ok(Self::new(Kind::Vlan {
            physnet,
            tag: VlanTagSpec::new(tpid, vid, 0, false)?,
        }))
    }

    /// A tunnel segment (vxlan, geneve or gre by `header`) from the local `underlay`. Remotes
    /// are given per packet ([`Segment::encap`]); decap expects this id and the local address.
    pub fn tunnel(header: TunnelHeader, underlay: &Underlay) -> Result<Self, ConfigError> {
        let cfg = EncapConfig {
            header,
            underlay: *underlay,
            remote: None,
        };
        let encap = EncapCtx::new(&cfg)?;
        let decap = DecapCtx::new(&DecapConfig::for_encap(&cfg))?;
        Ok(Self::new(Kind::Tunnel { encap, decap }))
    }

    /// Neutron's `network_type`.
    pub fn network_type(&self) -> NetworkType {
        match &self.kind {
            Kind::Flat { .. } => NetworkType::Flat,
            Kind::Vlan { .. } => NetworkType::Vlan,
            Kind::Tunnel { encap, .. } => encap.tunnel_type().into(),
        }
    }

    /// Neutron's `segmentation_id` (`None` for flat).
    pub fn segmentation_id(&self) -> Option<u32> {
        match &self.kind {
            Kind::Flat { .. } => None,
            Kind::Vlan { tag, .. } => Some(u32::from(tag.vid())),
            Kind::Tunnel { encap, .. } => Some(encap.id()),
        }
    }

    /// Neutron's `physical_network` (`None` for tunnels).
    pub fn physical_network(&self) -> Option<&str> {
        match &self.kind {
            Kind::Flat { physnet } | Kind::Vlan { physnet, .. } => Some(physnet.as_str()),
            Kind::Tunnel { .. } => None,
        }
    }

    /// The local tunnel endpoint (`None` for flat and VLAN).
    pub fn local_ip(&self) -> Option<IpAddr> {
        match &self.kind {
            Kind::Tunnel { decap, .. } => decap.config().local_ip,
            _ => None,
        }
    }

    /// Bytes encap adds: 0 flat, 4 VLAN, the outer headers for tunnels.
    pub fn overhead(&self) -> usize {
        match &self.kind {
            Kind::Flat { .. } => 0,
            Kind::Vlan { .. } => crate::wire::vlan::TAG_LEN,
            Kind::Tunnel { encap, .. } => encap.overhead(),
        }
    }

    /// The network MTU Neutron derives for this segment ([`mtu::segment_mtu`]).
    pub fn mtu(&self, cfg: &MtuConfig<'_>) -> u16 {
        mtu::segment_mtu(cfg, self.network_type(), self.physical_network())
    }

    /// Transmit counters (packets encapsulated, drops by reason).
    pub fn tx_stats(&self) -> &Stats {
        &self.tx
    }

    /// Receive counters.
    pub fn rx_stats(&self) -> &Stats {
        &self.rx
    }

    /// Prepares the frame in `buf` for the wire: nothing for flat, the VLAN tag, or the tunnel
    /// headers toward `remote` (required for tunnels: [`EncapError::NoRemote`] without).
    /// On error nothing changes.
    pub fn encap(
        &mut self,
        buf: &mut PacketBuf<'_>,
        remote: Option<&Remote>,
    ) -> Result<(), EncapError> {
        let r = match (&mut self.kind, remote) {
            (Kind::Flat { .. }, _) => {
                WireError::check_len(Layer::Ethernet, 14, buf.len()).map_err(EncapError::from)
            }
            (Kind::Vlan { tag, .. }, _) => vlan::push(buf, *tag),
            (Kind::Tunnel { encap, .. }, Some(r)) => encap.encap_to(buf, r),
            (Kind::Tunnel { .. }, None) => Err(EncapError::NoRemote),
        };
        self.tx.count(&r, buf.len());
        r
    }

    /// Checks that the frame in `buf` belongs to this segment and strips what encap added.
    /// On error nothing changes.
    pub fn decap(&mut self, buf: &mut PacketBuf<'_>) -> Result<Received, EncapError> {
        let network_type = self.network_type();
        let r = match &mut self.kind {
            Kind::Flat { .. } => {
                let d = buf.data();
                let et = match d.get(12..14) {
                    Some(e) => u16::from_be_bytes([e[0], e[1]]),
                    None => 0,
                };
                if d.len() < 14 {
                    Err(WireError::Truncated {
                        layer: Layer::Ethernet,
                        need: 14,
                        have: d.len(),
                    }
                    .into())
                } else if is_tpid(et) {
                    let vid = d
                        .get(14..16)
                        .map_or(0, |t| u16::from_be_bytes([t[0], t[1]]) & 0xfff);
                    Err(EncapError::WrongId {
                        expected: 0,
                        found: u32::from(vid),
                    })
                } else {
                    Ok(Received {
                        network_type,
                        id: 0,
                        tunnel: None,
                    })
                }
            }
            Kind::Vlan { tag, .. } => {
                vlan::pop_expect(buf, tag.tpid(), tag.vid()).map(|_| Received {
                    network_type,
                    id: u32::from(tag.vid()),
                    tunnel: None,
                })
            }
            Kind::Tunnel { decap, .. } => decap.decap(buf).map(|d| Received {
                network_type,
                id: d.id,
                tunnel: Some(d),
            }),
        };
        self.rx.count(&r, buf.len());
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encap::GeneveOptions;
    use crate::wire::MacAddr;

    const FRAME: [u8; 42] = {
        let mut f = [0u8; 42];
        f[0] = 0xff;
        f[6] = 0xfa;
        f[12] = 0x08;
        f[13] = 0x06;
        f
    };

    fn underlay() -> Underlay {
        Underlay::new("192.0.2.1".parse().unwrap(), MacAddr([2, 0, 0, 0, 0, 1]))
    }

    #[test]
    fn neutron_validation() {
        assert_eq!(
            Segment::flat("").unwrap_err(),
            ConfigError::PhysnetRequired { kind: "flat" }
        );
        assert_eq!(
            std::format!("{}", Segment::vlan("", 5).unwrap_err()),
            "physical_network required for vlan provider network"
        );
        assert_eq!(
            std::format!("{}", Segment::vlan("physnet1", 4095).unwrap_err()),
            "segmentation_id out of range (1 through 4094)"
        );
        assert!(Segment::vlan("physnet1", 0).is_err());
        let long = "p".repeat(65);
        assert_eq!(
            Segment::flat(&long).unwrap_err(),
            ConfigError::PhysnetTooLong { len: 65 }
        );
        assert!(Segment::flat(&long[..64]).is_ok());
        assert_eq!(
            std::format!(
                "{}",
                Segment::tunnel(TunnelHeader::Vxlan { vni: 1 << 24 }, &underlay()).unwrap_err()
            ),
            "16777216 is not a valid vxlan identifier"
        );
    }

    #[test]
    fn dispatch_per_type() {
        let remote = Remote {
            ip: "192.0.2.9".parse().unwrap(),
            mac: MacAddr([2, 0, 0, 0, 0, 9]),
        };
        let mut segs = [
            Segment::flat("physnet1").unwrap(),
            Segment::vlan("physnet1", 100).unwrap(),
            Segment::vlan_tagged("physnet2", Tpid::Dot1ad, 200).unwrap(),
            Segment::tunnel(TunnelHeader::Vxlan { vni: 1001 }, &underlay()).unwrap(),
            Segment::tunnel(
                TunnelHeader::Geneve {
                    vni: 1002,
                    options: GeneveOptions::EMPTY,
                },
                &underlay(),
            )
            .unwrap(),
            Segment::tunnel(
                TunnelHeader::Gre {
                    key: 1003,
                    options: Default::default(),
                },
                &underlay(),
            )
            .unwrap(),
        ];
        let types = [
            (NetworkType::Flat, None, 0),
            (NetworkType::Vlan, Some(100), 4),
            (NetworkType::Vlan, Some(200), 4),
            (NetworkType::Vxlan, Some(1001), 50),
            (NetworkType::Geneve, Some(1002), 50),
            (NetworkType::Gre, Some(1003), 42),
        ];
        for (s, (t, id, oh)) in segs.iter_mut().zip(types) {
            assert_eq!(
                (s.network_type(), s.segmentation_id(), s.overhead()),
                (t, id, oh)
            );
            let mut mem = [0u8; 128];
            mem[64..106].copy_from_slice(&FRAME);
            let mut b = PacketBuf::new(&mut mem, 64, 42).unwrap();
            s.encap(&mut b, Some(&remote)).unwrap();
            assert_eq!(b.len(), 42 + oh);
            if t.is_tunnel() {
                // The receiving segment at the remote end: same id, the remote as local address.
                let mut u = underlay();
                u.local_ip = remote.ip;
                let hdr = match t {
                    NetworkType::Vxlan => TunnelHeader::Vxlan { vni: 1001 },
                    NetworkType::Geneve => TunnelHeader::Geneve {
                        vni: 1002,
                        options: GeneveOptions::EMPTY,
                    },
                    _ => TunnelHeader::Gre {
                        key: 1003,
                        options: Default::default(),
                    },
                };
                let mut peer = Segment::tunnel(hdr, &u).unwrap();
                // Our own segment refuses it: the outer destination is not local.
                assert_eq!(s.decap(&mut b), Err(EncapError::NotLocal));
                let got = peer.decap(&mut b).unwrap();
                assert_eq!(got.tunnel.unwrap().outer_src, underlay().local_ip);
                assert_eq!(Some(got.id), id);
            } else {
                let got = s.decap(&mut b).unwrap();
                assert_eq!((got.network_type, got.id), (t, id.unwrap_or(0)));
            }
            assert_eq!(b.data(), &FRAME[..]);
        }
        // A tagged frame is not the flat segment's; VLAN 100 refuses VLAN 101.
        let mut mem = [0u8; 128];
        mem[64..106].copy_from_slice(&FRAME);
        let mut b = PacketBuf::new(&mut mem, 64, 42).unwrap();
        let mut v101 = Segment::vlan("physnet1", 101).unwrap();
        v101.encap(&mut b, None).unwrap();
        assert_eq!(
            segs[0].decap(&mut b),
            Err(EncapError::WrongId {
                expected: 0,
                found: 101
            })
        );
        assert_eq!(
            segs[1].decap(&mut b),
            Err(EncapError::WrongId {
                expected: 100,
                found: 101
            })
        );
        assert_eq!(segs[1].rx_stats().total_drops(), 1);
        // Tunnels need a remote.
        assert_eq!(segs[3].encap(&mut b, None), Err(EncapError::NoRemote));
    }
}
