//! What a file is for, read from its path alone: deploy configuration, source
//! code, a test, documentation, an example, or a local-only development setup.
//! Rules weigh a finding by it: a password in `docs/setup.md` is a note, the
//! same password in `envs/prod/.env` is an error.

/// The role of a file in a repository, from its path relative to the scanned root
/// (`/`-separated). See [`PathRole::of`] for the conventions recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathRole {
    /// Configuration an environment is deployed with: `.env` files, YAML/JSON/
    /// TOML/INI/properties configs, Kubernetes manifests, Helm values, Terraform
    /// (`.tf`, `.tfvars`, `.hcl`), CI/CD pipelines, Dockerfiles.
    Deploy,
    /// Program source and anything not recognised otherwise.
    Source,
    /// Tests and their fixtures (`tests/`, `spec/`, `__tests__/`, `testdata/`,
    /// `fixtures/`, `*_test.go`, `*.test.ts`, `*.spec.js`, `test_*.py`).
    Test,
    /// Documentation: `*.md`, `*.rst`, `*.adoc`, `README*`, anything under `docs/`.
    Docs,
    /// A template or example to copy from: `*.example`, `*.sample`, `*.dist`,
    /// `*.template`, `*.tmpl`, `.env.example`, `sample.env`, `example-*.yaml`,
    /// anything under `examples/` or `samples/`.
    Example,
    /// A developer's local stack: `docker-compose*.yml`, `compose*.yaml`,
    /// `.devcontainer/`. Rules may treat such a file as deploy configuration
    /// when it is attributed to a non-development environment
    /// (`envs/prod/docker-compose.yml`).
    Local,
}

/// File-name words that make a file a template to copy from.
const EXAMPLE_WORDS: &[&str] = &[
    "example", "examples", "sample", "samples", "template", "dist", "tmpl",
];

/// Folders whose files are examples (compared lower-case).
const EXAMPLE_DIRS: &[&str] = &["example", "examples", "sample", "samples"];

const DOC_DIRS: &[&str] = &["docs", "doc", "documentation", "wiki"];

const DOC_EXTS: &[&str] = &[
    "md", "markdown", "mdx", "rst", "adoc", "asciidoc", "txt", "textile",
];

/// Extensions of configuration files an environment is deployed with.
const DEPLOY_EXTS: &[&str] = &[
    "yaml",
    "yml",
    "json",
    "jsonc",
    "json5",
    "toml",
    "ini",
    "cfg",
    "conf",
    "config",
    "properties",
    "env",
    "tf",
    "tfvars",
    "hcl",
    "tfbackend",
    "xml",
    "plist",
    "envrc",
];

