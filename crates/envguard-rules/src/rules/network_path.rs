use super::cross_env_reference::PEERING_TYPES;
use super::infra_common::{env_files, explain, loc, DB_PORTS};
use crate::{finding_id, Context, Rule};
use envguard_infra::cidr::Cidr;
use envguard_model::{Finding, FindingBuilder, RuleMeta, Severity, Tier};
use std::collections::BTreeSet;

crate::declare_rule! {
    /// # R04.network-path
    ///
    /// ## What it does
    /// Finds network paths between production and the other environments:
    /// - a production security group (`aws_security_group` ingress,
    ///   `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`), NACL
    ///   (`aws_network_acl[_rule]`), firewall (`google_compute_firewall`,
    ///   `azurerm_network_security_rule`/`_group`), Kubernetes NetworkPolicy
    ///   `ipBlock`, or an `allowed_cidrs`-style setting that admits a non-prod
    ///   environment's network;
    /// - a production rule that admits `0.0.0.0/0` (or `::/0`, `*`, `Internet`)
    ///   to a database port (PostgreSQL 5432, MySQL 3306, SQL Server 1433,
    ///   Oracle 1521, MongoDB 27017, Redis 6379, Elasticsearch 9200, …);
    /// - a route (`aws_route`, transit-gateway and GCP/Azure routes) from one
    ///   side to the other's network, or a VPC peering / transit-gateway
    ///   attachment whose peer is the other side's (by account, name or label);
    /// - two environments whose networks overlap (a warning: overlapping ranges
    ///   are usually one environment's network copied into another, and cannot
    ///   be routed apart later).
    ///
    /// Networks come from `cidrs` in `envguard.toml` and from what the files
    /// define: `aws_vpc`/subnet/`azurerm_virtual_network` ranges and settings
    /// named like `vpc_cidr`, `cidr_block`, `address_space`. CIDR containment
    /// is answered by a sorted range table. Port ranges are resolved from
    /// literals, `locals` and `var` defaults; a rule whose ports are not
    /// resolved is judged only on its source network.
    ///
    /// ## Why it matters
    /// 000 §3 R-04: "Production databases and storage endpoints must not be
    /// reachable from DEV/TEST networks"; 002 §3: environments are isolated "at
    /// network level"; 002 §4.3: no logical or physical sharing of databases.
    ///
    /// ## Example
    /// ```hcl
    /// # terraform/envs/prod/network.tf
    /// resource "aws_security_group" "db" {
    ///   ingress {
    ///     from_port   = 5432
    ///     to_port     = 5432
    ///     protocol    = "tcp"
    ///     cidr_blocks = ["10.10.0.0/16"] # dev's VPC
    ///   }
    /// }
    /// ```
    /// ```text
    /// error[R04.network-path] terraform/envs/prod/network.tf:6:20 prod rule aws_security_group.db admits dev's network 10.10.0.0/16
    /// ```
    ///
    /// ## Fix
    /// Admit only production networks (or specific security groups) to
    /// production resources; reach production data from other environments
    /// only through an approved, logged export of masked data. Give every
    /// environment its own address range.
    pub struct NetworkPath {
        id: "R04.network-path",
        summary: "A network path between production and a non-production environment (ingress, route, peering, overlapping ranges)",
        severity: Severity::Error,
        clauses: "000 §3 R-04; 002 §3; 002 §4.3",
    }
}

