//! Infra facts of Terraform, Terragrunt, tfvars and backend-config files,
//! after static evaluation ([`crate::eval`]).
//!
//! Resources are read with their evaluated attributes: own names, tags,
//! security-group / firewall / NACL ingress, networks, routes, peering. Module
//! calls are judged at the call site through their inputs (module bodies are
//! not instantiated). A Terragrunt `dependency` counts by its `config_path`
//! only; its `mock_outputs`, `generate`, `output` and refactoring blocks never
//! reach the reader (the mirror leaves them out, [`crate::hcl`]).

use crate::cidr::Cidr;
use crate::eval::{for_each_leaf, Evaluator, HclFile, HclKind, Origin, Scope, Val, Workspace};
use crate::facts::classify_leaf;
use crate::hcl::{Attr, Block, HclBody};
use crate::tokens::TokenKind;
use crate::{
    is_env_tag_key, is_name_key, Backend, InfraFacts, NetRule, Network, Ports, ResourceName, Route,
    Tag, Token,
};
use envguard_model::Region;

/// Evaluates every HCL file and returns the infra facts of those `wanted`
/// says (files that belong to an environment), keyed by path.
pub fn resolve_hcl(
    files: Vec<HclFile>,
    wanted: &(dyn Fn(&str) -> bool + Sync),
) -> Vec<(String, InfraFacts)> {
    let ws = Workspace::new(files);
    let todo: Vec<usize> = (0..ws.files.len())
        .filter(|i| wanted(&ws.files[*i].path))
        .collect();
    // Files are in path order, so a contiguous chunk keeps a directory's
    // locals and variables in one evaluator's cache. Many small chunks, taken
    // in turn by each thread, keep the threads busy to the end when some
    // directories cost more than others (a Terragrunt tree of includes).
    let threads = envguard_model::cores().min(8);
    let chunk = todo.len().div_ceil(threads * 8).max(32);
    let mut out: Vec<(String, InfraFacts)> = envguard_model::par_map(
        &todo,
        threads,
        chunk,
        || Evaluator::new(&ws),
        |ev, &i| {
            let f = &ws.files[i];
            let mut r = Reader {
                ev,
                file: i as u32,
                facts: InfraFacts::default(),
            };
            r.file(f);
            r.facts.dedup();
            (!r.facts.is_empty()).then(|| (f.path.clone(), r.facts))
        },
    )
    .into_iter()
    .flatten()
    .collect();
    envguard_model::drop_in_background(ws);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

struct Reader<'e, 'w> {
    ev: &'e mut Evaluator<'w>,
    file: u32,
    facts: InfraFacts,
}

const SG_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_network_acl",
    "aws_network_acl_rule",
    "google_compute_firewall",
    "azurerm_network_security_rule",
    "azurerm_network_security_group",
];

const NETWORK_TYPES: &[&str] = &[
    "aws_vpc",
    "aws_vpc_ipv4_cidr_block_association",
    "google_compute_subnetwork",
    "azurerm_virtual_network",
    "azurerm_subnet",
    "aws_subnet",
];

const ROUTE_TYPES: &[&str] = &[
    "aws_route",
    "aws_ec2_transit_gateway_route",
    "google_compute_route",
    "azurerm_route",
];

impl Reader<'_, '_> {
    fn scope(&self) -> Scope {
        Scope::of(self.file)
    }

    /// The region to report for a value: where its literal is written when
    /// that is this file, else the attribute that uses it.
    fn at(&self, origin: Option<Origin>, attr_region: Region) -> Region {
        match origin {
            Some(o) if o.file == self.file => o.region,
            _ => attr_region,
        }
    }

    /// True when the literal lives in another file of the same directory
    /// (a `locals.tf`, a `terraform.tfvars`), which reports it itself.
    fn reported_elsewhere(&self, origin: Option<Origin>) -> bool {
        let ws = self.ev.workspace();
        match origin {
            Some(o) if o.file != self.file => {
                let (a, b) = (&ws.files[o.file as usize], &ws.files[self.file as usize]);
                a.dir() == b.dir()
            }
            _ => false,
        }
    }

