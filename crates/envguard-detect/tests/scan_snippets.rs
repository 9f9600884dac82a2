//! scan_text on realistic snippets: secrets at the right byte spans, and
//! silence on ordinary code.

use envguard_detect::{Detector, SecretKind, SecretMatch};

fn scan(text: &str) -> Vec<SecretMatch> {
    let mut out = Vec::new();
    Detector::builtin().scan_text(text.as_bytes(), &mut out);
    out
}

/// Asserts that exactly `expected` (rule id, secret, key) are found, in order,
/// each at the byte span where the secret occurs in `text`.
fn expect(text: &str, expected: &[(&str, &str, Option<&str>)]) {
    let found = scan(text);
    let got: Vec<_> = found
        .iter()
        .map(|m| (m.rule_id, &text[m.span.clone()], m.key.as_deref()))
        .collect();
    let want: Vec<_> = expected.to_vec();
    assert_eq!(got, want, "in:\n{text}");
    for (m, (_, secret, _)) in found.iter().zip(expected) {
        let at = text.find(secret).expect("secret in text");
        assert_eq!(m.span, at..at + secret.len());
    }
}

#[test]
fn python() {
    let src = r#"import os
import boto3

DB_PASSWORD = "XRx##V*Ik2k3x+LPnkPLN5"
AWS_ACCESS_KEY_ID = "AKIA3K5AQLGTMJXKAU7B"

class Billing:
    def __init__(self, token=None, api_key=None):
        self.token = token or os.environ["BILLING_TOKEN"]
        self.api_key = api_key
        password = get_password()
        secret: str = load_secret()
        self.tokenCache = {}

    def connect(self):
        return psycopg2.connect(host="db", password="Pq8!zLm2Wx4v", user="app")
"#;
    expect(
        src,
        &[
            (
                "generic-secret",
                "XRx##V*Ik2k3x+LPnkPLN5",
                Some("DB_PASSWORD"),
            ),
            (
                "aws-access-key-id",
                "AKIA3K5AQLGTMJXKAU7B",
                Some("AWS_ACCESS_KEY_ID"),
            ),
            ("generic-secret", "Pq8!zLm2Wx4v", Some("password")),
        ],
    );
}

#[test]
fn javascript() {
    let src = r#"'use strict';
const GITHUB_TOKEN = "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";
const apiKey = process.env.API_KEY;
export function login(user, password) {
  if (!password) { throw new Error('password missing'); }
  const tokenCache = new Map();
  return fetch(url, { headers: { Authorization: `Bearer ${token}` } });
}
const config = {
  stripeKey: 'sk_live_4CpWDKNQyvbF2ulFnwZqvr4M',
  sessionSecret: "y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6",
  passwordField: "password",
  labels: { password: "Enter your password" },
};
"#;
    expect(
        src,
        &[
            (
                "github-token",
                "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",
                Some("GITHUB_TOKEN"),
            ),
            (
                "stripe-secret-key",
                "sk_live_4CpWDKNQyvbF2ulFnwZqvr4M",
                Some("stripeKey"),
            ),
            (
                "generic-secret",
                "y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6",
                Some("sessionSecret"),
            ),
        ],
    );
}

#[test]
fn go() {
    let src = "package main\n\nimport \"fmt\"\n\nconst slackToken = \"xoxb-48465648236-6299468044369-MPuDCCRnGEY59YVkQfsGQONv\"\n\nfunc main() {\n\tpassword := \"2v4S5fT3JhjZU^uds4eqiEUU\"\n\ttoken, err := auth.Token(ctx, cfg.Password)\n\tif err != nil {\n\t\treturn fmt.Errorf(\"token: %w\", err)\n\t}\n\tdsn := fmt.Sprintf(\"postgres://%s:%s@%s/db\", user, password, host)\n\tdb, _ := sql.Open(\"postgres\", \"postgres://orders:Xq7!tRw2pLm9ZkVb@db.prod.internal:5432/orders\")\n}\n";
    expect(
        src,
        &[
            (
                "slack-token",
                "xoxb-48465648236-6299468044369-MPuDCCRnGEY59YVkQfsGQONv",
                Some("slackToken"),
            ),
            (
                "generic-secret",
                "2v4S5fT3JhjZU^uds4eqiEUU",
                Some("password"),
            ),
            ("connection-string", "Xq7!tRw2pLm9ZkVb", None),
        ],
    );
}

