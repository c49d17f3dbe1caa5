//! The route table of a Neutron router (the L3 agent's router namespace), on a [`VrfTable`]
//! VRF and a [`GroupTable`]: connected subnets (one per router interface), the external
//! gateway's default route, extra routes (`router update --route destination=…,nexthop=…`,
//! several next hops for one destination making an ECMP group) and blackhole routes.
//!
//! Validation follows Neutron's: an extra route's next hop and the external gateway must be on
//! a subnet the router is connected to ("the nexthop is not connected with router"), a subnet
//! cannot be removed while an extra route goes through it, and an interface cannot be added
//! twice on one subnet.

use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::nexthop::{GroupTable, NextHop, NextHopGroup};
use super::{IpPrefix, Prefix, RouteError, VrfTable, MAX_GROUP_ID};

/// The group id of blackhole routes: a lookup returning it means "drop".
pub const BLACKHOLE: u32 = MAX_GROUP_ID;

/// The routing state routers share: VRFs and next-hop groups.
#[derive(Debug)]
pub struct Routing {
    /// The per-VRF tables.
    pub vrfs: VrfTable,
    /// The next-hop groups routes point to.
    pub groups: GroupTable<Vec<Option<NextHopGroup>>>,
}

impl Routing {
    /// Room for `max_vrfs` VRFs and `max_groups` next-hop groups (the last id is reserved for
    /// [`BLACKHOLE`]); `seed` keys the flow hash.
    pub fn new(max_vrfs: u32, max_groups: u32, seed: u64) -> Self {
        let n = max_groups.min(MAX_GROUP_ID) as usize;
        Routing {
            vrfs: VrfTable::new(max_vrfs),
            groups: GroupTable::new_in((0..n).map(|_| None).collect(), seed),
        }
    }

    /// The next hop of a packet from `src` to `dst` in VRF `vrf` (ports and protocol feed the
    /// flow hash). `Ok(None)`: no route; `Err(NotFound)` never; a blackhole gives `None` too
    /// with [`Routing::route_group`] telling it apart.
    pub fn next_hop(
        &self,
        vrf: u32,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        sport: u16,
        dport: u16,
    ) -> Option<&NextHop> {
        let g = self.route_group(vrf, dst)?;
        if g == BLACKHOLE {
            return None;
        }
        let h = self.groups.hash(src, dst, proto, sport, dport);
        self.groups.select(g, h)
    }

    /// The group id the longest route to `dst` in VRF `vrf` carries.
    pub fn route_group(&self, vrf: u32, dst: IpAddr) -> Option<u32> {
        match dst {
            IpAddr::V4(a) => self.vrfs.lookup(vrf, a),
            IpAddr::V6(a) => self.vrfs.lookup(vrf, a),
        }
    }

    fn insert(&mut self, vrf: u32, p: IpPrefix, nh: u32) -> Result<Option<u32>, RouteError> {
        match p {
            IpPrefix::V4(p) => self.vrfs.insert(vrf, p, nh),
            IpPrefix::V6(p) => self.vrfs.insert(vrf, p, nh),
        }
    }

    fn remove(&mut self, vrf: u32, p: IpPrefix) -> Result<u32, RouteError> {
        match p {
            IpPrefix::V4(p) => self.vrfs.remove(vrf, p),
            IpPrefix::V6(p) => self.vrfs.remove(vrf, p),
        }
    }

    fn get(&self, vrf: u32, p: IpPrefix) -> Result<Option<u32>, RouteError> {
        match p {
            IpPrefix::V4(p) => self.vrfs.get(vrf, p),
            IpPrefix::V6(p) => self.vrfs.get(vrf, p),
        }
    }

    /// A new group of `hops`, with one reference.
    fn new_group(&mut self, hops: &[NextHop]) -> Result<u32, RouteError> {
        let id = self.groups.add(NextHopGroup::new(hops)?)?;
        self.groups.acquire(id)?;
        Ok(id)
    }

    fn drop_group(&mut self, id: u32) {
        let _ = self.groups.release(id);
        let _ = self.groups.remove(id);
    }
}

#[derive(Debug, Clone, Copy)]
struct Connected {
    subnet: IpPrefix,
    port: u32,
    group: u32,
}