    fn file(&mut self, f: &HclFile) {
        let body = &f.body;
        if f.kind == HclKind::Config
            && (f.path.ends_with(".tfbackend")
                || body.attr("dynamodb_table").is_some()
                || (body.attr("bucket").is_some() && body.attr("key").is_some()))
        {
            let cfg = self.object_of_attrs(&body.attrs);
            self.backend("s3", &cfg, Region::line(1), None);
        }
        for a in &body.attrs {
            match a.key.as_str() {
                "inputs" | "locals" => {
                    let v = self.ev.eval(&a.value, self.scope());
                    if a.key == "inputs" {
                        // Terragrunt passes the module its resource's name.
                        if let Val::Map(items) = &v {
                            for (k, item) in items {
                                self.input_name("inputs", k, item);
                            }
                        }
                    }
                    self.value(&v, "", a.region, None);
                }
                "terraform_version_constraint"
                | "terragrunt_version_constraint"
                | "download_dir"
                | "prevent_destroy"
                | "skip"
                | "iam_role" => {}
                _ => {
                    let v = self.ev.eval(&a.value, self.scope());
                    self.value(&v, &a.key, a.region, None);
                }
            }
        }
        for b in &body.blocks {
            self.block(b);
        }
    }

    fn object_of_attrs(&mut self, attrs: &[Attr]) -> Val {
        let scope = self.scope();
        Val::Map(
            attrs
                .iter()
                .map(|a| (a.key.clone(), self.ev.eval(&a.value, scope)))
                .collect(),
        )
    }

    fn block(&mut self, b: &Block) {
        let scope = self.scope();
        match b.ident.as_str() {
            "resource" => {
                if let [ty, name] = b.labels.as_slice() {
                    if let Some(r) =
                        crate::controls::read_resource(self.ev, scope, ty, name, &b.body, b.region)
                    {
                        self.facts.resources.push(r);
                    }
                    crate::controls::resource_regions(
                        self.ev,
                        scope,
                        &format!("{ty}.{name}"),
                        &b.body,
                        &mut self.facts.cloud_regions,
                    );
                    self.resource(ty, name, &b.body);
                }
            }
            "data" => {
                if let [ty, name] = b.labels.as_slice() {
                    let addr = format!("data.{ty}.{name}");
                    self.attrs_as_refs(&b.body, &addr, Some(ty));
                }
            }
            "module" => {
                let label = b.labels.first().cloned().unwrap_or_default();
                for a in &b.body.attrs {
                    if matches!(
                        a.key.as_str(),
                        "source" | "version" | "providers" | "depends_on" | "count" | "for_each"
                    ) {
                        continue;
                    }
                    let v = self.ev.eval(&a.value, scope);
                    self.input_name(&format!("module.{label}"), &a.key, &v);
                    let key = format!("module.{label}.{}", a.key);
                    self.value(&v, &key, a.region, None);
                }
            }
            "terraform" => {
                for bb in b.body.blocks("backend") {
                    let kind = bb.labels.first().cloned().unwrap_or_default();
                    let cfg = self.object_of_attrs(&bb.body.attrs);
                    self.backend(&kind, &cfg, bb.region, None);
                }
            }
            "remote_state" => {
                let kind = b
                    .body
                    .attr("backend")
                    .map(|a| self.ev.eval(&a.value, scope));
                let kind = kind
                    .as_ref()
                    .and_then(Val::as_str)
                    .unwrap_or("s3")
                    .to_owned();
                if let Some(c) = b.body.attr("config") {
                    let cfg = self.ev.eval(&c.value, scope);
                    self.backend(&kind, &cfg, b.region, None);
                }
            }
            "include" => self.include(b),
            "provider" => {
                let label = b.labels.first().map(String::as_str).unwrap_or("");
                if let Some(a) = b.body.attr("region") {
                    if let Some(r) = crate::controls::cloud_region(
                        self.ev,
                        scope,
                        format!("provider.{label}.region"),
                        &a.value,
                        a.region,
                    ) {
                        self.facts.cloud_regions.push(r);
                    }
                }
                for a in &b.body.attrs {
                    let v = self.ev.eval(&a.value, scope);
                    self.value(&v, &format!("provider.{}", a.key), a.region, None);
                }
                for inner in &b.body.blocks {
                    if inner.ident == "default_tags" {
                        if let Some(t) = inner.body.attr("tags") {
                            let v = self.ev.eval(&t.value, scope);
                            self.tags(&v, "provider.default_tags.tags", t.region);
                        }
                        continue;
                    }
                    for a in &inner.body.attrs {
                        let v = self.ev.eval(&a.value, scope);
                        // An assumed role's account is the environment's own.
                        let mut sink = InfraFacts::default();
                        self.value_into(
                            &mut sink,
                            &v,
                            &format!("provider.{}.{}", inner.ident, a.key),
                            a.region,
                            None,
                        );
                        for mut t in sink.tokens {
                            if t.kind == TokenKind::Account {
                                t.def = true;
                            }
                            self.facts.tokens.push(t);
                        }
                    }
                }
            }
            "locals" => {
                for a in &b.body.attrs {
                    let v = self.ev.eval(&a.value, scope);
                    self.value(&v, &a.key, a.region, None);
                }
            }
            "variable" => {
                if let (Some(name), Some(d)) = (b.labels.first(), b.body.attr("default")) {
                    let v = self.ev.eval(&d.value, scope);
                    self.value(&v, name, d.region, None);
                }
            }
            // A Terragrunt dependency reads another stack's outputs: the stack's
            // folder is a marker of the environment it lives in
            // (`../../../prod/us-east-1/vpc` from a dev stack). Its `mock_outputs`
            // are plan-time placeholders and say nothing.
            "dependency" => {
                let Some(a) = b.body.attr("config_path") else {
                    return;
                };
                let ws = self.ev.workspace();
                let Some(p) = self.ev.eval(&a.value, scope).as_str().map(str::to_owned) else {
                    return;
                };
                if p.starts_with('/') {
                    return;
                }
                let dir = ws.files[self.file as usize].dir();
                let target = crate::eval::normalize(&format!("{dir}/{p}"));
                if target.is_empty() {
                    return;
                }
                self.facts.tokens.push(Token {
                    kind: TokenKind::Name,
                    text: target,
                    key: format!(
                        "dependency.{}.config_path",
                        b.labels.first().map(String::as_str).unwrap_or("")
                    ),
                    region: a.region,
                    def: false,
                    resource: None,
                });
            }
            // Other blocks (and those the mirror leaves out) say nothing here.
            _ => {}
        }
    }