#[test]
fn yaml_and_workflows() {
    let src = r#"apiVersion: v1
kind: Secret
metadata:
  name: orders-secrets
stringData:
  DB_PASSWORD: "XRx##V*Ik2k3x+LPnkPLN5"
  JWT_SECRET: 388e69f6342e5e2ab29955b73647f0bbe4229cfdd24a2eeb454d134955a7b928
---
jobs:
  deploy:
    env:
      AWS_SECRET_ACCESS_KEY: gmhZRnFyy5r2xJ7Fj4mgblEv0/9BZhvWaXH6K2/t
      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
      SLACK_TOKEN: ${{ secrets.SLACK_TOKEN }}
    steps:
      - uses: actions/checkout@v4
      - run: ./deploy.sh --password "$DEPLOY_PASSWORD"
tls.key: |
  -----BEGIN EC PRIVATE KEY-----
  g2gaBhZajReYmchT3WIDSmljxxW55o/n/vo+koUrr2ErI0RNRH4lECpvRmtMe8gT
  XEDxP7igfpidMnUbIk0B8mVV155hzdxUcFVu0NLcpvmYIkxSmvKxM3pQLfZl91FK
  -----END EC PRIVATE KEY-----
"#;
    let pem_start = src.find("-----BEGIN EC").expect("pem");
    let pem_end = src.find("-----END EC PRIVATE KEY-----").expect("end")
        + "-----END EC PRIVATE KEY-----".len();
    let pem = &src[pem_start..pem_end];
    expect(
        src,
        &[
            (
                "generic-secret",
                "XRx##V*Ik2k3x+LPnkPLN5",
                Some("DB_PASSWORD"),
            ),
            (
                "generic-secret",
                "388e69f6342e5e2ab29955b73647f0bbe4229cfdd24a2eeb454d134955a7b928",
                Some("JWT_SECRET"),
            ),
            (
                "aws-secret-access-key",
                "gmhZRnFyy5r2xJ7Fj4mgblEv0/9BZhvWaXH6K2/t",
                Some("AWS_SECRET_ACCESS_KEY"),
            ),
            ("private-key", pem, Some("tls.key")),
        ],
    );
}

#[test]
fn markdown_docs() {
    let src = r#"# Credentials

Never commit keys. Example from the AWS docs:

    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

Set `DB_PASSWORD=<your-password-here>` in your local .env.
The `token` option: how many tokens to keep (default 40).
Pass the key with `--api-key $API_KEY`, or use a `password:` prompt.

Our staging webhook (oops): https://hooks.slack.com/services/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
"#;
    expect(
        src,
        &[(
            "slack-webhook-url",
            "https://hooks.slack.com/services/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",
            None,
        )],
    );
}

#[test]
fn dotenv_and_properties() {
    let src = "# prod environment\nLOG_LEVEL=info\nDB_HOST=db.prod.internal\nDB_PASSWORD=XRx##V*Ik2k3x+LPnkPLN5\nINTERNAL_API_TOKEN=y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6\nDB_PASSWORD_HINT=${DB_PASSWORD}\n# SMTP_PASSWORD=changeme\nspring.datasource.password=Pq8!zLm2Wx4v\n";
    let found = scan(src);
    let got: Vec<_> = found
        .iter()
        .map(|m| (&src[m.span.clone()], m.kind))
        .collect();
    assert_eq!(
        got,
        vec![
            ("XRx##V*Ik2k3x+LPnkPLN5", SecretKind::Secret),
            ("y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6", SecretKind::Secret),
            ("changeme", SecretKind::WeakDefault),
            ("Pq8!zLm2Wx4v", SecretKind::Secret),
        ]
    );
}

#[test]
fn provider_key_wins_over_generic_and_lends_it_the_key() {
    let src = "GITHUB_TOKEN=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\n";
    let found = scan(src);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule_id, "github-token");
    assert_eq!(found[0].key.as_deref(), Some("GITHUB_TOKEN"));
}

