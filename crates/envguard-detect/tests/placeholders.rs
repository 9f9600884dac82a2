use envguard_detect::{is_placeholder, is_weak_default, Detector, SecretKind};

#[test]
fn placeholders_and_references() {
    for v in [
        "",
        "   ",
        "${DB_PASSWORD}",
        "${DB_PASSWORD:-}",
        "$DB_PASSWORD",
        "$(cat /run/secrets/db)",
        "{{ .Values.db.password }}",
        "{{db_password}}",
        "${{ secrets.DB_PASSWORD }}",
        "<your-password>",
        "<PASSWORD>",
        "%(db_password)s",
        "#{dbPassword}",
        "@db.password@",
        "%DB_PASSWORD%",
        "__DB_PASSWORD__",
        "{password}",
        "[YOUR API KEY]",
        "vault:secret/data/orders#password",
        "ssm:/prod/orders/db_password",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-AbCdEf",
        "op://Production/orders-db/password",
        "ENC[AES256_GCM,data:Tr7o=,iv:1=,tag:x=,type:str]",
        "secretRef",
        "sops:v1",
        "os.environ['DB_PASSWORD']",
        "os.getenv(\"DB_PASSWORD\")",
        "process.env.DB_PASSWORD",
        "getenv(\"DB_PASSWORD\")",
        "System.getenv(\"DB_PASSWORD\")",
        "null",
        "None",
        "nil",
        "true",
        "FALSE",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "my-example-token-123",
        "xxxxxxxxxxxxxxxx",
        "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
        "dummy-password",
        "fake_secret_value",
        "sample-api-key",
        "REDACTED",
        "********",
        "sk-proj-...",
        "00000000",
        "aaaaaaaaaaaa",
        "your_api_key_here",
        "insert-token-here",
        "projects/acme/secrets/db-password/versions/latest",
        "'${QUOTED}'",
        // Cloud Foundry / Concourse / CredHub, Azure Pipelines, Octopus, replacetokens.
        "((cf-admin-password))",
        "((/concourse/main/db_password))",
        "$(System.AccessToken)",
        "#{Octopus.Action.ApiKey}",
        "#{DbPassword}#",
        "prefix-((db_password))",
        "CHANGE_ME_BEFORE_DEPLOY",
        "please-change-me",
        "set-me-in-vault",
        "***",
    ] {
        assert!(is_placeholder(v), "{v:?} should be a placeholder");
        assert_eq!(
            Detector::builtin().classify_value(Some("DB_PASSWORD"), v),
            None,
            "{v:?}"
        );
    }
}

#[test]
fn real_looking_values_are_not_placeholders() {
    for v in [
        "Xq7!tRw2pLm9ZkVb",
        "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",
        "388e69f6342e5e2ab29955b73647f0bbe4229cfdd24a2eeb454d134955a7b928",
        "changeme",
        "password",
        "12345678",
        "$2b$12$KIXQJQjz1wU9yZ1yZ1yZ1u",
        // Template openers without their closer: random characters of a secret.
        "Kx9$(mQ2!vL8#pZ4wR7",
        "Tq7#{Lm2Vb9Zx4",
        "p(({Z8k2mQ9xL",
        "W2${x9Lm4Qv7",
        // An opener and closer around no reference.
        "aB$(9)7Q2!vL8#pZ4",
        "changeit",
    ] {
        assert!(!is_placeholder(v), "{v:?}");
    }
}

#[test]
fn weak_defaults_are_reported_as_such() {
    let d = Detector::builtin();
    for v in [
        "changeme",
        "password",
        "admin",
        "secret",
        "test",
        "12345678",
        "Passw0rd",
        "root",
        "\"changeme\"",
    ] {
        assert!(is_weak_default(v), "{v}");
        let m = d.classify_value(Some("DB_PASSWORD"), v).expect(v);
        assert_eq!(m.kind, SecretKind::WeakDefault, "{v}");
        assert_eq!(m.rule_id, "generic-secret");
    }
    // Not under a secret-named key: nothing.
    assert_eq!(d.classify_value(Some("LOG_LEVEL"), "admin"), None);
    assert_eq!(d.classify_value(None, "changeme"), None);
}