    /// `include "root" { path = find_in_parent_folders("root.hcl") }`: the
    /// parent's `remote_state` and `inputs`, evaluated for this file.
    fn include(&mut self, b: &Block) {
        let ws = self.ev.workspace();
        let scope = self.scope();
        let Some(p) = b.body.attr("path") else { return };
        let Some(target) = self
            .ev
            .eval(&p.value, scope)
            .as_str()
            .and_then(|s| ws.index(s))
        else {
            return;
        };
        let parent = &ws.files[target as usize];
        let pscope = Scope {
            file: target,
            context: self.file,
        };
        for rs in parent.body.blocks("remote_state") {
            let kind = rs
                .body
                .attr("backend")
                .map(|a| self.ev.eval(&a.value, pscope));
            let kind = kind
                .as_ref()
                .and_then(Val::as_str)
                .unwrap_or("s3")
                .to_owned();
            if let Some(c) = rs.body.attr("config") {
                let cfg = self.ev.eval(&c.value, pscope);
                self.backend(&kind, &cfg, b.region, Some(parent.path.clone()));
            }
        }
        if let Some(inputs) = parent.body.attr("inputs") {
            let v = self.ev.eval(&inputs.value, pscope);
            // Literals of the parent are reported here, at the include.
            let mut sink = InfraFacts::default();
            self.value_into(&mut sink, &v, "", b.region, Some(b.region));
            self.merge(sink);
        }
    }

    /// A module input that names the resource the module makes (`name`,
    /// `bucket`, `identifier`, …), written as a literal in this file: judged by
    /// NAM.naming against the other inputs of its kind (`inputs`, `module`).
    /// Only the name itself: the environment's label in it is what counts.
    fn input_name(&mut self, addr: &str, key: &str, v: &Val) {
        if !is_name_key(key) {
            return;
        }
        let Val::Str(s, Some(o)) = v else { return };
        if o.file != self.file || s.len() < 3 || !crate::tokens::is_identifier(s) {
            return;
        }
        self.facts.names.push(ResourceName {
            resource: format!("{addr}.{key}"),
            name: s.clone(),
            region: o.region,
        });
    }

    fn merge(&mut self, s: InfraFacts) {
        self.facts.tokens.extend(s.tokens);
        self.facts.backends.extend(s.backends);
        self.facts.net_rules.extend(s.net_rules);
        self.facts.networks.extend(s.networks);
        self.facts.routes.extend(s.routes);
        self.facts.names.extend(s.names);
        self.facts.tags.extend(s.tags);
        self.facts.resources.extend(s.resources);
        self.facts.cloud_regions.extend(s.cloud_regions);
    }