#[test]
fn clean_code_is_quiet() {
    let samples = [
        r#"
def refresh(self, token=None, timeout=30):
    tokenCache = self.sessionToken(orderQueue, timeout=3)
    keyName = self.keyFor(record)
    if password is None:
        raise ValueError("password missing")
    api_key = None
    password_field = "password"
    secret: str
    token = self.token
    password = get_password()
    creds = load_credentials(path)
    auth = HTTPBasicAuth(user, pw)
    msg.send(msg.body)
    # id 0b9f4c2e-3d1a-4e5f-a6b7-c8d9e0f1a2b3  # sha1 388e69f6342e5e2ab29955b73647f0bbe4229cfd
    return [token for token in tokens if token.valid]
"#,
        r#"
export function handler(req, res) {
  const token = req.headers.authorization?.split(' ')[1];
  const { password, ...rest } = req.body;
  if (password !== confirmPassword) return res.status(400).json({ error: 'Passwords do not match' });
  const secretKey = config.get('secretKey');
  const apiKey = process.env.STRIPE_API_KEY ?? '';
  localStorage.setItem('authToken', token);
  return jwt.sign({ sub: user.id }, secretKey, { expiresIn: '1h' });
}
"#,
        r#"
func (s *Server) Login(ctx context.Context, req *pb.LoginRequest) (*pb.Token, error) {
	password := req.GetPassword()
	token, err := s.auth.Issue(ctx, req.User, password)
	if err != nil {
		return nil, fmt.Errorf("issue token: %w", err)
	}
	secretKey := os.Getenv("SECRET_KEY")
	return &pb.Token{Value: token}, nil
}
"#,
        r#"
pub fn verify(password: &str, hash: &PasswordHash) -> Result<(), Error> {
    let token_len = token.len();
    let api_key: Option<String> = std::env::var("API_KEY").ok();
    let secret = Secret::new(key_bytes);
    match auth_header { Some(v) => v, None => return Ok(()) }
}
"#,
        r#"
{
  "lockfileVersion": 3,
  "packages": {
    "node_modules/token-cache-1": {"version": "1.1.0", "integrity": "sha512-3q2+7wVzK4xB0pL9mN8vR6tY1uI0oP5aS4dF7gH2jK9lZ3xC6vB8nM1qW4eR7tY0uI3oP6aS9dF2gH5jK8lZ1xC=="},
    "node_modules/passport-5": {"version": "1.5.0", "integrity": "sha512-Xk9fjw3LqP0aXk9fjw3LqP0aXk9fjw3LqP0aXk9fjw3LqP0aXk9fjw3LqP0aXk9fjw3LqP0aXk9fjw3LqP0a=="}
  }
}
"#,
        r#"
auth:
  enabled: true
  provider: oidc
  tokenTTL: 3600
  passwordPolicy:
    minLength: 12
  secretRef:
    name: orders-db-credentials
    key: password
  existingSecret: orders-db
  password: ${DB_PASSWORD}
  apiKey: "{{ .Values.apiKey }}"
  token: vault:secret/data/orders#token
public_key: ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Xk9fjw3LqP0aXk9fjw3LqP0a deploy@ci
"#,
        r#"
## Authentication

Set the `API_KEY` environment variable. The password must be at least 12 characters.
Tokens expire after one hour; use `refresh_token` to get a new one.
Author: Jane Doe <jane@example.org>. See https://docs.example.org/auth#tokens.
"#,
    ];
    for s in samples {
        let found = scan(s);
        assert!(
            found.is_empty(),
            "false positives {:?} in:\n{s}",
            found
                .iter()
                .map(|m| (m.rule_id, &s[m.span.clone()]))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn long_minified_line_and_binary_input() {
    let mut s = String::new();
    for i in 0..20_000 {
        s.push_str(&format!("var a{i}=tokenCache[{i}];"));
    }
    s.push_str("var ghToken=\"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\";");
    for i in 0..20_000 {
        s.push_str(&format!("var b{i}=keyName[{i}];"));
    }
    let found = scan(&s);
    assert_eq!(found.len(), 1);
    assert_eq!(
        &s[found[0].span.clone()],
        "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"
    );

    let mut bin: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    bin.extend_from_slice(b"\xff\xfePASSWORD=\xff\xfe\x00token=");
    let mut out = Vec::new();
    Detector::builtin().scan_text(&bin, &mut out);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn scan_text_appends_to_out() {
    let mut out = Vec::new();
    let d = Detector::builtin();
    d.scan_text(b"DB_PASSWORD=XRx##V*Ik2k3x+LPnkPLN5\n", &mut out);
    d.scan_text(b"DB_PASSWORD=Pq8!zLm2Wx4vQ\n", &mut out);
    assert_eq!(out.len(), 2);
}

#[test]
fn large_input_uses_all_streams_and_keeps_positions() {
    // Secrets placed around the 4-stream split points of a large input.
    let filler = "    tokenCache = self.orderCache(queueKey, timeout=3)\n";
    let secret_line = "GITHUB_TOKEN = \"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\"\n";
    let mut s = String::new();
    while s.len() < 400_000 {
        s.push_str(filler);
    }
    let quarter = s.len() / 4;
    let mut text = String::new();
    let mut expected = Vec::new();
    for (i, chunk) in s.as_bytes().chunks(quarter).enumerate() {
        text.push_str(std::str::from_utf8(chunk).expect("ascii"));
        if i < 4 {
            let at = text.len() + secret_line.find("ghp_").expect("ghp");
            expected.push(at..at + 40);
            text.push_str(secret_line);
        }
    }
    let found = scan(&text);
    let spans: Vec<_> = found.iter().map(|m| m.span.clone()).collect();
    assert_eq!(spans, expected);
}

#[test]
fn npm_fixture_lines_are_quiet() {
    for s in [
        "await libpub.unpublish('lodash', { token: 'i-am-the-worst'})\n",
        "this._noAuthorization = !req.headers.authorization;\n",
        "  password: 'bm90IG15IHJlYWwgcGFzc3dvcmQ=',\n",
        "cvs://:pserver:anoncvs@sources.redhat.com:/cvs/src\n",
        "const myURL = new URL('https://abc:xyz@example.com');\n",
        "\"-auth=anonymous:$FROM_EMAIL\",\n",
        "# com.sun.management.jmxremote.ssl.need.client.auth=true|false\n",
    ] {
        let found = scan(s);
        assert!(found.is_empty(), "{s}: {found:?}");
    }
}

/// Found on real repositories (trials): a CloudFront function in a Terraform
/// heredoc builds its expected `Authorization` from Terraform calls (the inner
/// quotes cut the value to `${base64encode(`), and a Go struct literal passes a
/// variable (`ghToken}` ends with the literal's brace). Neither is a secret;
/// the same places holding literals are.
#[test]
fn interpolated_calls_and_struct_literals() {
    let tf = r#"resource "aws_cloudfront_function" "auth" {
  name    = "${var.namespace}-export-cloudfront-function"
  runtime = "cloudfront-js-2.0"
  code    = <<-EOT
    function handler(event) {
      const headers = event.request.headers;
      const expectedAuth = "Basic ${base64encode("${random_password.username.result}:${random_password.password.result}")}";
      if (!headers.authorization || headers.authorization.value !== expectedAuth) {
        return { statusCode: 401, statusDescription: "Unauthorized" };
      }
      return event.request;
    }
  EOT
}
"#;
    expect(tf, &[]);
    expect(
        &tf.replace(
            r#"${base64encode("${random_password.username.result}:${random_password.password.result}")}"#,
            "ZGVwbG95OlhrOW1RMnZMOHBSNHRXN3o=",
        ),
        &[(
            "generic-secret",
            "ZGVwbG95OlhrOW1RMnZMOHBSNHRXN3o=",
            Some("expectedAuth"),
        )],
    );
    let go = "func initOAuth2(ghToken string) (*http.Client, context.Context) {\n\tctx := context.Background()\n\tts := oauth2.StaticTokenSource(\n\t\t&oauth2.Token{AccessToken: ghToken},\n\t)\n\treturn oauth2.NewClient(ctx, ts), ctx\n}\n";
    expect(go, &[]);
    // A random token before the closing brace stays a secret (the span keeps
    // the brace of a flow mapping, as before).
    let yaml = "auth: {token: q8Zt4LmW2xpR7vKd81Ab}\n";
    let found = scan(yaml);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].key.as_deref(), Some("token"));
    assert!(yaml[found[0].span.clone()].starts_with("q8Zt4LmW2xpR7vKd81Ab"));
}