/// One Neutron router: a VRF and the routes Neutron gives it.
#[derive(Debug)]
pub struct Router {
    vrf: u32,
    connected: Vec<Connected>,
    /// (destination, group) of extra routes.
    extra: Vec<(IpPrefix, u32)>,
    gateways: [Option<(IpAddr, u32)>; 2],
    blackholes: Vec<IpPrefix>,
}

fn fam(a: IpAddr) -> usize {
    a.is_ipv6() as usize
}

impl Router {
    /// Creates the router's VRF `vrf` in `rt`.
    pub fn new(rt: &mut Routing, vrf: u32) -> Result<Self, RouteError> {
        rt.vrfs.add_vrf(vrf)?;
        Ok(Router {
            vrf,
            connected: Vec::new(),
            extra: Vec::new(),
            gateways: [None, None],
            blackholes: Vec::new(),
        })
    }

    /// The router's VRF id.
    pub fn vrf(&self) -> u32 {
        self.vrf
    }

    /// Deletes the router: its routes, its groups and its VRF.
    pub fn delete(self, rt: &mut Routing) -> Result<(), RouteError> {
        for c in &self.connected {
            rt.drop_group(c.group);
        }
        for (_, g) in &self.extra {
            rt.drop_group(*g);
        }
        for (_, g) in self.gateways.iter().flatten() {
            rt.drop_group(*g);
        }
        rt.vrfs.remove_vrf(self.vrf)
    }

    /// The connected subnet (longest) holding `addr`, if any.
    fn on_link(&self, addr: IpAddr) -> Option<&Connected> {
        self.connected
            .iter()
            .filter(|c| c.subnet.contains(addr))
            .max_by_key(|c| c.subnet.len())
    }

    /// Adds a router interface on `subnet` through `port`: a connected route.
    pub fn add_interface(
        &mut self,
        rt: &mut Routing,
        subnet: IpPrefix,
        port: u32,
    ) -> Result<u32, RouteError> {
        if self.connected.iter().any(|c| c.subnet == subnet) || rt.get(self.vrf, subnet)?.is_some()
        {
            return Err(RouteError::RouteExists);
        }
        let group = rt.new_group(&[NextHop::new(port, None)])?;
        if let Err(e) = rt.insert(self.vrf, subnet, group) {
            rt.drop_group(group);
            return Err(e);
        }
        self.connected.push(Connected {
            subnet,
            port,
            group,
        });
        Ok(group)
    }

    /// Removes the interface on `subnet`; refused while an extra route or the gateway goes
    /// through it.
    pub fn remove_interface(
        &mut self,
        rt: &mut Routing,
        subnet: IpPrefix,
    ) -> Result<(), RouteError> {
        let i = self
            .connected
            .iter()
            .position(|c| c.subnet == subnet)
            .ok_or(RouteError::NotFound)?;
        let c = self.connected[i];
        let mut users = 0u32;
        for (_, g) in &self.extra {
            if let Some(grp) = rt.groups.get(*g) {
                users += grp
                    .hops()
                    .filter(|h| h.gateway.is_some_and(|a| subnet.contains(a)))
                    .count() as u32;
            }
        }
        users += self
            .gateways
            .iter()
            .flatten()
            .filter(|(a, _)| subnet.contains(*a))
            .count() as u32;
        if users > 0 {
            return Err(RouteError::NextHopInUse { routes: users });
        }
        rt.remove(self.vrf, subnet)?;
        rt.drop_group(c.group);
        self.connected.swap_remove(i);
        Ok(())
    }

    /// Sets the external gateway of `gw`'s family: a default route via `gw`, which must be on
    /// a connected subnet (the external network's). Replaces a previous gateway.
    pub fn set_gateway(&mut self, rt: &mut Routing, gw: IpAddr) -> Result<(), RouteError> {
        let port = self.on_link(gw).ok_or(RouteError::GatewayUnreachable)?.port;
        let group = rt.new_group(&[NextHop::new(port, Some(gw))])?;
        let def = match gw {
            IpAddr::V4(_) => IpPrefix::V4(Prefix::<Ipv4Addr>::default_route()),
            IpAddr::V6(_) => IpPrefix::V6(Prefix::<Ipv6Addr>::default_route()),
        };
        if let Err(e) = rt.insert(self.vrf, def, group) {
            rt.drop_group(group);
            return Err(e);
        }
        if let Some((_, old)) = self.gateways[fam(gw)].replace((gw, group)) {
            rt.drop_group(old);
        }
        Ok(())
    }