    fn backend(&mut self, kind: &str, cfg: &Val, region: Region, via: Option<String>) {
        let s = |k: &str| cfg.get(k).and_then(Val::as_str).map(str::to_owned);
        let bucket = s("bucket").or_else(|| s("storage_account_name"));
        let key = s("key").or_else(|| s("prefix"));
        let lock = s("dynamodb_table").or_else(|| s("lock_table"));
        if via.is_none() {
            self.facts
                .resources
                .push(crate::controls::backend_resource(kind, cfg, region));
            if let Some(Val::Str(r, o)) = cfg.get("region") {
                self.facts.cloud_regions.push(crate::controls::CloudRegion {
                    key: format!("backend.{kind}.region"),
                    value: crate::controls::Setting::Text(r.clone()),
                    region: match o {
                        Some(o) if o.file == self.file => o.region,
                        _ => region,
                    },
                });
            }
        }
        if bucket.is_none() && lock.is_none() {
            return;
        }
        let region_of = |k: &str| match cfg.get(k) {
            Some(Val::Str(_, Some(o))) if o.file == self.file && via.is_none() => o.region,
            _ => region,
        };
        let at = if bucket.is_some() {
            region_of("bucket")
        } else {
            region_of("dynamodb_table")
        };
        for (text, k) in [(&bucket, "bucket"), (&lock, "dynamodb_table")] {
            if let Some(t) = text {
                self.facts.tokens.push(Token {
                    kind: TokenKind::Name,
                    text: t.clone(),
                    key: format!("backend.{k}"),
                    region: region_of(k),
                    def: true,
                    resource: None,
                });
            }
        }
        let lock_region = lock.as_ref().map(|_| {
            if cfg.get("dynamodb_table").is_some() {
                region_of("dynamodb_table")
            } else {
                region_of("lock_table")
            }
        });
        self.facts.backends.push(Backend {
            kind: kind.to_owned(),
            bucket,
            key,
            lock_table: lock,
            region: at,
            lock_region,
            via,
        });
    }

    fn attrs_as_refs(&mut self, body: &HclBody, addr: &str, ty: Option<&str>) {
        let scope = self.scope();
        for a in &body.attrs {
            let v = self.ev.eval(&a.value, scope);
            let mut sink = InfraFacts::default();
            self.value_into(&mut sink, &v, &format!("{addr}.{}", a.key), a.region, None);
            for t in &mut sink.tokens {
                t.resource = ty.map(str::to_owned);
            }
            self.merge(sink);
        }
        for b in &body.blocks {
            self.attrs_as_refs(&b.body, &format!("{addr}.{}", b.ident), ty);
        }
    }