impl Rule for NetworkPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs::ISOLATION
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        let m = ctx.markers;
        let is_prod = |e: usize| m.envs[e].tier == Tier::Prod;
        let mut overlaps_seen: BTreeSet<(String, String)> = BTreeSet::new();
        for ef in env_files(ctx) {
            let path = &ef.file.path;
            let own_prod = ef.tier == Tier::Prod;
            // Inbound rules of production.
            if own_prod {
                for r in &ef.file.infra.net_rules {
                    let Some(c) = Cidr::parse_host(&r.cidr) else {
                        continue;
                    };
                    if c.is_any() {
                        let Some((port, engine)) =
                            DB_PORTS.iter().find(|(p, _)| r.ports.covers(*p))
                        else {
                            continue;
                        };
                        out.push(
                            FindingBuilder::new(
                                Self::META.id,
                                Severity::Error,
                                loc(path, r.region),
                            )
                            .message(format!(
                                "prod rule {} admits {} (anywhere) to {engine} port {port}",
                                r.resource, r.cidr
                            ))
                            .environment(ef.name)
                            .id(finding_id(
                                Self::META.id,
                                path,
                                &format!("{}:{}", r.resource, r.cidr),
                                ef.name,
                            ))
                            .build(),
                        );
                        continue;
                    }
                    let others: Vec<_> = m
                        .networks_overlapping(&c)
                        .into_iter()
                        .filter(|(e, ..)| !is_prod(*e))
                        .collect();
                    // Inside prod's own network as well: not a path to another environment.
                    let own_net = m.networks_overlapping(&c).iter().any(|(e, net, ..)| {
                        *e == ef.env && Cidr::parse(net).is_some_and(|n| n.contains(&c))
                    });
                    if own_net {
                        continue;
                    }
                    // One finding per rule: the environments it admits, the first
                    // network as the related location.
                    let mut names: Vec<&str> = Vec::new();
                    let mut first: Option<(
                        String,
                        Option<String>,
                        Option<envguard_model::Region>,
                    )> = None;
                    for (e, net, npath, nregion) in others {
                        let to = m.envs[e].name.as_str();
                        if !names.contains(&to) {
                            names.push(to);
                        }
                        first.get_or_insert((net, npath, nregion));
                    }
                    let Some((net, npath, nregion)) = first else {
                        continue;
                    };
                    let to = names.join(", ");
                    let mut b =
                        FindingBuilder::new(Self::META.id, Severity::Error, loc(path, r.region))
                            .message(if names.len() == 1 && net == r.cidr {
                                format!("prod rule {} admits {to}'s network {net}", r.resource)
                            } else {
                                format!(
                                    "prod rule {} admits {} (networks of {to}, e.g. {net})",
                                    r.resource, r.cidr
                                )
                            })
                            .environment(ef.name)
                            .id(finding_id(
                                Self::META.id,
                                path,
                                &format!("{}:{}", r.resource, r.cidr),
                                ef.name,
                            ));
                    for n in &names {
                        b = b.environment(*n);
                    }
                    if let (Some(p), Some(rg)) = (npath, nregion) {
                        b = b.related(format!("{} network defined here", names[0]), loc(&p, rg));
                    }
                    out.push(b.build());
                }
            }
            // Routes across the prod boundary.
            for r in &ef.file.infra.routes {
                let Some(c) = Cidr::parse(&r.cidr) else {
                    continue;
                };
                if c.prefix < 8 {
                    continue;
                }
                let mut done = BTreeSet::new();
                for (e, net, npath, nregion) in m.networks_overlapping(&c) {
                    if e == ef.env || is_prod(e) == own_prod || !done.insert(e) {
                        continue;
                    }
                    let to = &m.envs[e].name;
                    let mut b =
                        FindingBuilder::new(Self::META.id, Severity::Error, loc(path, r.region))
                            .message(format!(
                                "{} route {} sends traffic to {to}'s network {net}",
                                ef.name, r.resource
                            ))
                            .environment(ef.name)
                            .environment(to.as_str())
                            .id(finding_id(
                                Self::META.id,
                                path,
                                &format!("{}:{}", r.resource, r.cidr),
                                ef.name,
                            ));
                    if let (Some(p), Some(rg)) = (npath, nregion) {
                        b = b.related(format!("{to} network defined here"), loc(&p, rg));
                    }
                    out.push(b.build());
                }
            }
            // Peering whose other side is across the prod boundary.
            let mut seen = BTreeSet::new();
            for rf in m.references(ef.env, &ef.file.infra) {
                let t = rf.token;
                let Some(ty) = t
                    .resource
                    .as_deref()
                    .filter(|ty| PEERING_TYPES.contains(ty))
                else {
                    continue;
                };
                if is_prod(rf.to) == own_prod || !seen.insert((t.region, rf.to)) {
                    continue;
                }
                let to = &m.envs[rf.to].name;
                let (why, defined) = explain(&rf.via, to);
                let mut b =
                    FindingBuilder::new(Self::META.id, Severity::Error, loc(path, t.region))
                        .message(format!(
                            "{} {ty} connects to {to}: `{}` ({why})",
                            ef.name, t.text
                        ))
                        .environment(ef.name)
                        .environment(to.as_str())
                        .id(finding_id(Self::META.id, path, &t.text, ef.name));
                if let Some(l) = defined {
                    b = b.related(format!("defined in {to}"), l);
                }
                out.push(b.build());
            }
            // Networks that overlap another environment's.
            for n in &ef.file.infra.networks {
                let Some(c) = Cidr::parse(&n.cidr) else {
                    continue;
                };
                if c.prefix < 8 {
                    continue;
                }
                for (e, net, npath, nregion) in m.networks_overlapping(&c) {
                    if e == ef.env {
                        continue;
                    }
                    let other = &m.envs[e];
                    // Report once per pair of environments and ranges, on the lower tier.
                    if (ef.tier, ef.name) > (other.tier, other.name.as_str()) {
                        continue;
                    }
                    let key = (
                        format!("{}|{}|{}", ef.name, other.name, n.cidr),
                        net.clone(),
                    );
                    if !overlaps_seen.insert(key) {
                        continue;
                    }
                    let mut b =
                        FindingBuilder::new(Self::META.id, Severity::Warning, loc(path, n.region))
                            .message(format!(
                                "{} network {} overlaps {}'s network {net}",
                                ef.name, n.cidr, other.name
                            ))
                            .environment(ef.name)
                            .environment(other.name.as_str())
                            .id(finding_id(Self::META.id, path, &n.cidr, ef.name));
                    if let (Some(p), Some(rg)) = (npath, nregion) {
                        b = b.related(format!("{} network defined here", other.name), loc(&p, rg));
                    }
                    out.push(b.build());
                }
            }
        }
    }
}