    /// Removes the external gateway of a family (`v6`: IPv6).
    pub fn clear_gateway(&mut self, rt: &mut Routing, v6: bool) -> Result<(), RouteError> {
        let (_, group) = self.gateways[v6 as usize]
            .take()
            .ok_or(RouteError::NotFound)?;
        let def = if v6 {
            IpPrefix::V6(Prefix::default_route())
        } else {
            IpPrefix::V4(Prefix::default_route())
        };
        rt.remove(self.vrf, def)?;
        rt.drop_group(group);
        Ok(())
    }

    /// Adds the extra route `destination → nexthop`. The next hop must be on a connected
    /// subnet; a second next hop for the same destination joins its ECMP group (no route is
    /// re-inserted).
    pub fn add_extra_route(
        &mut self,
        rt: &mut Routing,
        destination: IpPrefix,
        nexthop: IpAddr,
    ) -> Result<(), RouteError> {
        let port = self
            .on_link(nexthop)
            .ok_or(RouteError::GatewayUnreachable)?
            .port;
        let hop = NextHop::new(port, Some(nexthop));
        if let Some((_, g)) = self.extra.iter().find(|(d, _)| *d == destination) {
            let grp = rt.groups.get_mut(*g).ok_or(RouteError::NotFound)?;
            if grp.hops().any(|h| h.gateway == Some(nexthop)) {
                return Err(RouteError::RouteExists);
            }
            return grp.add_hop(hop);
        }
        if rt.get(self.vrf, destination)?.is_some() {
            return Err(RouteError::RouteExists);
        }
        let group = rt.new_group(&[hop])?;
        if let Err(e) = rt.insert(self.vrf, destination, group) {
            rt.drop_group(group);
            return Err(e);
        }
        self.extra.push((destination, group));
        Ok(())
    }

    /// Removes the extra route `destination → nexthop`; the route goes when its last next hop
    /// does.
    pub fn remove_extra_route(
        &mut self,
        rt: &mut Routing,
        destination: IpPrefix,
        nexthop: IpAddr,
    ) -> Result<(), RouteError> {
        let i = self
            .extra
            .iter()
            .position(|(d, _)| *d == destination)
            .ok_or(RouteError::NotFound)?;
        let g = self.extra[i].1;
        let grp = rt.groups.get_mut(g).ok_or(RouteError::NotFound)?;
        let hop = *grp
            .hops()
            .find(|h| h.gateway == Some(nexthop))
            .ok_or(RouteError::NotFound)?;
        if grp.len() > 1 {
            return grp.remove_hop(hop.port, hop.gateway);
        }
        rt.remove(self.vrf, destination)?;
        rt.drop_group(g);
        self.extra.swap_remove(i);
        Ok(())
    }

    /// Adds a blackhole route: lookups return [`BLACKHOLE`] and the packet is dropped.
    pub fn add_blackhole(
        &mut self,
        rt: &mut Routing,
        destination: IpPrefix,
    ) -> Result<(), RouteError> {
        if rt.get(self.vrf, destination)?.is_some() {
            return Err(RouteError::RouteExists);
        }
        rt.insert(self.vrf, destination, BLACKHOLE)?;
        self.blackholes.push(destination);
        Ok(())
    }