    fn resource(&mut self, ty: &str, name: &str, body: &HclBody) {
        let scope = self.scope();
        let addr = format!("{ty}.{name}");
        // Attributes left for the generic reading, with their value (each
        // attribute is evaluated once).
        let mut rest: Vec<(&Attr, Val)> = Vec::new();
        for a in &body.attrs {
            let key = a.key.as_str();
            if matches!(
                key,
                "count" | "for_each" | "depends_on" | "provider" | "lifecycle"
            ) {
                continue;
            }
            if SG_TYPES.contains(&ty) && is_rule_attr(key) {
                continue;
            }
            let v = self.ev.eval(&a.value, scope);
            if matches!(key, "tags" | "tags_all" | "labels") {
                self.tags(&v, &format!("{addr}.{key}"), a.region);
                continue;
            }
            // `name` of a database instance is the schema inside it; inline
            // policies are named within their role: neither is a resource name.
            let not_a_name = (key == "name"
                && matches!(
                    ty,
                    "aws_db_instance" | "aws_rds_cluster" | "aws_redshift_cluster"
                ))
                || ty.ends_with("_role_policy")
                || ty.ends_with("_policy_attachment")
                || names_parent(ty, key);
            if is_name_key(key) && !not_a_name {
                if let Val::Str(s, o) = &v {
                    let region = self.at(*o, a.region);
                    if crate::tokens::is_identifier(s) && s.len() >= 3 {
                        self.facts.names.push(ResourceName {
                            resource: addr.clone(),
                            name: s.clone(),
                            region,
                        });
                        let kind = if crate::tokens::is_host(s) {
                            TokenKind::Host
                        } else {
                            TokenKind::Name
                        };
                        self.facts.tokens.push(Token {
                            kind,
                            text: s.clone(),
                            key: format!("{addr}.{key}"),
                            region,
                            def: true,
                            resource: Some(ty.to_owned()),
                        });
                    }
                    continue;
                }
            }
            if NETWORK_TYPES.contains(&ty)
                && matches!(
                    key,
                    "cidr_block"
                        | "address_space"
                        | "ip_cidr_range"
                        | "ipv6_cidr_block"
                        | "address_prefixes"
                )
            {
                // A network written in the directory's tfvars is defined there.
                self.cidrs(&v, a.region, true, |me, cidr, region| {
                    me.facts.networks.push(Network {
                        cidr,
                        key: format!("{addr}.{key}"),
                        region,
                    })
                });
                continue;
            }
            if ROUTE_TYPES.contains(&ty)
                && matches!(
                    key,
                    "destination_cidr_block" | "dest_range" | "address_prefix"
                )
            {
                self.cidrs(&v, a.region, false, |me, cidr, region| {
                    me.facts.routes.push(Route {
                        resource: addr.clone(),
                        cidr,
                        region,
                    })
                });
                continue;
            }
            rest.push((a, v));
        }
        if SG_TYPES.contains(&ty) {
            self.ingress(ty, &addr, body);
        }
        for (a, v) in rest {
            let mut sink = InfraFacts::default();
            self.value_into(&mut sink, &v, &format!("{addr}.{}", a.key), a.region, None);
            for t in &mut sink.tokens {
                t.resource = Some(ty.to_owned());
            }
            // Inside a resource, a CIDR list is the resource's business (handled above).
            sink.net_rules.clear();
            self.merge(sink);
        }
        for b in &body.blocks {
            if SG_TYPES.contains(&ty)
                && matches!(
                    b.ident.as_str(),
                    "ingress" | "egress" | "allow" | "deny" | "security_rule"
                )
            {
                continue;
            }
            self.attrs_as_refs(&b.body, &format!("{addr}.{}", b.ident), Some(ty));
        }
    }