#[test]
fn classify_value_not_secrets() {
    let d = Detector::builtin();
    let cases: &[(Option<&str>, &str)] = &[
        (Some("DB_PASSWORD"), "3600"),
        (Some("GOOGLE_APPLICATION_CREDENTIALS"), "/var/run/secrets/gcp/key.json"),
        (Some("AUTH_URL"), "https://login.example.org/oauth2/token"),
        (Some("AUTH_SERVER"), "https://login.acme.io/oauth2/token"),
        (Some("SSH_PUBLIC_KEY"), "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 deploy@ci"),
        (Some("deploy_key"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMq deploy@ci"),
        (Some("integrity"), "sha512-Xq7tRw2pLm9ZkVbXq7tRw2pLm9ZkVb=="),
        (Some("commit"), "388e69f6342e5e2ab29955b73647f0bbe4229cfd"),
        (Some("request_id"), "5f0c2a1e-8a7b-4c1d-9e2f-3b4a5c6d7e8f"),
        (Some("TOKEN_TYPE"), "Bearer"),
        (Some("PASSWORD_PROMPT"), "Enter your password"),
        (Some("password"), "Enter your password"),
        (Some("SECRET_NAME"), "orders-db-credentials"),
        (Some("secret"), "orders-db-credentials"),
        (Some("CA_CERT"), "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n-----END CERTIFICATE-----\n"),
        (Some("public_key"), "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgO\n-----END PUBLIC KEY-----"),
        (Some("region"), "eu-west-1"),
        (None, "Xq7!tRw2pLm9ZkVb"),
        // Public by design, or a scanner's hash of a secret.
        (Some("gtm_auth"), "Xy1AbCdEf2GhIjKlMnOpQr"),
        (Some("ALGOLIA_SEARCH_API_KEY"), "7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e"),
        (Some("searchOnlyApiKey"), "7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e"),
        (Some("STRIPE_KEY"), "pk_live_51H8xYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh"),
        (Some("MAPBOX_TOKEN"), "pk.eyJ1IjoiYWNtZWhlYWx0aCIsImEiOiJjbGs4eDl5ejAwMDFhM2RvN2Q5cXJ0dWZ6In0.Qm3x7Yk2LpZ9wVb4NcRt8A"),
        (Some("analytics_token"), "G-7XK2M9QPLR"),
        (Some("firebaseApiKey"), "AIzaSyD8xK2mQ9pL7vR4nT6wY1zB3cF5hJ0kM2s"),
        (Some("current_key"), "AIzaSyD8xK2mQ9pL7vR4nT6wY1zB3cF5hJ0kM2s"),
        (Some("hashed_secret"), "e5b5a8a9f2e3c1d7b0a4f6e8d2c9b1a3f5e7d9c1"),
        (Some("hashedPassword"), "e5b5a8a9f2e3c1d7b0a4f6e8d2c9b1a3f5e7d9c1"),
        // Found on real repositories (trials): a GTM environment auth under its
        // long name, the name of the CI secret a Terraform module fills, e-mail
        // addresses stored as a secret's initial value.
        (Some("GOOGLE_TAG_MANAGER_AUTH"), "qT7bXw2LmZ9vKd4pRn8sYa"),
        (Some("googleTagManagerAuth"), "qT7bXw2LmZ9vKd4pRn8sYa"),
        (Some("github_actions_secret_kube_token"), "K8S_GHA_UAT_TOKEN"),
        (Some("github_actions_secret_kube_token"), "AUTOGENERATED_ASSESS_FORMS_DEV_K8S_TOKEN"),
        (Some("secret_string"), "default@email.com"),
        (Some("secret_string"), "PPUDAlerts@colt.net"),
    ];
    for (k, v) in cases {
        assert_eq!(d.classify_value(*k, v), None, "{k:?} = {v:?}");
    }
}

#[test]
fn classify_value_secrets() {
    let d = Detector::builtin();
    // (key, value, rule, expected secret)
    let cases: &[(Option<&str>, &str, &str, &str)] = &[
        (Some("DB_PASSWORD"), "XRx##V*Ik2k3x+LPnkPLN5", "generic-secret", "XRx##V*Ik2k3x+LPnkPLN5"),
        (Some("db.password"), "  \"XRx##V*Ik2k3x+LPnkPLN5\"  ", "generic-secret", "XRx##V*Ik2k3x+LPnkPLN5"),
        (Some("JWT_SECRET"), "388e69f6342e5e2ab29955b73647f0bbe4229cfdd24a2eeb454d134955a7b928", "generic-secret", "388e69f6342e5e2ab29955b73647f0bbe4229cfdd24a2eeb454d134955a7b928"),
        (Some("api_token"), "5f0c2a1e-8a7b-4c1d-9e2f-3b4a5c6d7e8f", "generic-secret", "5f0c2a1e-8a7b-4c1d-9e2f-3b4a5c6d7e8f"),
        (Some("INTERNAL_API_TOKEN"), "y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6", "generic-secret", "y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6"),
        (Some("GITHUB_TOKEN"), "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", "github-token", "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"),
        (None, "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", "github-token", "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"),
        (Some("AWS_ACCESS_KEY_ID"), "AKIA3K5AQLGTMJXKAU7B", "aws-access-key-id", "AKIA3K5AQLGTMJXKAU7B"),
        (Some("AWS_SECRET_ACCESS_KEY"), "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", "aws-secret-access-key", "BzNZV45pFCiRcDCajhDieQjEJ/Bq8F80ymm3T207"),
        (Some("aws_secret_access_key"), "gmhZRnFyy5r2xJ7Fj4mgblEv0/9BZhvWaXH6K2/t", "aws-secret-access-key", "gmhZRnFyy5r2xJ7Fj4mgblEv0/9BZhvWaXH6K2/t"),
        (Some("TWILIO_API_KEY"), "SK36682575250def91799e2786d3748421", "twilio-api-key", "SK36682575250def91799e2786d3748421"),
        (Some("SLACK_BOT_TOKEN"), "xoxb-48465648236-6299468044369-MPuDCCRnGEY59YVkQfsGQONv", "slack-token", "xoxb-48465648236-6299468044369-MPuDCCRnGEY59YVkQfsGQONv"),
        (Some("Authorization"), "Bearer y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6", "generic-secret", "y8KcMjRC8xxCWeKiHxzuPrp9hbVlFHy6"),
        // Look-alikes of public identifiers that are secrets.
        (Some("ALGOLIA_ADMIN_API_KEY"), "7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e", "generic-secret", "7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e"),
        (Some("SEARCH_API_KEY"), "7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e", "generic-secret", "7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e"),
        (Some("GOOGLE_API_KEY"), "AIzaSyD8xK2mQ9pL7vR4nT6wY1zB3cF5hJ0kM2s", "gcp-api-key", "AIzaSyD8xK2mQ9pL7vR4nT6wY1zB3cF5hJ0kM2s"),
        (Some("HASH_SECRET"), "Zt4q9LmW2xpR7vKd81AbCdEf", "generic-secret", "Zt4q9LmW2xpR7vKd81AbCdEf"),
        // Look-alikes of the trials' non-secrets that are secrets: an auth
        // token of no tag manager, an upper-case random token with an
        // underscore, a password holding `@` and a dot.
        (Some("MANAGER_AUTH_TOKEN"), "qT7bXw2LmZ9vKd4pRn8sYa", "generic-secret", "qT7bXw2LmZ9vKd4pRn8sYa"),
        (Some("KUBE_TOKEN"), "K8S_9XJ2QW7ZP4LMV3", "generic-secret", "K8S_9XJ2QW7ZP4LMV3"),
        (Some("DB_PASSWORD"), "MI_TEAM1", "generic-secret", "MI_TEAM1"),
        (Some("secret_string"), "Xk9@mQ2.vL8pR4", "generic-secret", "Xk9@mQ2.vL8pR4"),
        (Some("AzureWebJobsStorage"), "DefaultEndpointsProtocol=https;AccountName=prodblobs;AccountKey=dZ//kP8ZEok2gUMh7lnhEeE+XkgocNWLtE2c+/zOp4cCqtGNTO6pGvDgIkMd4xu+jSdFSJo1t1c0r6LaQ4F9QA==;EndpointSuffix=core.windows.net", "azure-storage-account-key", "dZ//kP8ZEok2gUMh7lnhEeE+XkgocNWLtE2c+/zOp4cCqtGNTO6pGvDgIkMd4xu+jSdFSJo1t1c0r6LaQ4F9QA=="),
    ];
    for (k, v, rule, secret) in cases {
        let m = d
            .classify_value(*k, v)
            .unwrap_or_else(|| panic!("{k:?} = {v:?} not found"));
        assert_eq!(m.rule_id, *rule, "{k:?} = {v:?}");
        assert_eq!(&v[m.span.clone()], *secret, "{k:?} = {v:?}");
        assert_eq!(m.kind, SecretKind::Secret);
        assert_eq!(m.key.as_deref(), *k);
    }
}

#[test]
fn classify_value_pem() {
    let pem = include_str!("data/rsa.pem");
    let m = Detector::builtin()
        .classify_value(Some("tls.key"), pem)
        .expect("pem");
    assert_eq!(m.rule_id, "private-key");
    assert_eq!(&pem[m.span.clone()], pem.trim_end());
}