impl PathRole {
    /// The role of `path` (relative to the scanned root, `/`-separated; `\` is
    /// accepted too). First match wins, in this order:
    ///
    /// 1. **Example**: a file-name word (split on `.`, `-`, `_`) `example`,
    ///    `sample`, `template`, `dist` or `tmpl` (`.env.example`,
    ///    `config.sample.yaml`, `settings.py.dist`, `sample.env`), or a folder
    ///    `examples/`/`samples/`. (A repository's bundled example scanned as
    ///    the root has its paths relative to itself, so its files keep their
    ///    own roles.)
    /// 2. **Test**: [`crate::is_test_path`] (`tests/`, `spec/`, `e2e/`,
    ///    `__tests__/`, `testdata/`, `fixtures/`, `*_test.*`, `*.test.*`,
    ///    `*.spec.*`, `test_*`), except a bare `test/` or `tests/` folder
    ///    directly under a folder of environments (`envs/test/.env`,
    ///    `k8s/overlays/test/`, `config/test/`): that is the test environment.
    /// 3. **Docs**: a documentation extension (`.md`, `.rst`, `.adoc`, `.txt`,
    ///    …), a `README`/`CHANGELOG` file, or a folder `docs/`, `doc/`,
    ///    `documentation/`, `wiki/`.
    /// 4. **Local**: `docker-compose*.y(a)ml`, `compose*.y(a)ml`, anything under
    ///    `.devcontainer/`.
    /// 5. **Deploy**: a configuration extension (YAML, JSON, TOML, INI,
    ///    properties, XML, Terraform/HCL, `.env`), a dotenv file (`.env`,
    ///    `.env.production`), a CI/CD pipeline (`.github/workflows/`,
    ///    `.gitlab-ci.yml`, `Jenkinsfile`, `.circleci/`, `azure-pipelines.yml`),
    ///    a `Dockerfile`.
    /// 6. **Source**: everything else.
    pub fn of(path: &str) -> PathRole {
        let lower = path.to_ascii_lowercase().replace('\\', "/");
        let mut segments: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
        let file = segments.pop().unwrap_or("");
        let dirs = segments;
        let ext = match file.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => ext,
            _ => "",
        };
        if file
            .split(['.', '-', '_'])
            .any(|w| EXAMPLE_WORDS.contains(&w))
            || dirs.iter().any(|d| EXAMPLE_DIRS.contains(d))
        {
            return PathRole::Example;
        }
        // A bare `test/`/`tests/` folder under a folder of environments
        // (`envs/test/`, `k8s/test/`, `config/test/`) is the test environment,
        // whose configuration is deploy configuration.
        let test_dir = |i: usize| {
            matches!(dirs[i], "test" | "tests")
                && (i == 0 || !crate::infer::is_env_container(dirs[i - 1]))
        };
        if crate::is_test_fixture(&lower) || (0..dirs.len()).any(test_dir) {
            return PathRole::Test;
        }
        let stem = file.split('.').next().unwrap_or("");
        if DOC_EXTS.contains(&ext)
            || matches!(stem, "readme" | "changelog" | "contributing")
            || dirs.iter().any(|d| DOC_DIRS.contains(d))
        {
            return PathRole::Docs;
        }
        let yaml = matches!(ext, "yml" | "yaml");
        let compose = file.starts_with("docker-compose")
            || ["compose.", "compose-", "compose_"]
                .iter()
                .any(|p| file.starts_with(p));
        if (yaml && compose) || dirs.contains(&".devcontainer") {
            return PathRole::Local;
        }
        let dotenv = file == ".env" || file.starts_with(".env.");
        let ci = dirs.windows(2).any(|w| w == [".github", "workflows"])
            || dirs.contains(&".circleci")
            || matches!(
                file,
                ".gitlab-ci.yml"
                    | "jenkinsfile"
                    | "azure-pipelines.yml"
                    | "bitbucket-pipelines.yml"
            );
        let dockerfile =
            file == "dockerfile" || file.starts_with("dockerfile.") || ext == "dockerfile";
        if dotenv || ci || dockerfile || DEPLOY_EXTS.contains(&ext) {
            return PathRole::Deploy;
        }
        PathRole::Source
    }

    /// Tests, docs, examples and local stacks: places where a written-down
    /// credential is usually a stand-in, not something an environment runs with.
    pub fn is_illustrative(self) -> bool {
        matches!(
            self,
            PathRole::Test | PathRole::Docs | PathRole::Example | PathRole::Local
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PathRole::Deploy => "deploy config",
            PathRole::Source => "source",
            PathRole::Test => "test",
            PathRole::Docs => "docs",
            PathRole::Example => "example",
            PathRole::Local => "local dev stack",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PathRole::{self, *};

    fn check(cases: &[(&str, PathRole)]) {
        for (path, want) in cases {
            assert_eq!(PathRole::of(path), *want, "{path}");
        }
    }

    #[test]
    fn deploy_configs() {
        check(&[
            ("envs/prod/.env", Deploy),
            ("services/api/.env.production", Deploy),
            ("k8s/overlays/prod/db-secret.yaml", Deploy),
            ("deploy/helm/values-staging.yaml", Deploy),
            ("terraform/envs/dev/terraform.tfvars", Deploy),
            ("config/production.json", Deploy),
            (
                "services/billing/src/main/resources/application-prod.properties",
                Deploy,
            ),
            (".github/workflows/deploy.yml", Deploy),
            (".gitlab-ci.yml", Deploy),
            ("Dockerfile", Deploy),
            ("docker/Dockerfile.prod", Deploy),
        ]);
    }

    #[test]
    fn sources() {
        check(&[
            ("services/worker/settings.py", Source),
            ("web/src/firebase.js", Source),
            ("cmd/server/main.go", Source),
            ("Makefile", Source),
        ]);
    }

    #[test]
    fn tests_and_fixtures() {
        check(&[
            ("tests/fixtures/config.yaml", Test),
            ("spec/models/user_spec.rb", Test),
            ("web/src/__tests__/api.js", Test),
            ("pkg/store/testdata/creds.json", Test),
            ("pkg/store/store_test.go", Test),
            ("web/src/api.test.ts", Test),
            ("web/src/api.spec.js", Test),
            ("app/tests/test_auth.py", Test),
        ]);
    }

    #[test]
    fn docs() {
        check(&[
            ("docs/setup.md", Docs),
            ("README.md", Docs),
            ("docs/api/config.yaml", Docs),
            ("guide/install.rst", Docs),
            ("manual/ops.adoc", Docs),
        ]);
    }

    #[test]
    fn examples() {
        check(&[
            (".env.example", Example),
            ("envs/dev/sample.env", Example),
            ("config/settings.yaml.sample", Example),
            ("app/config.dist.php", Example),
            ("deploy/values.template.yaml", Example),
            ("deploy/secret.yaml.tmpl", Example),
            ("example-config.json", Example),
            ("examples/basic/main.tf", Example),
            // A sample under a test folder is an example first.
            ("tests/fixtures/sample.env", Example),
        ]);
    }

    #[test]
    fn local_stacks() {
        check(&[
            ("docker-compose.yml", Local),
            ("docker-compose.override.yml", Local),
            ("deploy/compose.yaml", Local),
            (".devcontainer/devcontainer.json", Local),
            (".devcontainer/docker-compose.yml", Local),
        ]);
    }

    #[test]
    fn look_alikes_keep_their_role() {
        check(&[
            // Words inside a name are not file-name words.
            ("config/examplecorp.yaml", Deploy),
            ("src/sampler.rs", Source),
            ("envs/testing-tools/app.yaml", Deploy),
            // The test environment's own configuration.
            ("envs/test/.env", Deploy),
            ("k8s/overlays/test/secret.yaml", Deploy),
            ("config/test/database.yml", Deploy),
            ("services/api/tests/config.yaml", Test),
            ("k8s/composer.yaml", Deploy),
            ("src/docsgen/main.rs", Source),
        ]);
    }
}