    /// Inbound allow rules of security groups, firewalls and NACLs.
    fn ingress(&mut self, ty: &str, addr: &str, body: &HclBody) {
        let scope = self.scope();
        let get = |me: &mut Self, b: &HclBody, k: &str| {
            b.attr(k).map(|a| (me.ev.eval(&a.value, scope), a.region))
        };
        let mut rules: Vec<(Val, Region, Ports)> = Vec::new();
        let mut one = |me: &mut Self, b: &HclBody, cidr_keys: &[&str], ports: Ports| {
            for k in cidr_keys {
                if let Some((v, r)) = get(me, b, k) {
                    rules.push((v, r, ports));
                }
            }
        };
        let aws_ports = |me: &mut Self, b: &HclBody| -> Ports {
            let n = |v: Option<(Val, Region)>| match v {
                Some((Val::Num(n), _)) => n.parse::<i64>().ok(),
                Some((Val::Str(s, _), _)) => s.parse::<i64>().ok(),
                _ => None,
            };
            let proto = get(me, b, "protocol").and_then(|(v, _)| v.as_str().map(str::to_owned));
            match (
                n(get(me, b, "from_port")),
                n(get(me, b, "to_port")),
                proto.as_deref(),
            ) {
                (_, _, Some("-1" | "all")) => Ports::All,
                (Some(a), Some(z), _) if a <= 0 && (z <= 0 || z >= 65535) => Ports::All,
                (Some(a), Some(z), _) if a >= 0 && z >= a => Ports::Range(a as u32, z as u32),
                _ => Ports::Unknown,
            }
        };
        match ty {
            "aws_security_group" => {
                for b in body.blocks("ingress") {
                    let p = aws_ports(self, &b.body);
                    one(self, &b.body, &["cidr_blocks", "ipv6_cidr_blocks"], p);
                }
            }
            "aws_security_group_rule"
                if get(self, body, "type")
                    .and_then(|(v, _)| v.as_str().map(|s| s == "ingress"))
                    == Some(true) =>
            {
                let p = aws_ports(self, body);
                one(self, body, &["cidr_blocks", "ipv6_cidr_blocks"], p);
            }
            "aws_vpc_security_group_ingress_rule" => {
                let p = aws_ports(self, body);
                let p = match get(self, body, "ip_protocol")
                    .and_then(|(v, _)| v.as_str().map(str::to_owned))
                {
                    Some(s) if s == "-1" => Ports::All,
                    _ => p,
                };
                one(self, body, &["cidr_ipv4", "cidr_ipv6"], p);
            }
            "aws_network_acl_rule" => {
                let egress = get(self, body, "egress")
                    .map(|(v, _)| v == Val::Bool(true))
                    .unwrap_or(false);
                let allow = get(self, body, "rule_action")
                    .and_then(|(v, _)| v.as_str().map(|s| s == "allow"))
                    .unwrap_or(false);
                if !egress && allow {
                    let p = aws_ports(self, body);
                    one(self, body, &["cidr_block", "ipv6_cidr_block"], p);
                }
            }
            "aws_network_acl" => {
                for b in body.blocks("ingress") {
                    let allow = get(self, &b.body, "action")
                        .and_then(|(v, _)| v.as_str().map(|s| s == "allow"))
                        .unwrap_or(false);
                    if allow {
                        let p = aws_ports(self, &b.body);
                        one(self, &b.body, &["cidr_block", "ipv6_cidr_block"], p);
                    }
                }
            }
            "google_compute_firewall" => {
                let egress = get(self, body, "direction")
                    .and_then(|(v, _)| v.as_str().map(|s| s.eq_ignore_ascii_case("egress")))
                    .unwrap_or(false);
                if !egress {
                    let mut ports = Ports::Unknown;
                    for a in body.blocks("allow") {
                        ports = match get(self, &a.body, "ports") {
                            None => Ports::All,
                            Some((Val::List(items), _)) => port_list(&items),
                            _ => Ports::Unknown,
                        };
                    }
                    one(self, body, &["source_ranges"], ports);
                }
            }
            "azurerm_network_security_rule" | "azurerm_network_security_group" => {
                let mut bodies: Vec<&HclBody> = vec![body];
                if ty == "azurerm_network_security_group" {
                    bodies = body.blocks("security_rule").map(|b| &b.body).collect();
                }
                for b in bodies {
                    let s = |me: &mut Self, k: &str| {
                        get(me, b, k).and_then(|(v, _)| v.as_str().map(str::to_ascii_lowercase))
                    };
                    if s(self, "direction").as_deref() != Some("inbound")
                        || s(self, "access").as_deref() != Some("allow")
                    {
                        continue;
                    }
                    let ports = match get(self, b, "destination_port_range") {
                        Some((Val::Str(p, _), _)) => port_list(&[Val::Str(p, None)]),
                        _ => match get(self, b, "destination_port_ranges") {
                            Some((Val::List(items), _)) => port_list(&items),
                            _ => Ports::Unknown,
                        },
                    };
                    one(
                        self,
                        b,
                        &["source_address_prefix", "source_address_prefixes"],
                        ports,
                    );
                }
            }
            _ => {}
        }
        for (v, region, ports) in rules {
            let mut cidrs: Vec<(String, Option<Origin>)> = Vec::new();
            let mut push = |s: &str, o: Option<Origin>| {
                let s = match s {
                    "*" | "Internet" | "internet" | "Any" | "any" => "0.0.0.0/0",
                    other => other,
                };
                if Cidr::parse_host(s).is_some() {
                    cidrs.push((s.to_owned(), o));
                }
            };
            match &v {
                Val::Str(s, o) => push(s, *o),
                Val::List(items) => {
                    for it in items {
                        if let Val::Str(s, o) = it {
                            push(s, *o);
                        }
                    }
                }
                _ => {}
            }
            for (cidr, o) in cidrs {
                let region = self.at(o, region);
                self.facts.net_rules.push(NetRule {
                    resource: addr.to_owned(),
                    cidr,
                    ports,
                    region,
                });
            }
        }
    }

    /// CIDR leaves of a value; `skip_elsewhere`: leave out those whose literal
    /// another file of the directory reports itself.
    fn cidrs(
        &mut self,
        v: &Val,
        attr_region: Region,
        skip_elsewhere: bool,
        mut f: impl FnMut(&mut Self, String, Region),
    ) {
        let mut out = Vec::new();
        for_each_leaf(v, "", &mut |_, s, o| {
            if skip_elsewhere && self.reported_elsewhere(o) {
                return;
            }
            if Cidr::parse(s).is_some() {
                out.push((s.to_owned(), self.at(o, attr_region)));
            }
        });
        for (c, r) in out {
            f(self, c, r);
        }
    }