    /// Removes a blackhole route.
    pub fn remove_blackhole(
        &mut self,
        rt: &mut Routing,
        destination: IpPrefix,
    ) -> Result<(), RouteError> {
        let i = self
            .blackholes
            .iter()
            .position(|d| *d == destination)
            .ok_or(RouteError::NotFound)?;
        rt.remove(self.vrf, destination)?;
        self.blackholes.swap_remove(i);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> IpPrefix {
        s.parse().unwrap()
    }
    fn a(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn neutron_router_routes() {
        let mut rt = Routing::new(16, 64, 1);
        let mut r1 = Router::new(&mut rt, 1).unwrap();
        let mut r2 = Router::new(&mut rt, 2).unwrap();
        // Overlapping tenant subnets in two routers.
        let g1 = r1.add_interface(&mut rt, p("10.0.0.0/24"), 11).unwrap();
        let g2 = r2.add_interface(&mut rt, p("10.0.0.0/24"), 21).unwrap();
        assert_ne!(g1, g2);
        assert_eq!(
            r1.add_interface(&mut rt, p("10.0.0.0/24"), 12),
            Err(RouteError::RouteExists)
        );
        r1.add_interface(&mut rt, p("203.0.113.0/24"), 10).unwrap(); // external
        r1.add_interface(&mut rt, p("2001:db8:1::/64"), 13).unwrap();
        let nh = |rt: &Routing, vrf, dst: &str| {
            rt.next_hop(vrf, a("10.0.0.5"), a(dst), 6, 1000, 80)
                .copied()
        };
        assert_eq!(nh(&rt, 1, "10.0.0.9").unwrap().port, 11);
        assert_eq!(nh(&rt, 2, "10.0.0.9").unwrap().port, 21);
        assert_eq!(nh(&rt, 1, "8.8.8.8"), None);
        // Default gateway must be on-link.
        assert_eq!(
            r1.set_gateway(&mut rt, a("198.51.100.1")),
            Err(RouteError::GatewayUnreachable)
        );
        r1.set_gateway(&mut rt, a("203.0.113.1")).unwrap();
        let h = nh(&rt, 1, "8.8.8.8").unwrap();
        assert_eq!((h.port, h.gateway), (10, Some(a("203.0.113.1"))));
        // Extra routes: next hop on a connected subnet; two next hops make ECMP.
        assert_eq!(
            r1.add_extra_route(&mut rt, p("172.16.0.0/16"), a("192.0.2.1")),
            Err(RouteError::GatewayUnreachable)
        );
        r1.add_extra_route(&mut rt, p("172.16.0.0/16"), a("10.0.0.254"))
            .unwrap();
        r1.add_extra_route(&mut rt, p("172.16.0.0/16"), a("10.0.0.253"))
            .unwrap();
        assert_eq!(
            r1.add_extra_route(&mut rt, p("172.16.0.0/16"), a("10.0.0.253")),
            Err(RouteError::RouteExists)
        );
        let mut seen = [false; 2];
        for sport in 0..64 {
            let h = rt
                .next_hop(1, a("10.0.0.5"), a("172.16.1.1"), 6, sport, 80)
                .unwrap();
            assert_eq!(h.port, 11);
            match h.gateway {
                Some(g) if g == a("10.0.0.254") => seen[0] = true,
                Some(g) if g == a("10.0.0.253") => seen[1] = true,
                g => panic!("{g:?}"),
            }
        }
        assert_eq!(seen, [true, true], "both ECMP next hops used");
        // The interface carrying extra routes and the gateway cannot go.
        assert_eq!(
            r1.remove_interface(&mut rt, p("10.0.0.0/24")),
            Err(RouteError::NextHopInUse { routes: 2 })
        );
        // Removing one next hop keeps the route; removing the last drops it.
        r1.remove_extra_route(&mut rt, p("172.16.0.0/16"), a("10.0.0.254"))
            .unwrap();
        for sport in 0..64 {
            let h = rt
                .next_hop(1, a("10.0.0.5"), a("172.16.1.1"), 6, sport, 80)
                .unwrap();
            assert_eq!(h.gateway, Some(a("10.0.0.253")));
        }
        r1.remove_extra_route(&mut rt, p("172.16.0.0/16"), a("10.0.0.253"))
            .unwrap();
        assert_eq!(nh(&rt, 1, "172.16.1.1").unwrap().port, 10, "default again");
        // Blackhole.
        r1.add_blackhole(&mut rt, p("192.168.0.0/16")).unwrap();
        assert_eq!(rt.route_group(1, a("192.168.1.1")), Some(BLACKHOLE));
        assert_eq!(nh(&rt, 1, "192.168.1.1"), None);
        r1.remove_blackhole(&mut rt, p("192.168.0.0/16")).unwrap();
        assert_eq!(nh(&rt, 1, "192.168.1.1").unwrap().port, 10);
        // Gateway removal, interface removal, router deletion free the groups.
        r1.clear_gateway(&mut rt, false).unwrap();
        assert_eq!(nh(&rt, 1, "8.8.8.8"), None);
        r1.remove_interface(&mut rt, p("10.0.0.0/24")).unwrap();
        assert_eq!(nh(&rt, 1, "10.0.0.9"), None);
        r1.delete(&mut rt).unwrap();
        r2.delete(&mut rt).unwrap();
        assert!(
            (0..64).all(|id| rt.groups.get(id).is_none()),
            "no group leaked"
        );
        assert!(!rt.vrfs.has_vrf(1));
    }
}
