use envguard_detect::{connection_string_password, is_placeholder, Detector, SecretKind};

#[test]
fn connection_string_passwords_table() {
    // (input, expected password or None)
    let cases: &[(&str, Option<&str>)] = &[
        ("postgres://app:Xq7tRw2pLm9@db.internal:5432/orders", Some("Xq7tRw2pLm9")),
        ("postgresql://app:Xq7tRw2pLm9@db.internal/orders?sslmode=require", Some("Xq7tRw2pLm9")),
        ("mongodb+srv://svc:y8KcMjRC8xxC@cluster0.abcde.mongodb.net/app", Some("y8KcMjRC8xxC")),
        ("mongodb://u:p4ss@h1:27017,h2:27017/db?replicaSet=rs0", Some("p4ss")),
        ("redis://:2v4S5fT3JhjZ@cache.internal:6379/0", Some("2v4S5fT3JhjZ")),
        ("rediss://default:2v4S5fT3JhjZ@cache.internal:6380", Some("2v4S5fT3JhjZ")),
        ("amqp://guest:guest@rabbit:5672/", Some("guest")),
        ("amqps://orders:Rb7!kq2Lz@mq.prod/vhost", Some("Rb7!kq2Lz")),
        ("mysql://report:XRx##V*Ik2k3x@mysql.internal:3306/reports", Some("XRx##V*Ik2k3x")),
        ("jdbc:mysql://report:XRx9Ik2k3x@mysql.internal:3306/reports", Some("XRx9Ik2k3x")),
        ("jdbc:postgresql://db:5432/orders?user=app&password=Pq8!zLm2&ssl=true", Some("Pq8!zLm2")),
        ("jdbc:sqlserver://sql.internal:1433;databaseName=orders;user=app;password=Pq8!zLm2;", Some("Pq8!zLm2")),
        ("Server=tcp:sql.internal,1433;Database=orders;User ID=app;Password=Pq8!z Lm2;Encrypt=true;", Some("Pq8!z Lm2")),
        ("Driver={ODBC Driver 18};Server=sql;UID=app;PWD=Pq8!zLm2;", Some("Pq8!zLm2")),
        ("Data Source=sql;Initial Catalog=orders;Password=\"a;b=c\";", Some("a;b=c")),
        ("host=db.internal port=5432 dbname=orders user=app password=Pq8zLm2x sslmode=require", Some("Pq8zLm2x")),
        ("smtp://mailer:M4il!pass@smtp.internal:587", Some("M4il!pass")),
        ("https://deploy:ghp_token123@github.com/acme/api.git", Some("ghp_token123")),
        ("postgres://app:p@ss@word@db/orders", Some("p@ss@word")),
        // No password.
        ("postgres://app@db.internal:5432/orders", None),
        ("https://example.com:8443/path", None),
        ("http://localhost:8080/@user", None),
        ("https://o123.ingest.sentry.io/456", None),
        ("https://abc123@o123.ingest.sentry.io/456", None),
        ("Server=sql;Database=orders;Integrated Security=true;", None),
        ("just some text", None),
        ("", None),
    ];
    for (input, want) in cases {
        let got = connection_string_password(input).map(|r| &input[r]);
        assert_eq!(got, *want, "{input:?}");
    }
}

#[test]
fn templated_passwords_are_placeholders() {
    for input in [
        "postgres://app:${DB_PASSWORD}@db/orders",
        "Server=sql;Password=$(DB_PASSWORD);",
        "redis://:{{ .Values.redis.password }}@cache:6379",
    ] {
        if let Some(r) = connection_string_password(input) {
            assert!(is_placeholder(&input[r]), "{input}");
        }
        assert_eq!(
            Detector::builtin().classify_value(Some("DATABASE_URL"), input),
            None,
            "{input}"
        );
    }
}

#[test]
fn classify_value_yields_the_password_part() {
    let d = Detector::builtin();
    let v = "postgres://app_orders:Xq7!tRw2pLm9ZkVb@db.prod.internal:5432/orders";
    let m = d.classify_value(Some("DATABASE_URL"), v).expect("finding");
    assert_eq!(&v[m.span.clone()], "Xq7!tRw2pLm9ZkVb");
    assert_eq!(m.rule_id, "connection-string");
    assert_eq!(m.key.as_deref(), Some("DATABASE_URL"));

    let v = "Server=sql.internal;Database=orders;User Id=app;Password=Xq7!tRw2pLm9ZkVb;";
    let m = d
        .classify_value(Some("ConnectionStrings__Orders"), v)
        .expect("finding");
    assert_eq!(&v[m.span.clone()], "Xq7!tRw2pLm9ZkVb");

    let v = "amqp://guest:guest@rabbit:5672/";
    let m = d.classify_value(Some("AMQP_URL"), v).expect("finding");
    assert_eq!(&v[m.span.clone()], "guest");
    assert_eq!(m.kind, SecretKind::WeakDefault);

    let v = "postgres://postgres:postgres@localhost:5432/dev";
    let m = d.classify_value(Some("DATABASE_URL"), v).expect("finding");
    assert_eq!(m.kind, SecretKind::WeakDefault);

    assert_eq!(
        d.classify_value(Some("DATABASE_URL"), "postgres://app@db/orders"),
        None
    );
}