    fn tags(&mut self, v: &Val, key: &str, attr_region: Region) {
        let mut tags = Vec::new();
        for_each_leaf(v, "", &mut |k, s, o| {
            if !is_env_tag_key(k) || self.reported_elsewhere(o) {
                return;
            }
            if s.is_empty() || s.len() > 64 || s.contains(char::is_whitespace) {
                return;
            }
            let region = self.at(o, attr_region);
            tags.push(Tag {
                key: format!("{key}.{k}"),
                value: s.to_owned(),
                region,
            });
        });
        self.facts.tags.extend(tags);
    }

    fn value(&mut self, v: &Val, key: &str, attr_region: Region, force: Option<Region>) {
        let mut sink = InfraFacts::default();
        self.value_into(&mut sink, v, key, attr_region, force);
        self.merge(sink);
    }

    /// Every string leaf of an evaluated value through [`classify_leaf`].
    fn value_into(
        &self,
        sink: &mut InfraFacts,
        v: &Val,
        key: &str,
        attr_region: Region,
        force: Option<Region>,
    ) {
        for_each_leaf(v, key, &mut |k, s, o| {
            if force.is_none() && self.reported_elsewhere(o) {
                return;
            }
            let (region, exact) = match (force, o) {
                (Some(r), _) => (r, false),
                (None, Some(o)) if o.file == self.file => {
                    (o.region, o.region.start_line == o.region.end_line)
                }
                _ => (attr_region, false),
            };
            classify_leaf(sink, k, s, region, exact, None);
        });
    }
}

/// True when `key` of a resource of type `ty` names the resource it belongs
/// to or acts on, not the resource itself: `bucket` of an `aws_s3_object` or a
/// `google_storage_bucket_object` (the bucket written into), `cluster_name` of
/// an `aws_eks_node_group`, `function_name` of an `aws_lambda_permission`. The
/// key is the resource's own name only in a resource of its kind
/// (`aws_s3_bucket.bucket`, `aws_rds_cluster.cluster_identifier`).
fn names_parent(ty: &str, key: &str) -> bool {
    let own = match key {
        "bucket" => "_bucket",
        "function_name" => "_function",
        "table_name" => "_table",
        "cluster_identifier" | "cluster_name" => "_cluster",
        "repository_name" => "_repository",
        "queue_name" => "_queue",
        "topic_name" => "_topic",
        "stream_name" => "_stream",
        "role_name" => "_role",
        "secret_name" => "_secret",
        _ => return false,
    };
    !ty.ends_with(own)
}

fn is_rule_attr(key: &str) -> bool {
    matches!(
        key,
        "cidr_blocks"
            | "ipv6_cidr_blocks"
            | "cidr_ipv4"
            | "cidr_ipv6"
            | "cidr_block"
            | "ipv6_cidr_block"
            | "source_ranges"
            | "source_address_prefix"
            | "source_address_prefixes"
            | "from_port"
            | "to_port"
            | "protocol"
            | "ip_protocol"
            | "type"
            | "egress"
            | "rule_action"
            | "direction"
            | "access"
            | "destination_port_range"
            | "destination_port_ranges"
    )
}

/// `["5432", "1000-2000"]` → the smallest range covering them (a rule admits
/// a database port when any entry does; the span is enough for that test).
fn port_list(items: &[Val]) -> Ports {
    let mut lo = u32::MAX;
    let mut hi = 0u32;
    for it in items {
        let Some(s) = it.as_str() else {
            return Ports::Unknown;
        };
        if s == "*" {
            return Ports::All;
        }
        let (a, b) = s.split_once('-').unwrap_or((s, s));
        let (Ok(a), Ok(b)) = (a.trim().parse::<u32>(), b.trim().parse::<u32>()) else {
            return Ports::Unknown;
        };
        lo = lo.min(a);
        hi = hi.max(b);
    }
    if lo > hi {
        Ports::Unknown
    } else {
        Ports::Range(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hcl::mirror;

    fn run(files: &[(&str, &str)]) -> Vec<(String, InfraFacts)> {
        let files = files
            .iter()
            .map(|(p, t)| HclFile {
                path: (*p).to_owned(),
                kind: HclKind::of_path(p),
                body: mirror(t, &hcl_edit::parser::parse_body(t).expect("valid")),
            })
            .collect();
        resolve_hcl(files, &|p: &str| {
            p.contains("/prod/") || p.contains("/staging/")
        })
    }

    #[test]
    fn resources_backends_tags_and_ingress() {
        let out = run(&[
            ("envs/prod/main.tf", r#"terraform {
  backend "s3" {
    bucket         = "acme-tfstate-prod"
    key            = "prod/app.tfstate"
    dynamodb_table = "acme-tf-lock-prod"
  }
}
resource "aws_s3_bucket" "data" {
  bucket = "acme-${local.env}-data"
  tags   = merge(local.tags, { Name = "data" })
}
resource "aws_security_group" "db" {
  name = "db-prod"
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0", var.dev_cidr]
  }
}
resource "aws_vpc" "main" {
  cidr_block = "10.2.0.0/16"
}
"#),
            ("envs/prod/locals.tf", "locals {\n  env = \"prod\"\n  tags = { Environment = \"staging\" }\n}\nvariable \"dev_cidr\" {\n  default = \"10.1.0.0/16\"\n}\n"),
        ]);
        let main = &out
            .iter()
            .find(|(p, _)| p == "envs/prod/main.tf")
            .expect("main")
            .1;
        assert_eq!(main.backends.len(), 1);
        assert_eq!(
            main.backends[0].describe(),
            "s3://acme-tfstate-prod/prod/app.tfstate (lock: acme-tf-lock-prod)"
        );
        assert!(main.names.iter().any(|n| n.name == "acme-prod-data"));
        assert_eq!(main.net_rules.len(), 2, "{:?}", main.net_rules);
        assert!(main
            .net_rules
            .iter()
            .all(|r| r.ports == Ports::Range(5432, 5432)));
        assert_eq!(main.networks.len(), 1);
        // The tag is written in locals.tf and reported there, once.
        assert!(main.tags.is_empty(), "{:?}", main.tags);
        let locals = &out
            .iter()
            .find(|(p, _)| p == "envs/prod/locals.tf")
            .expect("locals")
            .1;
        assert_eq!(locals.tags.len(), 1);
        assert_eq!(locals.tags[0].region.start_line, 3);
    }

    #[test]
    fn module_and_terragrunt_inputs_name_their_resources() {
        let out = run(&[
            (
                "live/staging/root.hcl",
                "inputs = {\n  name = \"shared-root-name\"\n}\n",
            ),
            (
                "live/staging/app/terragrunt.hcl",
                "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\ninputs = {\n  name = \"orders-rds-staging\"\n  port = 5432\n}\n",
            ),
            (
                "envs/prod/main.tf",
                "module \"queue\" {\n  source = \"../../modules/sqs\"\n  queue_name = \"orders-prod\"\n  visibility = 30\n}\n",
            ),
        ]);
        let names: Vec<(&str, &str, u32)> = out
            .iter()
            .flat_map(|(_, f)| f.names.iter())
            .map(|n| (n.resource.as_str(), n.name.as_str(), n.region.start_line))
            .collect();
        // The root's input is the root's, not each child's.
        assert_eq!(
            names,
            vec![
                ("module.queue.queue_name", "orders-prod", 3),
                ("inputs.name", "orders-rds-staging", 5),
                ("inputs.name", "shared-root-name", 2),
            ]
        );
    }

    #[test]
    fn a_dependency_on_another_environments_stack_is_a_reference() {
        let out = run(&[(
            "live/staging/app/terragrunt.hcl",
            "dependency \"vpc\" {\n  config_path = \"../../prod/vpc\"\n  mock_outputs = { vpc_id = \"vpc-1\" }\n}\ndependency \"db\" {\n  config_path = \"../db\"\n}\n",
        )]);
        let f = &out[0].1;
        let paths: Vec<(&str, u32)> = f
            .tokens
            .iter()
            .map(|t| (t.text.as_str(), t.region.start_line))
            .collect();
        assert_eq!(paths, vec![("live/prod/vpc", 2), ("live/staging/db", 6)]);
    }

    #[test]
    fn mock_outputs_and_conditionals_say_nothing() {
        let out = run(&[(
            "live/staging/app/terragrunt.hcl",
            r#"dependency "vpc" {
  config_path = "../vpc"
  mock_outputs = { db_host = "db.prod.acme.internal" }
}
inputs = {
  size = var.env == "production" ? "large" : "small"
  db_host = dependency.vpc.outputs.db_host
}
"#,
        )]);
        // Only the dependency's own folder (this environment's) is a marker;
        // the mock host and the conditional's "production" say nothing.
        let texts: Vec<&str> = out
            .iter()
            .flat_map(|(_, f)| f.tokens.iter().map(|t| t.text.as_str()))
            .collect();
        assert_eq!(texts, vec!["live/staging/vpc"], "{out:?}");
    }
}
